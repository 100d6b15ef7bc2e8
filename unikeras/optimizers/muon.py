"""Muon."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from unikeras.optimizers._composed import local_step, scalar
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


def _path(variable: Variable) -> str:
    return getattr(variable, "path", None) or variable.name


class Muon(Optimizer):
    """Muon (MomentUm Orthogonalized by Newton-schulz), with Keras's update rule: 2-D variables
    take a momentum step orthogonalized by ``ns_steps`` quintic Newton-Schulz iterations and
    scaled by ``sqrt(max(rows, columns)) * rms_rate``; the others (and those excluded) take an
    AdamW step at ``learning_rate * adam_lr_ratio``.

    Args:
        learning_rate: float (``0.001``).
        adam_beta_1, adam_beta_2: the AdamW moment decays.
        adam_weight_decay: weight decay of the AdamW variables (``0.004``).
        epsilon: AdamW's small constant (``1e-7``).
        weight_decay: weight decay of the Muon variables (``0.004``).
        exclude_layers: regular expressions; variables whose path (here: name) matches one take AdamW.
        exclude_embeddings: whether variables with "embedding" in their path (name) take AdamW.
        muon_a, muon_b, muon_c: the Newton-Schulz polynomial's coefficients.
        adam_lr_ratio: the AdamW rate relative to ``learning_rate``.
        momentum: the Muon momentum (``0.95``).
        ns_steps: the number of Newton-Schulz iterations (``5``).
        nesterov: whether the Muon step uses Nesterov momentum.
        rms_rate: the update scale (``0.2``; None: no rescaling).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        adam_beta_1: float = 0.9,
        adam_beta_2: float = 0.999,
        adam_weight_decay: float | None = 0.004,
        epsilon: float = 1e-7,
        weight_decay: float | None = 0.004,
        name: str = "muon",
        exclude_layers: list[str] | None = None,
        exclude_embeddings: bool = True,
        muon_a: float = 3.4445,
        muon_b: float = -4.7750,
        muon_c: float = 2.0315,
        adam_lr_ratio: float = 1,
        momentum: float = 0.95,
        ns_steps: int = 5,
        nesterov: bool = True,
        rms_rate: float | None = 0.2,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = float(adam_beta_1), float(adam_beta_2), float(epsilon)
        self.adam_weight_decay = adam_weight_decay
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = bool(exclude_embeddings)
        self.muon_a, self.muon_b, self.muon_c = float(muon_a), float(muon_b), float(muon_c)
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum, self.ns_steps, self.nesterov = float(momentum), int(ns_steps), bool(nesterov)
        self.rms_rate = rms_rate
        # the base class decays every variable by `weight_decay`; Muon picks the decay per variable
        self._muon_weight_decay, self.weight_decay = self.weight_decay, None

    def _uses_adamw(self, variable: Variable) -> bool:
        if len(variable.shape) != 2:
            return True
        path = _path(variable)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.ms = [self.add_variable_from_reference(v, "momentum") for v in variables]
        self.vs = [self.add_variable_from_reference(v, "velocity") if self._uses_adamw(v) else None for v in variables]

    def _orthogonalize(self, x: Any) -> Any:
        """The quintic Newton-Schulz iteration towards ``U V^T`` of ``x``'s SVD."""
        b = self._backend
        rows, columns = b.shape(x)
        if rows > columns:
            x = b.transpose(x)
        x = b.divide(x, b.add(b.sqrt(b.sum(b.square(x))), 1e-7))
        for _ in range(self.ns_steps):
            gram = b.matmul(x, b.transpose(x))
            poly = b.add(b.multiply(gram, self.muon_b), b.multiply(b.matmul(gram, gram), self.muon_c))
            x = b.add(b.multiply(x, self.muon_a), b.matmul(poly, x))
        return b.transpose(x) if rows > columns else x

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        for w, g, m, v in zip(variables, grads, self._slots(self.ms, variables), self._slots(self.vs, variables)):
            dtype = w.dtype
            lr = scalar(self, learning_rate, dtype)
            g = b.cast(g, dtype)
            decay = self.adam_weight_decay if v is not None else self._muon_weight_decay
            if decay:
                w.assign(b.subtract(w.value, b.multiply(b.multiply(w.value, decay), lr)))
            if v is not None:
                self._adamw_step(w, g, m, v, b.multiply(lr, self.adam_lr_ratio))
                continue
            m_new = b.add(b.multiply(m.value, self.momentum), g)
            m.assign(m_new)
            direction = b.add(g, b.multiply(m_new, self.momentum)) if self.nesterov else m_new
            update = b.multiply(lr, self._orthogonalize(direction))
            if self.rms_rate is not None:
                update = b.multiply(update, float(max(w.shape)) ** 0.5 * self.rms_rate)
            w.assign(b.subtract(w.value, update))

    def _adamw_step(self, w: Variable, g: Any, m: Variable, v: Variable, lr: Any) -> None:
        b = self._backend
        dtype = w.dtype
        step = local_step(self, dtype)
        one = scalar(self, 1.0, dtype)
        beta_1_power = b.power(scalar(self, self.adam_beta_1, dtype), step)
        beta_2_power = b.power(scalar(self, self.adam_beta_2, dtype), step)
        alpha = b.divide(b.multiply(lr, b.sqrt(b.subtract(one, beta_2_power))), b.subtract(one, beta_1_power))
        m_new = b.add(m.value, b.multiply(b.subtract(g, m.value), 1.0 - self.adam_beta_1))
        v_new = b.add(v.value, b.multiply(b.subtract(b.square(g), v.value), 1.0 - self.adam_beta_2))
        m.assign(m_new)
        v.assign(v_new)
        w.assign(b.subtract(w.value, b.divide(b.multiply(m_new, alpha), b.add(b.sqrt(v_new), self.epsilon))))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "weight_decay": self._muon_weight_decay,
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        }
