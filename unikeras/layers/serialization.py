"""Layers to and from ``{"class_name", "config"}`` dicts (Keras's layer-serialization format)."""

from __future__ import annotations

from typing import Any


def serialize(layer: Any) -> dict:
    """``{"module", "class_name", "config"}`` of ``layer`` (a layer or a model)."""
    return {"module": type(layer).__module__, "class_name": type(layer).__name__, "config": layer.get_config()}


def _known_classes() -> dict[str, type]:
    from unikeras import layers, models
    from unikeras.layers.op_layer import OpLayer
    from unikeras.models.functional import Functional

    known = {name: getattr(layers, name) for name in layers.__all__ if isinstance(getattr(layers, name), type)}
    known.update(OpLayer=OpLayer, Sequential=models.Sequential, Functional=Functional, Model=Functional)
    known.setdefault("GroupedQueryAttention", layers.GroupQueryAttention)  # Keras's class name of the layer
    return known


def deserialize(config: dict, custom_objects: dict | None = None) -> Any:
    """A new layer (or model) from ``serialize``'s output; ``custom_objects`` maps class names of
    user-defined layers to their classes."""
    from unikeras.saving.object_registration import get_registered_object

    spec = config

    name = spec.get("class_name")
    cls = (
        (custom_objects or {}).get(name)
        or get_registered_object(spec.get("registered_name") or name)
        or _known_classes().get(name)
    )
    if cls is None:
        raise ValueError(
            f"Unknown layer class {name!r}. A custom layer must be passed in `custom_objects={{{name!r}: cls}}`."
        )
    config = spec.get("config", {})
    if custom_objects and _accepts_custom_objects(cls):
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)


def _accepts_custom_objects(cls: type) -> bool:
    import inspect

    return "custom_objects" in inspect.signature(cls.from_config).parameters
