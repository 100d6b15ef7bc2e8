"""Adafactor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers._composed import local_step, rms, scalar
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Adafactor(Optimizer):
    """Adafactor, with Keras's update rule: for variables of rank 2 or more the second moment is
    kept factored, as row means ``r`` (shape ``shape[:-1]``) and column means ``c`` (shape
    ``shape[:-2] + shape[-1:]``) of the squared gradient; for vectors and scalars it is kept whole.

    Args:
        learning_rate: float (``0.001``).
        beta_2_decay: the second-moment decay at step ``t`` is ``1 - t ** beta_2_decay`` (``-0.8``).
        epsilon_1: added to the squared gradient (``1e-30``).
        epsilon_2: the smallest variable RMS the step is scaled by (``1e-3``).
        clip_threshold: the RMS the normalized update is clipped to (``1.0``).
        relative_step: whether the rate is capped at ``1 / sqrt(t)`` (for a float ``learning_rate``).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
        name: str = "adafactor",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay = float(beta_2_decay)
        self.epsilon_1, self.epsilon_2 = float(epsilon_1), float(epsilon_2)
        self.clip_threshold = float(clip_threshold)
        self.relative_step = bool(relative_step)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.rs: list[Variable | None] = []
        self.cs: list[Variable | None] = []
        self.vs: list[Variable] = []
        for v in variables:
            if len(v.shape) >= 2:
                self.rs.append(self.add_variable(v.shape[:-1], v.dtype, v.name))
                self.cs.append(self.add_variable((*v.shape[:-2], v.shape[-1]), v.dtype, v.name))
            else:
                self.rs.append(None)
                self.cs.append(None)
            self.vs.append(self.add_variable_from_reference(v, "velocity"))

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        slots = zip(self._slots(self.rs, variables), self._slots(self.cs, variables), self._slots(self.vs, variables))
        for w, g, (r, c, v) in zip(variables, grads, slots):
            dtype = w.dtype
            lr, step = scalar(self, learning_rate, dtype), local_step(self, dtype)
            g = b.cast(g, dtype)
            one = scalar(self, 1.0, dtype)
            rho = b.minimum(lr, b.rsqrt(step))  # the relative-step cap (Keras applies it in both cases)
            alpha = b.multiply(b.maximum(scalar(self, self.epsilon_2, dtype), rms(b, w.value)), rho)
            squared = b.add(b.square(g), self.epsilon_1)
            beta_2 = b.subtract(one, b.power(step, self.beta_2_decay))
            keep = b.subtract(one, beta_2)
            if r is not None:
                r_new = b.add(b.multiply(beta_2, r.value), b.multiply(keep, b.mean(squared, axis=-1)))
                c_new = b.add(b.multiply(beta_2, c.value), b.multiply(keep, b.mean(squared, axis=-2)))
                r.assign(r_new)
                c.assign(c_new)
                row_share = b.divide(r_new, b.mean(r_new, axis=-1, keepdims=True))
                v_new = b.multiply(b.expand_dims(row_share, -1), b.expand_dims(c_new, -2))
            else:
                v_new = b.add(b.multiply(beta_2, v.value), b.multiply(keep, squared))
            v.assign(v_new)
            u = b.divide(g, b.sqrt(v_new))
            u = b.divide(u, b.maximum(one, b.divide(rms(b, u), self.clip_threshold)))
            w.assign(b.subtract(w.value, b.multiply(alpha, u)))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        }
