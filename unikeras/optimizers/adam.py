"""Adam."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Adam(Optimizer):
    """Adam with Keras's update rule (epsilon added to ``sqrt(v)`` before bias correction).

    Args:
        learning_rate: float (``0.001``).
        beta_1: decay of the first-moment estimate.
        beta_2: decay of the second-moment estimate.
        epsilon: small constant for numerical stability (``1e-7``).
        amsgrad: whether to use the maximum of past second moments.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "adam",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = float(beta_1), float(beta_2), float(epsilon), amsgrad

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self.vs = [self.add_variable_from_reference(v, "velocity") for v in variables]
        self.vhats = [self.add_variable_from_reference(v, "velocity_hat") for v in variables] if self.amsgrad else []

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        host = self._host_iterations
        step = b.cast(b.add(self.iterations.value, 1), "float32") if host is None else float(host + 1)
        vhats = self._slots(self.vhats, variables) if self.amsgrad else None
        b.apply_adam(
            variables,
            grads,
            self._slots(self.ms, variables),
            self._slots(self.vs, variables),
            vhats,
            learning_rate,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            step,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
