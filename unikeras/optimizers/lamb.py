"""Lamb."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers._composed import local_step, scalar
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Lamb(Optimizer):
    """Lamb: Adam's bias-corrected step, rescaled per variable by the trust ratio
    ``||w|| / ||step||`` (1 where either norm is zero), with Keras's update rule.

    Args:
        learning_rate: float (``0.001``).
        beta_1: decay of the first-moment estimate.
        beta_2: decay of the second-moment estimate.
        epsilon: small constant for numerical stability (``1e-7``).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str = "lamb",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self.vs = [self.add_variable_from_reference(v, "velocity") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        for w, g, m, v in zip(variables, grads, self._slots(self.ms, variables), self._slots(self.vs, variables)):
            dtype = w.dtype
            lr, step = scalar(self, learning_rate, dtype), local_step(self, dtype)
            g = b.cast(g, dtype)
            m_new = b.add(m.value, b.multiply(b.subtract(g, m.value), 1.0 - self.beta_1))
            v_new = b.add(v.value, b.multiply(b.subtract(b.square(g), v.value), 1.0 - self.beta_2))
            m.assign(m_new)
            v.assign(v_new)
            one = scalar(self, 1.0, dtype)
            m_hat = b.divide(m_new, b.subtract(one, b.power(scalar(self, self.beta_1, dtype), step)))
            v_hat = b.divide(v_new, b.subtract(one, b.power(scalar(self, self.beta_2, dtype), step)))
            update = b.divide(m_hat, b.add(b.sqrt(v_hat), self.epsilon))
            w_norm = b.sqrt(b.sum(b.square(w.value)))
            u_norm = b.sqrt(b.sum(b.square(update)))
            safe = b.logical_and(b.greater(w_norm, 0.0), b.greater(u_norm, 0.0))
            ratio = b.where(safe, b.divide(w_norm, b.where(safe, u_norm, one)), one)
            w.assign(b.subtract(w.value, b.multiply(b.multiply(ratio, lr), update)))

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
