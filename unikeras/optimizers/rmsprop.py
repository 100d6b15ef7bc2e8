"""RMSprop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class RMSprop(Optimizer):
    """Divides the gradient by a running root mean square of recent gradients (Keras's rule).

    Args:
        learning_rate: float (``0.001``).
        rho: decay of the squared-gradient average (``0.9``).
        momentum: momentum of the update (``0.0``).
        epsilon: added to the mean square before the square root (``1e-7``).
        centered: whether to subtract the squared mean gradient (the variance estimate).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        name: str = "rmsprop",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), centered

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in variables]
        self.average_grads = [self.add_variable_from_reference(v, "average_gradient") for v in variables]
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b, rho = self._backend, self.rho
        slots = zip(self._slots(self.velocities, variables), self._slots(self.average_grads, variables))
        for w, g, (velocity, average) in zip(variables, grads, slots):
            velocity.assign(b.add(b.multiply(velocity.value, rho), b.multiply(b.square(g), 1.0 - rho)))
            denominator = velocity.value
            if self.centered:
                average.assign(b.add(b.multiply(average.value, rho), b.multiply(g, 1.0 - rho)))
                denominator = b.subtract(denominator, b.square(average.value))
            increment = b.divide(b.multiply(g, learning_rate), b.sqrt(b.add(denominator, self.epsilon)))
            if self.momentum > 0:
                m = self._slots(self.momentums, [w])[0]
                m.assign(b.add(b.multiply(m.value, self.momentum), increment))
                increment = m.value
            w.assign(b.subtract(w.value, increment))

    def get_config(self) -> dict:
        extra = {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered}
        return {**super().get_config(), **extra}
