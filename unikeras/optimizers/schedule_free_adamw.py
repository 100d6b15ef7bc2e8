"""Schedule-free AdamW."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers._composed import local_step, scalar
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW (Defazio et al., 2024), with Keras's update rule: the trained variable
    holds ``y``, an interpolation between the Adam iterate ``z`` (the ``momentum`` slot, which
    starts as a copy of the variable) and the running average ``x`` of the ``z`` iterates, so no
    learning-rate decay schedule is needed.

    Args:
        learning_rate: float (``0.0025``).
        beta_1: the interpolation weight of ``x`` in ``y`` (``0.9``).
        beta_2: decay of the second-moment estimate (``0.999``).
        epsilon: small constant for numerical stability (``1e-8``).
        warmup_steps: the rate ramps up linearly over this many steps (``0``: none).
    """

    def __init__(
        self,
        learning_rate: float = 0.0025,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        warmup_steps: int = 0,
        name: str = "schedule_free_adamw",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.warmup_steps = int(warmup_steps)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]
        for m, v in zip(self.ms, variables):
            m.assign(self._backend.copy(v.value))  # own storage: a shared buffer breaks donating compiled steps
        self.vs = [self.add_variable_from_reference(v, "velocity") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        for w, g, m, v in zip(variables, grads, self._slots(self.ms, variables), self._slots(self.vs, variables)):
            dtype = w.dtype
            lr, step = scalar(self, learning_rate, dtype), local_step(self, dtype)
            g = b.cast(g, dtype)
            one = scalar(self, 1.0, dtype)
            if self.warmup_steps > 0:
                lr = b.multiply(lr, b.minimum(b.divide(step, float(self.warmup_steps)), one))
            # every new value is computed before the first assign: on frameworks with in-place
            # variables, a value read earlier (z_old) would otherwise change under our feet
            z_old, y_old = m.value, w.value
            v_new = b.add(v.value, b.multiply(b.subtract(b.square(g), v.value), 1.0 - self.beta_2))
            correction = b.subtract(one, b.power(scalar(self, self.beta_2, dtype), step))
            denominator = b.add(b.sqrt(b.divide(v_new, correction)), self.epsilon)
            z_new = b.subtract(z_old, b.divide(b.multiply(lr, g), denominator))
            weight = b.divide(one, step)
            x_old = b.divide(b.subtract(y_old, b.multiply(z_old, 1.0 - self.beta_1)), self.beta_1)
            x_new = b.add(b.multiply(b.subtract(one, weight), x_old), b.multiply(weight, z_new))
            y_new = b.add(b.multiply(z_new, 1.0 - self.beta_1), b.multiply(x_new, self.beta_1))
            v.assign(v_new)
            m.assign(z_new)
            w.assign(y_new)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }
