"""Registered custom objects (Keras's ``register_keras_serializable`` and friends).

A class registered with ``@register_serializable(package, name)`` is stored under
``"package>name"``; a model file names it that way and ``load_model`` finds it without
``custom_objects``, even in safe mode.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
_scopes: list[dict[str, Any]] = []


def register_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """Decorator registering a class (or function) under ``"package>name"`` for saving and loading.

    Args:
        package: the package the object belongs to (the first half of its key).
        name: the name to register it under; the object's ``__name__`` when omitted.

    Returns:
        A decorator that registers its argument and returns it unchanged.
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_serializable(): `package` must be a string without '>', received {package!r}.")

    def decorator(obj: Any) -> Any:
        key_name = name if name is not None else getattr(obj, "__name__", None)
        if not key_name:
            raise ValueError(f"register_serializable(): cannot find a name for {obj!r}; pass `name=`.")
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register class {obj.__name__}: it has no get_config() method.")
        if not callable(obj):
            raise ValueError(f"register_serializable(): expected a class or a function, received {obj!r}.")
        key = f"{package}>{key_name}"
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = key
        return obj

    return decorator


register_keras_serializable = register_serializable  # Keras's name


def get_registered_name(obj: Any) -> str:
    """The key ``obj`` is registered under, else its ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj) or obj.__name__


def is_registered(obj: Any) -> bool:
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:  # unhashable
        return False


def get_registered_object(
    name: str, custom_objects: dict[str, Any] | None = None, module_objects: dict[str, Any] | None = None
) -> Any:
    """The object known as ``name``: from an active ``custom_object_scope``, the registry,
    ``custom_objects``, then ``module_objects``; ``None`` if none has it."""
    for scope in reversed(_scopes):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects() -> dict[str, Any]:
    """The live registry dict (``"package>name"`` -> object); objects added to it are found by loading."""
    return _GLOBAL_CUSTOM_OBJECTS


def scoped_objects() -> dict[str, Any]:
    """The objects of the active ``custom_object_scope`` blocks (inner ones win)."""
    merged: dict[str, Any] = {}
    for scope in _scopes:
        merged.update(scope)
    return merged


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}):`` makes the objects known to loading inside the block."""

    def __init__(self, custom_objects: dict[str, Any] | None = None) -> None:
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self) -> CustomObjectScope:
        _scopes.append(self.custom_objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        for i in range(len(_scopes) - 1, -1, -1):
            if _scopes[i] is self.custom_objects:
                del _scopes[i]
                break


custom_object_scope = CustomObjectScope
