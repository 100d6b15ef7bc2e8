"""Adagrad."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Adagrad(Optimizer):
    """Per-weight learning rates scaled by the accumulated squared gradients (Keras's rule).

    Args:
        learning_rate: float (``0.001``).
        initial_accumulator_value: starting value of the accumulators (``0.1``).
        epsilon: added under the square root (``1e-7``).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        name: str = "adagrad",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.accumulators = [
            self.add_variable(v.shape, v.dtype, f"{v.name}_accumulator", self.initial_accumulator_value)
            for v in variables
        ]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        for w, g, acc in zip(variables, grads, self._slots(self.accumulators, variables)):
            acc.assign(b.add(acc.value, b.square(g)))
            step = b.divide(b.multiply(g, learning_rate), b.sqrt(b.add(acc.value, self.epsilon)))
            w.assign(b.subtract(w.value, step))

    def get_config(self) -> dict:
        extra = {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
        return {**super().get_config(), **extra}
