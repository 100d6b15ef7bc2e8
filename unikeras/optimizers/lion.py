"""Lion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Lion(Optimizer):
    """Steps of size ``learning_rate`` in the sign of an interpolated momentum (Keras's rule).

    Args:
        learning_rate: float (``0.001``).
        beta_1: interpolation between momentum and gradient for the step (``0.9``).
        beta_2: decay of the momentum (``0.99``).
    """

    def __init__(
        self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.99, name: str = "lion", **kwargs
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0.0 < beta_1 <= 1.0:
            raise ValueError(f"Lion: `beta_1` must be in (0, 1], received {beta_1!r}.")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        for w, g, m in zip(variables, grads, self._slots(self.ms, variables)):
            direction = b.sign(b.add(b.multiply(m.value, self.beta_1), b.multiply(g, 1.0 - self.beta_1)))
            w.assign(b.subtract(w.value, b.multiply(direction, learning_rate)))
            m.assign(b.add(b.multiply(m.value, self.beta_2), b.multiply(g, 1.0 - self.beta_2)))

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
