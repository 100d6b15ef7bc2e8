"""Any serializable object to and from a JSON-ready dict (Keras's ``serialize_keras_object`` format).

An object with ``get_config`` becomes ``{"module", "class_name", "config", "registered_name"}``; a
function ``{"module", "class_name": "function", "config": name, "registered_name"}``; NumPy arrays
and bytes get Keras's ``__numpy__`` / ``__bytes__`` entries (``__tuple__`` entries are read); lists,
tuples, dicts and plain values pass through. Dicts written by Keras itself (``"module": "keras.layers"``, ...) come back
as the unikeras class of the same name.
"""

from __future__ import annotations

import importlib
import inspect
import types
from typing import Any

import numpy as np

from unikeras import config as _config
from unikeras.saving import object_registration

# public namespaces searched, in order, for a class or function named by a config
_PUBLIC_MODULES = (
    "unikeras.layers",
    "unikeras.models",
    "unikeras.losses",
    "unikeras.metrics",
    "unikeras.optimizers",
    "unikeras.optimizers.schedules",
    "unikeras.initializers",
    "unikeras.regularizers",
    "unikeras.constraints",
    "unikeras.activations",
    "unikeras.dtype_policies",
    "unikeras.callbacks",
    "unikeras.random",
    "unikeras",
)
_KERAS_TO_UNIKERAS = {"keras." + m.split(".", 1)[1]: m for m in _PUBLIC_MODULES if "." in m} | {"keras": "unikeras"}


def _public_module(obj: Any) -> str:
    """The public unikeras namespace exporting ``obj`` (``"unikeras.layers"`` for ``Dense``), else its module."""
    module = getattr(obj, "__module__", None) or "builtins"
    if not module.startswith("unikeras"):
        return module
    name = getattr(obj, "__name__", None)
    for path in _PUBLIC_MODULES:
        namespace = importlib.import_module(path)
        if name and getattr(namespace, name, None) is obj:
            return path
    return module


def serialize_keras_object(obj: Any) -> Any:
    """``obj`` as a JSON-ready structure that ``deserialize_keras_object`` turns back into an equal object.

    Args:
        obj: ``None``, a plain value, a list / tuple / dict of serializable values, a NumPy array or
            scalar, bytes, a function, or an object with ``get_config()`` (layers, losses, optimizers, ...).

    Returns:
        A structure of dicts, lists, strings, numbers, booleans and ``None``.
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, tuple):  # a tuple stays a tuple (JSON writes it as a list), as in Keras
        return tuple(serialize_keras_object(v) for v in obj)
    if isinstance(obj, list):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, types.FunctionType | types.BuiltinFunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError(
                "serialize_keras_object(): a lambda cannot be serialized by name; define it with `def` and "
                "register it with @unikeras.saving.register_keras_serializable()."
            )
        registered = object_registration.get_registered_name(obj)
        return {
            "module": _public_module(obj),
            "class_name": "function",
            "config": obj.__name__,
            "registered_name": registered if object_registration.is_registered(obj) else "function",
        }
    if inspect.isclass(obj):
        return {
            "module": _public_module(obj),
            "class_name": obj.__name__,
            "config": None,
            "registered_name": object_registration.get_registered_name(obj),
            "__type__": True,
        }
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise TypeError(
            f"serialize_keras_object(): cannot serialize {obj!r} (of type {type(obj).__name__}): it has no "
            "get_config() method."
        )
    cls = type(obj)
    return {
        "module": _public_module(cls),
        "class_name": cls.__name__,
        "config": serialize_keras_object(get_config()),
        "registered_name": object_registration.get_registered_name(cls)
        if object_registration.is_registered(cls)
        else None,
    }


def _find(
    name: str, module: str | None, custom_objects: dict | None, module_objects: dict | None, safe_mode: bool
) -> Any:
    """The class or function a config names: custom objects and the registry first, then the public
    unikeras namespace its module maps to, then any unikeras namespace; other modules only outside safe mode."""
    found = object_registration.get_registered_object(name, custom_objects, module_objects)
    if found is not None:
        return found
    target = module or ""
    if target.startswith("keras.src"):
        target = ""
    target = _KERAS_TO_UNIKERAS.get(target, target)
    if target == "builtins" or not target or target.startswith("unikeras"):
        candidates = ([target] if target.startswith("unikeras") else []) + list(_PUBLIC_MODULES)
        for path in candidates:
            try:
                namespace = importlib.import_module(path)
            except ImportError:
                continue
            found = getattr(namespace, name, None)
            if found is not None:
                return found
        return None
    if target.startswith("keras"):
        return None
    if safe_mode:
        raise ValueError(
            f"deserialize_keras_object(): '{name}' from module '{module}' is not a unikeras object and is not "
            f"registered. Pass custom_objects={{'{name}': ...}}, register it, or, if you trust this config, "
            "pass safe_mode=False to import it."
        )
    try:
        return getattr(importlib.import_module(target), name)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"deserialize_keras_object(): cannot import '{name}' from module '{module}': {err}") from err


def deserialize_keras_object(
    config: Any,
    custom_objects: dict[str, Any] | None = None,
    safe_mode: bool | None = None,
    **kwargs: Any,
) -> Any:
    """The object ``serialize_keras_object`` (of unikeras or Keras) described by ``config``.

    Args:
        config: the output of ``serialize_keras_object``; a string is looked up in ``custom_objects``,
            ``module_objects=`` and the registry, and comes back unchanged when none has it.
        custom_objects: ``{name: class or function}`` for user-defined objects.
        safe_mode: refuse to import classes or functions from modules outside unikeras and to load
            lambdas; ``None`` follows ``unikeras.config.enable_unsafe_deserialization()``.
        **kwargs: ``module_objects`` (a dict searched for names) and ``printable_module_name`` (used in
            error messages), as in Keras.

    Returns:
        The rebuilt object.
    """
    safe_mode = _config.in_safe_mode() if safe_mode is None else bool(safe_mode)
    module_objects = kwargs.pop("module_objects", None)
    printable = kwargs.pop("printable_module_name", "object")
    if kwargs:
        raise TypeError(f"deserialize_keras_object(): unexpected arguments {sorted(kwargs)}.")
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = object_registration.get_registered_object(config, custom_objects, module_objects)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects, safe_mode) for v in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object(): cannot deserialize {config!r} (of type {type(config).__name__}).")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom_objects, safe_mode) for v in inner["value"])
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "deserialize_keras_object(): the config holds a lambda (Python bytecode); loading it is refused "
                "in safe mode. Only if you trust it, pass safe_mode=False or call "
                "unikeras.config.enable_unsafe_deserialization()."
            )
        raise ValueError("deserialize_keras_object(): lambdas saved as bytecode cannot be loaded by unikeras.")
    module, registered = config.get("module"), config.get("registered_name")
    if class_name == "function":
        names = [n for n in (registered, inner) if isinstance(n, str) and n != "function"]
        for name in names:
            fn = _find(name, module, custom_objects, module_objects, safe_mode)
            if fn is not None:
                return fn
        return _unknown(inner, "function")
    names = [n for n in (registered, class_name) if isinstance(n, str)]
    cls = None
    for name in names:
        cls = _find(name, module, custom_objects, module_objects, safe_mode)
        if cls is not None:
            break
    if cls is None:
        return _unknown(class_name, printable)
    if config.get("__type__"):
        return cls
    if str(module or "").startswith("keras") and _is_layer_class(cls):
        # a layer or model written by Keras: its Keras-only options are checked and dropped as for .keras files
        from unikeras.saving.keras_file import KerasImporter

        return KerasImporter("deserialize_keras_object()", custom_objects, safe_mode).layer(config)
    from_config = getattr(cls, "from_config", None)
    if from_config is None:
        raise TypeError(f"deserialize_keras_object(): {cls!r} has no from_config() method.")
    if "custom_objects" in inspect.signature(from_config).parameters:
        return from_config(inner, custom_objects=custom_objects)
    with object_registration.CustomObjectScope(custom_objects or {}):
        return from_config(inner)


def _is_layer_class(cls: Any) -> bool:
    from unikeras.layers.layer import Layer

    return isinstance(cls, type) and issubclass(cls, Layer)


def _unknown(name: Any, what: str) -> Any:
    raise ValueError(
        f"deserialize_keras_object(): unknown {what} {name!r}. A custom object must be passed in "
        f"`custom_objects={{{name!r}: ...}}` or registered with @unikeras.saving.register_keras_serializable()."
    )


__all__ = ["deserialize_keras_object", "serialize_keras_object"]
