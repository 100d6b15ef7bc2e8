"""The Keras 2 serialization format: ``{"class_name", "config"}`` without ``module`` and
``registered_name`` (``keras.legacy.saving``); read back through ``deserialize_keras_object``."""

from __future__ import annotations

from typing import Any

from unikeras.saving import serialization_lib


def serialize_keras_object(instance: Any) -> Any:
    """``instance`` as Keras 2's ``{"class_name", "config"}`` dict (a function as its name; ``None``
    as ``None``)."""
    if instance is None:
        return None
    if callable(instance) and not hasattr(instance, "get_config"):
        return getattr(instance, "__name__", None) or serialization_lib.serialize_keras_object(instance)
    if not hasattr(instance, "get_config"):
        raise ValueError(f"serialize_keras_object(): cannot serialize {instance!r}: it has no get_config() method.")
    name = type(instance).__name__
    from unikeras.saving import object_registration

    if object_registration.is_registered(type(instance)):
        name = object_registration.get_registered_name(type(instance))
    return {"class_name": name, "config": instance.get_config()}


def deserialize_keras_object(
    identifier: Any,
    module_objects: dict[str, Any] | None = None,
    custom_objects: dict[str, Any] | None = None,
    printable_module_name: str = "object",
) -> Any:
    """The object a Keras 2 ``{"class_name", "config"}`` dict (or a name) describes; names are looked
    up in ``custom_objects``, ``module_objects``, the registry and the unikeras namespaces."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        found = serialization_lib.object_registration.get_registered_object(identifier, custom_objects, module_objects)
        if found is None:
            found = serialization_lib._find(identifier, None, custom_objects, module_objects, True)
        if found is None:
            raise ValueError(f"Unknown {printable_module_name}: {identifier!r}.")
        return found
    if isinstance(identifier, dict):
        # a Keras 2 dict names no module: read it as Keras's (Keras-only options checked and dropped)
        return serialization_lib.deserialize_keras_object(
            {"module": "keras", **identifier},
            custom_objects=custom_objects,
            module_objects=module_objects,
            printable_module_name=printable_module_name,
        )
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier!r}.")


__all__ = ["deserialize_keras_object", "serialize_keras_object"]
