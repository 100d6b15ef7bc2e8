"""``deserialize(config, custom_objects=None)`` of ``keras.activations``, ``keras.constraints`` and
``keras.regularizers``: the inverse of each namespace's ``serialize``.

A config is a name (``"relu"``, ``"max_norm"``), or a dict as Keras 3 writes it
(``{"module": ..., "class_name": "MaxNorm", "config": {...}, "registered_name": ...}``; an
activation's dict holds its name under ``"config"``). ``custom_objects`` maps names to your own
functions or classes and is searched first.
"""

from __future__ import annotations

from typing import Any


def _custom(config: Any, custom_objects: dict | None) -> Any:
    """The custom object ``config`` names, or None."""
    if not custom_objects:
        return None
    if isinstance(config, str):
        return custom_objects.get(config)
    if isinstance(config, dict):
        for key in ("registered_name", "class_name"):
            name = config.get(key)
            if isinstance(name, str) and name in custom_objects:
                return custom_objects[name]
    return None


def _check_dict(kind: str, config: Any) -> None:
    if not isinstance(config, (str, dict)):
        raise ValueError(f"Could not interpret {kind} config {config!r}: expected a name or a dict.")
    if isinstance(config, dict) and "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} config {config!r}: a dict needs a 'class_name'.")


def deserialize_activation(config: Any, custom_objects: dict | None = None) -> Any:
    """The activation function named by ``config``."""
    from unikeras import activations

    custom = _custom(config, custom_objects)
    if custom is not None:
        return custom
    _check_dict("activation", config)
    if isinstance(config, dict):
        name = config.get("config") if config["class_name"] == "function" else config["class_name"]
        custom = _custom(name, custom_objects)
        if custom is not None:
            return custom
        config = name
    if not isinstance(config, str):
        raise ValueError(f"Could not interpret activation config {config!r}.")
    return activations.get(config)


def _deserialize_object(kind: str, module: Any, config: Any, custom_objects: dict | None) -> Any:
    custom = _custom(config, custom_objects)
    if custom is not None:
        if isinstance(custom, type) and isinstance(config, dict):
            return custom.from_config(config.get("config") or {})
        return custom() if isinstance(custom, type) else custom
    _check_dict(kind, config)
    if isinstance(config, dict):
        if config["class_name"] not in module._BY_NAME:
            raise ValueError(f"Unknown {kind} class {config['class_name']!r} in config {config!r}.")
        config = {"class_name": config["class_name"], "config": config.get("config") or {}}
    return module.get(config)


def deserialize_constraint(config: Any, custom_objects: dict | None = None) -> Any:
    """The constraint described by ``config``."""
    from unikeras import constraints

    return _deserialize_object("constraint", constraints, config, custom_objects)


def deserialize_regularizer(config: Any, custom_objects: dict | None = None) -> Any:
    """The regularizer described by ``config``."""
    from unikeras import regularizers

    return _deserialize_object("regularizer", regularizers, config, custom_objects)


__all__ = ["deserialize_activation", "deserialize_constraint", "deserialize_regularizer"]
