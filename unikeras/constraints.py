"""Weight constraints: projections applied to a weight after each optimizer update (Keras names)."""

from __future__ import annotations

from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active


class Constraint:
    """Base class: ``__call__(weight) -> constrained weight``."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        return cls(**config)


def _norms(w: Any, axis: Any) -> Any:
    b = active()
    return b.sqrt(b.sum(b.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale each slice along ``axis`` whose L2 norm exceeds ``max_value`` to norm ``max_value``.

    Args:
        max_value: largest allowed norm (2).
        axis: the axis (or axes) the norm is taken over; 0 for a Dense kernel ``(in, out)`` gives one
            norm per unit, ``[0, 1, 2]`` for a Conv2D kernel.
    """

    def __init__(self, max_value: float = 2.0, axis: Any = 0) -> None:
        self.max_value = float(max_value)
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        b = active()
        norms = _norms(w, _axis(self.axis))
        desired = b.clip(norms, 0.0, self.max_value)
        return b.multiply(w, b.divide(desired, b.add(norms, config.epsilon())))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's norm along ``axis`` towards ``[min_value, max_value]`` by ``rate`` (1 = fully)."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0) -> None:
        self.min_value, self.max_value, self.rate = float(min_value), float(max_value), float(rate)
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        b = active()
        norms = _norms(w, _axis(self.axis))
        clipped = b.clip(norms, self.min_value, self.max_value)
        desired = b.add(b.multiply(clipped, self.rate), b.multiply(norms, 1.0 - self.rate))
        return b.multiply(w, b.divide(desired, b.add(norms, config.epsilon())))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative entries to zero."""

    def __call__(self, w: Any) -> Any:
        b = active()
        return b.multiply(w, b.cast(b.greater_equal(w, 0.0), b.dtype_name(w)))


class UnitNorm(Constraint):
    """Scale each slice along ``axis`` to unit L2 norm."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Any:
        b = active()
        return b.divide(w, b.add(_norms(w, _axis(self.axis)), config.epsilon()))

    def get_config(self) -> dict:
        return {"axis": self.axis}


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
_BY_NAME = {
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
    "MaxNorm": MaxNorm,
    "MinMaxNorm": MinMaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
}


def get(identifier: Any) -> Constraint | None:
    """A constraint from ``None``, a name (``"non_neg"``), a config dict, an instance or a callable."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown constraint {identifier!r}. Known: max_norm, min_max_norm, non_neg, unit_norm.")
        return cls()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        if name not in _BY_NAME:
            raise ValueError(f"Unknown constraint class {name!r} in config {identifier!r}.")
        return _BY_NAME[name].from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Cannot interpret constraint {identifier!r}: expected a name, dict, Constraint or callable.")


def serialize(constraint: Any) -> dict | None:
    if constraint is None:
        return None
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


from unikeras.deserializers import deserialize_constraint as deserialize  # noqa: E402,F401
