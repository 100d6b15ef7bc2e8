"""Dtype policies (Keras's mixed precision): ``get``, ``serialize``, ``deserialize``.

The global policy is set with ``unikeras.config.set_dtype_policy("mixed_float16")`` and read with
``unikeras.config.dtype_policy()``; a layer takes it unless its ``dtype`` argument names another.
"""

from __future__ import annotations

from typing import Any

from unikeras.dtype_policies.dtype_policy import DTypePolicy, FloatDTypePolicy, standardize_dtype

_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy}


def serialize(dtype_policy: DTypePolicy) -> dict:
    """The policy as Keras writes it in a layer's config:
    ``{"module": "keras", "class_name": "DTypePolicy", "config": {"name": ...}, "registered_name": None}``."""
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(
            f"dtype_policies.serialize(): expected a DTypePolicy, received {dtype_policy!r} "
            f"(of type {type(dtype_policy).__name__})."
        )
    return {
        "module": "keras",
        "class_name": type(dtype_policy).__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict) -> DTypePolicy:
    """The policy described by ``config`` (as ``serialize`` writes it, or ``{"class_name", "config"}``)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"dtype_policies.deserialize(): expected a dict with 'class_name' and 'config', received {config!r}."
        )
    cls = _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(
            f"dtype_policies.deserialize(): unknown dtype policy class {config['class_name']!r}; "
            f"known: {', '.join(sorted(_CLASSES))}."
        )
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier: Any) -> DTypePolicy:
    """A DTypePolicy from ``None`` (the global policy), a policy, a name (``"mixed_float16"``,
    ``"float64"``), a serialized policy (dict) or a dtype (``numpy.float32``)."""
    if identifier is None:
        from unikeras import config

        return config.dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(standardize_dtype(identifier))
    except (ValueError, TypeError):
        raise ValueError(
            f"Cannot interpret `dtype` argument: expected a policy name such as 'mixed_float16' or 'float32', "
            f"a dict from dtype_policies.serialize() or a DTypePolicy, received {identifier!r}."
        ) from None


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
