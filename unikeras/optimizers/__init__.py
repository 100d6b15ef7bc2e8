"""Optimizers by Keras name; ``get`` resolves what ``compile`` receives."""

from __future__ import annotations

from typing import Any

from unikeras.optimizers import legacy, schedules
from unikeras.optimizers.adadelta import Adadelta
from unikeras.optimizers.adafactor import Adafactor
from unikeras.optimizers.adagrad import Adagrad
from unikeras.optimizers.adam import Adam
from unikeras.optimizers.adamax import Adamax
from unikeras.optimizers.adamw import AdamW
from unikeras.optimizers.ftrl import Ftrl
from unikeras.optimizers.lamb import Lamb
from unikeras.optimizers.lion import Lion
from unikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from unikeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from unikeras.optimizers.muon import Muon
from unikeras.optimizers.nadam import Nadam
from unikeras.optimizers.optimizer import Optimizer
from unikeras.optimizers.rmsprop import RMSprop
from unikeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from unikeras.optimizers.sgd import SGD

_BY_NAME = {
    cls.__name__.lower(): cls
    for cls in (
        SGD,
        Adam,
        AdamW,
        RMSprop,
        Adagrad,
        Adadelta,
        Adamax,
        Nadam,
        Lion,
        Adafactor,
        Ftrl,
        Lamb,
        Muon,
        ScheduleFreeAdamW,
    )
}


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` of an optimizer (its schedule serialized inside)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizers.serialize: expected an Optimizer, received {type(optimizer).__name__}.")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """The optimizer a ``serialize`` dict describes; ``custom_objects`` maps the class names of
    user optimizers and schedules."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"optimizers.deserialize: expected a dict with a 'class_name' key, received {config!r}.")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name.lower())
    if cls is None and name == "LossScaleOptimizer":
        cls = LossScaleOptimizer  # by its config only: it wraps an inner optimizer
    if cls is None and name == "MultiOptimizer":
        cls = MultiOptimizer  # by its config only: it holds an optimizer map
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}. Known optimizers: {', '.join(sorted(_BY_NAME))}.")
    return cls.from_config(dict(config.get("config", {})), custom_objects)


def get(identifier: Any) -> Optimizer:
    """An Optimizer from a name (``"adam"``), a ``serialize`` dict, a class or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Known optimizers: {', '.join(sorted(_BY_NAME))}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Cannot interpret optimizer {identifier!r}: expected a name, a config dict or an Optimizer.")


__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "Adamax",
    "AdamW",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "SGD",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "legacy",
    "schedules",
    "serialize",
]
