"""``InputSpec``: what a layer expects of each input (rank, axis sizes, dtype), as in Keras.

unikeras layers check their inputs through ``Layer._expected_ndim`` / ``_expected_min_ndim`` /
``_expected_axes``; an ``InputSpec`` is the Keras-compatible description of such expectations, and
``assert_input_compatibility`` checks inputs against a spec (or a list of specs) directly.
"""

from __future__ import annotations

from typing import Any

from unikeras import dtype_policies


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class InputSpec:
    """The rank, dtype and axis sizes a layer expects of one input; ``None`` means anything.

    Args:
        dtype: expected dtype of the input.
        shape: expected shape (batch axis included; ``None`` for any size); sets ``ndim``.
        ndim: expected rank.
        max_ndim: largest accepted rank.
        min_ndim: smallest accepted rank.
        axes: dict mapping axes (ints, negative from the end) to their expected sizes.
        allow_last_axis_squeeze: whether a rank one below ``ndim`` (the last axis of size 1 dropped) or
            one above (an extra last axis of size 1) is accepted.
        name: the input's name (for dict inputs).
        optional: whether the input may be ``None``.
    """

    def __init__(
        self,
        dtype: Any = None,
        shape: Any = None,
        ndim: int | None = None,
        max_ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict | None = None,
        allow_last_axis_squeeze: bool = False,
        name: str | None = None,
        optional: bool = False,
    ) -> None:
        self.dtype = dtype_policies.standardize_dtype(dtype) if dtype is not None else None
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = ndim
        for arg, value in (("ndim", self.ndim), ("max_ndim", max_ndim), ("min_ndim", min_ndim)):
            if value is not None and (not _is_int(value) or value < 0):
                raise ValueError(f"InputSpec: `{arg}` must be None or an int >= 0, received {value!r}.")
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (AttributeError, ValueError, TypeError):
            raise TypeError(f"InputSpec: `axes` must be a dict with int keys, received {axes!r}.") from None
        top = self.ndim if self.ndim is not None else self.max_ndim
        if self.axes and top is not None and max(self.axes) > top - 1:
            raise ValueError(
                f"InputSpec: axis {max(self.axes)} is greater than the largest axis {top - 1} of an input of "
                f"rank {top}."
            )

    def __repr__(self) -> str:
        parts = [
            f"{key}={value}"
            for key, value in (
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes),
            )
            if value
        ]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        return cls(**config)


def _shape_and_dtype(x: Any) -> tuple[tuple, str | None]:
    from unikeras import backends
    from unikeras.symbolic import KerasTensor

    if isinstance(x, KerasTensor):
        return tuple(x.shape), x.dtype
    backend = backends._active or backends.current()
    if backend.is_tensor(x):
        return tuple(backend.shape(x)), backend.dtype_name(x)
    dtype = getattr(x, "dtype", None)
    return tuple(x.shape), None if dtype is None else dtype_policies.standardize_dtype(str(dtype))


def assert_input_compatibility(input_spec: Any, inputs: Any, layer_name: str) -> None:
    """Raise a ValueError naming ``layer_name`` when ``inputs`` (a tensor, or a list or dict of them)
    do not meet ``input_spec`` (an ``InputSpec``, or a list of them, one per input; ``None`` checks nothing)."""
    if not input_spec:
        return
    specs = list(input_spec) if isinstance(input_spec, (list, tuple)) else [input_spec]
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs if spec is not None]
        if len(names) == len(specs) and all(names):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Layer '{layer_name}': missing inputs {missing}; expected keys {names}, received {list(inputs)}."
                )
            inputs = [inputs[n] for n in names]
        else:
            inputs = list(inputs.values())
    inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(inputs) != len(specs):
        raise ValueError(f"Layer '{layer_name}': expects {len(specs)} input(s), received {len(inputs)}.")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Layer '{layer_name}': input {index} must be a tensor, received {type(x).__name__}.")
        shape, dtype = _shape_and_dtype(x)
        ndim = len(shape)
        where = f"Layer '{layer_name}': input {index}" + (f" ('{spec.name}')" if spec.name else "")
        if spec.ndim is not None and ndim != spec.ndim:
            squeezed = spec.allow_last_axis_squeeze and (
                ndim == spec.ndim - 1 or (ndim == spec.ndim + 1 and shape[-1] == 1)
            )
            if not squeezed:
                raise ValueError(f"{where}: expected ndim={spec.ndim}, received shape {shape}.")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(f"{where}: expected max_ndim={spec.max_ndim}, received shape {shape}.")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(f"{where}: expected min_ndim={spec.min_ndim}, received shape {shape}.")
        if spec.dtype is not None and dtype is not None and dtype != spec.dtype:
            raise ValueError(f"{where}: expected dtype {spec.dtype}, received {dtype}.")
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if not -ndim <= axis < ndim or shape[axis] not in (None, size):
                raise ValueError(f"{where}: expected axis {axis} of size {size}, received shape {shape}.")
        if spec.shape is not None and ndim == len(spec.shape):
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(f"{where}: expected shape {spec.shape}, received shape {shape}.")


def apply_input_spec(layer: Any, spec: InputSpec | None) -> None:
    """Make ``layer`` check its input against ``spec`` on every call (rank, minimum rank, axis sizes),
    through the checks unikeras layers already run (``Layer._expected_ndim`` / ``_expected_min_ndim`` /
    ``_expected_axes``); ``None`` removes them. ``max_ndim``, ``dtype`` and ``shape`` are left to
    ``assert_input_compatibility``."""
    layer.input_spec = spec
    layer._expected_ndim = None if spec is None else spec.ndim
    layer._expected_min_ndim = None if spec is None else spec.min_ndim
    layer._expected_axes = {} if spec is None else {a: n for a, n in spec.axes.items() if n is not None}


__all__ = ["InputSpec"]
