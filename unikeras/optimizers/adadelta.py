"""Adadelta."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Adadelta(Optimizer):
    """Steps sized by the ratio of running RMS of past updates and of gradients (Keras's rule).

    Args:
        learning_rate: float (``0.001``).
        rho: decay of both running averages (``0.95``).
        epsilon: added under the square roots (``1e-7``).
    """

    def __init__(
        self, learning_rate: float = 0.001, rho: float = 0.95, epsilon: float = 1e-7, name: str = "adadelta", **kwargs
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.accumulated_grads = [self.add_variable_from_reference(v, "accumulated_grad") for v in variables]
        self.accumulated_deltas = [self.add_variable_from_reference(v, "accumulated_delta_var") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b, rho = self._backend, self.rho

        def rms(x: Any) -> Any:
            return b.sqrt(b.add(x, self.epsilon))

        slots = zip(self._slots(self.accumulated_grads, variables), self._slots(self.accumulated_deltas, variables))
        for w, g, (acc_grad, acc_delta) in zip(variables, grads, slots):
            acc_grad.assign(b.add(b.multiply(acc_grad.value, rho), b.multiply(b.square(g), 1.0 - rho)))
            delta = b.negative(b.divide(b.multiply(rms(acc_delta.value), g), rms(acc_grad.value)))
            acc_delta.assign(b.add(b.multiply(acc_delta.value, rho), b.multiply(b.square(delta), 1.0 - rho)))
            w.assign(b.add(w.value, b.multiply(delta, learning_rate)))

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
