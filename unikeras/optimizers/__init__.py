"""Optimizers by Keras name; ``get`` resolves what ``compile`` receives."""

from __future__ import annotations

from typing import Any

from unikeras.optimizers.adadelta import Adadelta
from unikeras.optimizers.adagrad import Adagrad
from unikeras.optimizers.adam import Adam
from unikeras.optimizers.adamax import Adamax
from unikeras.optimizers.adamw import AdamW
from unikeras.optimizers.lion import Lion
from unikeras.optimizers.nadam import Nadam
from unikeras.optimizers.optimizer import Optimizer
from unikeras.optimizers.rmsprop import RMSprop
from unikeras.optimizers.sgd import SGD

_BY_NAME = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion)}


def get(identifier: Any) -> Optimizer:
    """An Optimizer from a name (``"adam"``), a class or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Known optimizers: {', '.join(sorted(_BY_NAME))}.")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Cannot interpret optimizer {identifier!r}: expected a name or an Optimizer.")


__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "Lion", "Nadam", "Optimizer", "RMSprop", "SGD", "get"]
