"""Adamax."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Adamax(Optimizer):
    """Adam with the infinity norm of past gradients in place of the second moment (Keras's rule).

    Args:
        learning_rate: float (``0.001``).
        beta_1: decay of the first moment (``0.9``).
        beta_2: decay of the infinity norm (``0.999``).
        epsilon: added to the norm (``1e-7``).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str = "adamax",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self.us = [self.add_variable_from_reference(v, "norm") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        step = b.cast(b.add(self.iterations.value, 1), "float32")
        correction = b.subtract(1.0, b.power(b.convert_to_tensor(self.beta_1, "float32"), step))
        for w, g, m, u in zip(variables, grads, self._slots(self.ms, variables), self._slots(self.us, variables)):
            m.assign(b.add(m.value, b.multiply(b.subtract(g, m.value), 1.0 - self.beta_1)))
            u.assign(b.maximum(b.multiply(u.value, self.beta_2), b.abs(g)))
            denominator = b.multiply(correction, b.add(u.value, self.epsilon))
            w.assign(b.subtract(w.value, b.divide(b.multiply(m.value, learning_rate), denominator)))

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
