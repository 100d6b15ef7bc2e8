"""Stochastic gradient descent with optional (Nesterov) momentum."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class SGD(Optimizer):
    """``w -= lr * g``; with ``momentum``: ``m = momentum * m - lr * g``, ``w += m``
    (``w += momentum * m - lr * g`` when ``nesterov``).

    Args:
        learning_rate: float (``0.01``).
        momentum: float in ``[0, 1]``.
        nesterov: whether to apply Nesterov momentum.
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str = "SGD",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: `momentum` must be in [0, 1], received {momentum!r}.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.momentums = [self.add_variable_from_reference(v, "momentum") for v in variables] if self.momentum else []

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        momentums = self._slots(self.momentums, variables) if self.momentum else None
        self._backend.apply_sgd(variables, grads, momentums, learning_rate, self.momentum, self.nesterov)

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
