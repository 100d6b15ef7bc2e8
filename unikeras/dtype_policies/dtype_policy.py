"""DTypePolicy: the compute dtype and the variable dtype of a layer (Keras's mixed precision)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Dtype names a policy may name (the contract's dtype names).
DTYPE_NAMES = ("float16", "bfloat16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool")
FLOAT_DTYPES = frozenset(("float16", "bfloat16", "float32", "float64"))
MIXED_POLICIES = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}
_QUANTIZED_PREFIXES = ("int8_from_", "int4", "float8_from_", "gptq", "awq")


def standardize_dtype(dtype: Any) -> str:
    """The contract's name of ``dtype`` (a name, a NumPy dtype or scalar type, or a Python type)."""
    from unikeras import config

    if dtype is None:
        return config.floatx()
    if dtype in (float, int, bool):  # Python types, as Keras maps them
        return {float: "float32", int: "int32", bool: "bool"}[dtype]
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name is None:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = str(dtype)
    if name not in DTYPE_NAMES:
        raise ValueError(f"Invalid dtype {dtype!r}: expected one of {', '.join(DTYPE_NAMES)}.")
    return name


class DTypePolicy:
    """A dtype policy: the dtype a layer computes in and the dtype of its variables.

    Args:
        name: ``"mixed_float16"`` (compute in float16, variables in float32), ``"mixed_bfloat16"``
            (compute in bfloat16, variables in float32), or a dtype name such as ``"float32"`` or
            ``"float64"`` (both dtypes). ``None`` takes the global policy's name
            (``unikeras.config.dtype_policy()``).

    Passing a policy name as a layer's ``dtype`` is the same as passing the policy::

        Dense(10, dtype="mixed_float16")  # kernel and bias float32, outputs float16
    """

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            from unikeras import config

            name = config.dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._name = name

    @staticmethod
    def _parse_name(name: Any) -> tuple[str, str]:
        if not isinstance(name, str):
            raise TypeError(
                f"DTypePolicy: `name` must be a string such as 'mixed_float16', received {name!r} "
                f"(of type {type(name).__name__})."
            )
        if name in MIXED_POLICIES:
            return MIXED_POLICIES[name]
        if name.startswith(_QUANTIZED_PREFIXES):
            raise ValueError(f"DTypePolicy: quantized policies such as {name!r} are not supported by unikeras.")
        try:
            dtype = standardize_dtype(name)
        except ValueError:
            raise ValueError(
                f"DTypePolicy: cannot convert {name!r} to a dtype policy. Valid policies are 'mixed_float16', "
                f"'mixed_bfloat16' and the dtype names {', '.join(DTYPE_NAMES)}."
            ) from None
        return dtype, dtype

    @property
    def name(self) -> str:
        """The policy's name."""
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in: their floating inputs are cast to it, and so are their
        floating variables when they are read inside ``call``; outputs are in this dtype."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype layers create their variables in (unless ``add_weight`` names another)."""
        return self._variable_dtype

    @property
    def quantization_mode(self) -> None:
        """``None``: unikeras has no quantized policies."""
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias of :class:`DTypePolicy`."""
