"""Nadam."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras's momentum schedule ``beta_1 (1 - 0.5 * 0.96**t)``.

    Args:
        learning_rate: float (``0.001``).
        beta_1: decay of the first moment (``0.9``).
        beta_2: decay of the second moment (``0.999``).
        epsilon: added to ``sqrt(v_hat)`` (``1e-7``).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str = "nadam",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self.vs = [self.add_variable_from_reference(v, "velocity") for v in variables]
        self.u_product = self.add_variable((), "float32", "u_product", 1.0)

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b, beta_1, beta_2 = self._backend, self.beta_1, self.beta_2
        step = b.cast(b.add(self.iterations.value, 1), "float32")
        decay = b.convert_to_tensor(0.96, "float32")
        u_t = b.multiply(b.subtract(1.0, b.multiply(b.power(decay, step), 0.5)), beta_1)
        u_t_1 = b.multiply(b.subtract(1.0, b.multiply(b.power(decay, b.add(step, 1.0)), 0.5)), beta_1)
        self.u_product.assign(b.multiply(self.u_product.value, u_t))
        u_product_t = self.u_product.value
        u_product_t_1 = b.multiply(u_product_t, u_t_1)
        v_correction = b.subtract(1.0, b.power(b.convert_to_tensor(beta_2, "float32"), step))
        for w, g, m, v in zip(variables, grads, self._slots(self.ms, variables), self._slots(self.vs, variables)):
            m.assign(b.add(m.value, b.multiply(b.subtract(g, m.value), 1.0 - beta_1)))
            v.assign(b.add(v.value, b.multiply(b.subtract(b.square(g), v.value), 1.0 - beta_2)))
            m_hat = b.add(
                b.divide(b.multiply(m.value, u_t_1), b.subtract(1.0, u_product_t_1)),
                b.divide(b.multiply(g, b.subtract(1.0, u_t)), b.subtract(1.0, u_product_t)),
            )
            v_hat = b.divide(v.value, v_correction)
            step = b.divide(b.multiply(m_hat, learning_rate), b.add(b.sqrt(v_hat), self.epsilon))
            w.assign(b.subtract(w.value, step))

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
