"""Keras's dtype and naming helpers of ``keras.backend``: ``standardize_dtype``, ``result_type``, ``get_uid``, ...

``result_type`` follows Keras's type promotion lattice (the one JAX uses): Python ``int`` and
``float`` are *weak* and take the other operand's width, an integer meeting a float gives that
float, ``bfloat16`` meeting ``float16`` gives ``float32``. Unlike Keras on JAX or torch, 64-bit
results stay 64-bit (unikeras keeps float64 on every backend, as Keras does on TensorFlow).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from unikeras.dtype_policies.dtype_policy import DTYPE_NAMES
from unikeras.dtype_policies.dtype_policy import standardize_dtype as _standardize_name


def standardize_dtype(dtype: Any) -> str:
    """The name of ``dtype``: a name, a NumPy, torch, TensorFlow, JAX or MXNet dtype, or a Python type.

    ``None`` gives ``floatx()``. Raises ValueError for a dtype unikeras does not support.
    """
    if dtype is not None and not isinstance(dtype, (str, type)):
        name = getattr(dtype, "name", None)  # tf.float32 == float is True: read its name before comparing
        if isinstance(name, str):
            dtype = name
        elif str(dtype).startswith("torch."):  # torch.float32 has no `.name`
            dtype = str(dtype).split(".", 1)[1]
    if isinstance(dtype, type) and isinstance(getattr(dtype, "dtype", None), np.dtype):
        dtype = dtype.dtype  # jnp.float32 is a scalar type carrying `.dtype`
    return _standardize_name(dtype)


def is_float_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a floating dtype (``float16``, ``bfloat16``, ``float32``, ``float64``)."""
    name = standardize_dtype(dtype)
    return name.startswith("float") or name.startswith("bfloat")


def is_int_dtype(dtype: Any) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer dtype."""
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")


def is_keras_tensor(x: Any) -> bool:
    """Whether ``x`` is a symbolic tensor (a ``unikeras.Input`` or a layer's output on one)."""
    from unikeras.symbolic import KerasTensor

    return isinstance(x, KerasTensor)


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... per ``prefix``; shares the counter with default layer names (``dense``, ``dense_1``)
    and is reset by ``clear_session()``."""
    from unikeras.layers import layer

    layer._name_counts[prefix] = layer._name_counts.get(prefix, 0) + 1
    return layer._name_counts[prefix]


# --- type promotion ---------------------------------------------------------------------------------

# Each dtype's immediate successors on the promotion lattice; "int" and "float" are Python's weak types.
_LATTICE: dict[str, tuple[str, ...]] = {
    "bool": ("int",),
    "int": ("uint8", "int8"),
    "uint8": ("int16", "uint16"),
    "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"),
    "uint64": ("float",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64",),
    "float64": (),
}


@functools.cache
def _upper_bounds(node: str) -> frozenset[str]:
    return frozenset((node,)).union(*(_upper_bounds(n) for n in _LATTICE[node]))


def _join(nodes: frozenset[str]) -> str:
    common = frozenset.intersection(*(_upper_bounds(n) for n in nodes))
    least = [c for c in common if common <= _upper_bounds(c)]
    if len(least) != 1:
        raise ValueError(f"Input dtypes {sorted(nodes)} have no implicit promotion; cast them explicitly.")
    return least[0]


def result_type(*dtypes: Any) -> str:
    """The dtype Keras's type promotion gives for ``dtypes`` (``float32`` with ``int32`` -> ``float32``).

    A Python ``int`` or ``float`` among them is weak: ``result_type("float16", float)`` is
    ``float16``. No argument, or only weak ones, resolve with the width of ``floatx()``;
    ``None`` counts as ``floatx()``.
    """
    from unikeras import config

    if not dtypes:
        return config.floatx()
    names, weak = [], []
    for d in dtypes:
        is_weak = d is int or d is float
        names.append(standardize_dtype(config.floatx() if d is None else d))
        weak.append(is_weak)
    if len(set(names)) == 1 and not all(weak):
        return names[0]
    if len(names) == 1 or all(weak):
        out, out_weak = (names[0] if len(names) == 1 else _join(frozenset(names))), True
    else:
        nodes = frozenset(_weak_node(n) if w else n for n, w in zip(names, weak))
        out = _join(nodes)
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":
        bits = config.floatx()[-2:]
        out = ("float" if "float" in out else out.rstrip("0123456789")) + bits
    if out not in DTYPE_NAMES:
        raise ValueError(f"result_type{tuple(dtypes)} is {out!r}, a dtype unikeras does not support.")
    return out


def _weak_node(name: str) -> str:
    if name == "bool":
        return "bool"
    return "float" if "float" in name else "int"


__all__ = ["get_uid", "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "standardize_dtype"]
