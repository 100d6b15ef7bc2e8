"""Weight regularizers: penalties added to the training loss (Keras names and defaults)."""

from __future__ import annotations

from typing import Any

from unikeras.ops.dispatch import active


class Regularizer:
    """Base class: ``__call__(weight) -> scalar penalty``."""

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        for name, value in (("l1", l1), ("l2", l2)):
            if value < 0:
                raise ValueError(f"{type(self).__name__}: `{name}` must be >= 0, received {value}.")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x: Any) -> Any:
        b = active()
        penalty = b.zeros((), b.dtype_name(x))
        if self.l1:
            penalty = b.add(penalty, b.multiply(b.sum(b.abs(x)), self.l1))
        if self.l2:
            penalty = b.add(penalty, b.multiply(b.sum(b.square(x)), self.l2))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x**2)``."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from ``None``, a name (``"l2"``), a config dict, an instance or a callable."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown regularizer {identifier!r}. Known: l1, l2, l1_l2.")
        return cls()
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Cannot interpret regularizer {identifier!r}.")


def serialize(regularizer: Regularizer | None) -> dict | None:
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


# OrthogonalRegularizer and `deserialize`, written in their own modules
from unikeras.deserializers import deserialize_regularizer as deserialize  # noqa: E402,F401
from unikeras.orthogonal_regularizer import OrthogonalRegularizer, orthogonal_regularizer  # noqa: E402,F401

_BY_NAME.update({"OrthogonalRegularizer": OrthogonalRegularizer, "orthogonal_regularizer": OrthogonalRegularizer})
