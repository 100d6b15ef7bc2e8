"""More core ops of ``keras.ops``: control flow, scatter and segment reductions, slicing helpers.

The control-flow ops (``cond``, ``switch``, ``while_loop``, ``fori_loop``) decide in Python: with
Python values, or with tensors outside a compiled step. A tensor that is only known inside a
compiled step (a traced predicate) raises ValueError naming the alternative (``ops.where`` on both
branches, or ``jit_compile=False``). ``scan``, ``map`` and ``associative_scan`` loop over a
static length and work everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _axis, _ndim, _t

# --- nested structures (lists, tuples, dicts of tensors) ---------------------------------------------


def _flatten(structure: Any) -> list[Any]:
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _pack(structure: Any, leaves: list[Any]) -> Any:
    iterator = iter(leaves)

    def build(s: Any) -> Any:
        if isinstance(s, dict):
            return {key: build(s[key]) for key in sorted(s)}
        if isinstance(s, (list, tuple)):
            items = [build(item) for item in s]
            return type(s)(items) if not hasattr(s, "_fields") else type(s)(*items)
        return next(iterator)

    return build(structure)


def _concrete(value: Any, what: str) -> Any:
    """``value`` as a Python/NumPy value; ValueError when it is only known inside a compiled step."""
    b = active()
    if not b.is_tensor(value):
        return value
    try:
        return b.to_numpy(value)
    except Exception as err:  # noqa: BLE001 - each framework raises its own tracer error
        raise ValueError(
            f"{what} needs a value known when it runs, but on backend {config.backend()!r} it received a tensor "
            "traced inside a compiled step. Compute both branches and select with ops.where, or train with "
            "jit_compile=False."
        ) from err


# --- control flow ---------------------------------------------------------------------------------


def cond(pred: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(np.asarray(_concrete(pred, "cond(pred)"))) else false_fn()


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``branches[index](*operands)``, ``index`` clamped to the valid range (as ``jax.lax.switch``)."""
    if not branches:
        raise ValueError("switch: `branches` must not be empty.")
    i = int(np.asarray(_concrete(index, "switch(index)")))
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


def while_loop(
    cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any, maximum_iterations: int | None = None
) -> Any:
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most ``maximum_iterations`` times)."""
    is_tuple = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if is_tuple else (loop_vars,)
    steps = 0
    while maximum_iterations is None or steps < maximum_iterations:
        if not bool(np.asarray(_concrete(cond(*state), "while_loop(cond)"))):
            break
        out = body(*state)
        state = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        steps += 1
    return (type(loop_vars)(state) if isinstance(loop_vars, list) else state) if is_tuple else state[0]


def fori_loop(lower: Any, upper: Any, body_fun: Callable[[Any, Any], Any], init_val: Any) -> Any:
    """``init_val`` passed through ``body_fun(i, value)`` for ``i`` in ``range(lower, upper)``."""
    low = int(np.asarray(_concrete(lower, "fori_loop(lower)")))
    high = int(np.asarray(_concrete(upper, "fori_loop(upper)")))
    value = init_val
    for i in range(low, high):
        value = body_fun(i, value)
    return value


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
) -> tuple[Any, Any]:
    """``jax.lax.scan``: ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns the final
    carry and the ``y`` stacked (nested structures allowed)."""
    b = active()
    del unroll  # a hint for compilers; the result is the same
    if xs is None:
        if length is None:
            raise ValueError("scan: pass `xs` or `length`.")
        steps = [None] * int(length)
    else:
        leaves = [_t(leaf) for leaf in _flatten(xs)]
        n = b.shape(leaves[0])[0]
        if length is not None and length != n:
            raise ValueError(f"scan: `length` ({length}) differs from the leading axis of `xs` ({n}).")
        slices = [[b.squeeze(s, 0) for s in b.split(leaf, n, 0)] if n else [] for leaf in leaves]
        steps = [_pack(xs, [s[i] for s in slices]) for i in range(n)]
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    carry, ys = init, [None] * len(steps)
    for i in order:
        carry, ys[i] = f(carry, steps[i])
    if not steps or ys[0] is None:
        return carry, None
    stacked = [b.stack([_t(leaf) for leaf in parts], axis=0) for parts in zip(*[_flatten(y) for y in ys])]
    return carry, _pack(ys[0], stacked)


def map(f: Callable[[Any], Any], xs: Any) -> Any:  # noqa: A001 - Keras's name
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked."""
    _, ys = scan(lambda carry, x: (carry, f(x)), None, xs)
    return ys


def vectorized_map(function: Callable[[Any], Any], elements: Any) -> Any:
    """``function`` on each slice of ``elements`` along the leading axis, stacked (as ``map``)."""
    return map(function, elements)


def associative_scan(f: Callable[[Any, Any], Any], elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """The inclusive scan ``out[i] = f(out[i-1], elems[i])`` along ``axis`` (``f`` associative)."""
    b = active()
    leaves = [_t(leaf) for leaf in _flatten(elems)]
    axis = _axis(axis, _ndim(leaves[0]))
    n = b.shape(leaves[0])[axis]
    slices = [[b.squeeze(s, axis) for s in b.split(leaf, n, axis)] for leaf in leaves]
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    out: list[Any] = [None] * n
    running = None
    for i in order:
        current = _pack(elems, [s[i] for s in slices])
        running = current if running is None else (f(current, running) if reverse else f(running, current))
        out[i] = running
    stacked = [b.stack(parts, axis=axis) for parts in zip(*[_flatten(o) for o in out])]
    return _pack(elems, stacked)


# --- elementwise and slicing --------------------------------------------------------------------


def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``."""
    b = active()
    x = _t(x)
    return b.subtract(1.0, b.erf(x))


def saturate_cast(x: Any, dtype: str) -> Any:
    """``x`` cast to ``dtype`` with values clipped to its range first (no wrap-around)."""
    b = active()
    x = _t(x)
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        if b.dtype_name(x).startswith(("float", "bfloat")):
            # in float64, where the bounds of every integer type up to 32 bits are exact
            high = float(info.max) if info.bits < 64 else float(np.nextafter(np.float64(2.0**63), 0))
            return b.cast(b.clip(b.cast(x, "float64"), float(info.min), high), dtype)
        return b.cast(b.clip(x, int(info.min), int(info.max)), dtype)
    return b.cast(b.clip(x, float(np.finfo(dtype).min), float(np.finfo(dtype).max)), dtype)


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list[Any]:
    """The slices of ``x`` along ``axis``."""
    b = active()
    x = _t(x)
    n = b.shape(x)[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: `num` ({num}) differs from the size of axis {axis} ({n}).")
    return [b.squeeze(s, axis) for s in b.split(x, n, axis)] if n else []


def slice_update(inputs: Any, start_indices: Sequence[int], updates: Any) -> Any:
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    b = active()
    inputs, updates = _t(inputs), _t(updates)
    starts = [int(s) for s in np.asarray(_concrete(start_indices, "slice_update(start_indices)")).reshape(-1)]
    shape, block = b.shape(inputs), b.shape(updates)
    if len(starts) != len(shape) or len(block) != len(shape):
        raise ValueError(f"slice_update: expected {len(shape)} start indices and updates of rank {len(shape)}.")
    pads = [(s, d - s - u) for s, d, u in zip(starts, shape, block)]
    if any(before < 0 or after < 0 for before, after in pads):
        raise ValueError(f"slice_update: updates of shape {block} at {starts} do not fit in {shape}.")
    updates = b.cast(updates, b.dtype_name(inputs))
    mask = b.pad(b.ones(block, "float32"), pads, 0.0)
    return b.where(b.greater(mask, 0.5), b.pad(updates, pads, 0), inputs)


def scatter(indices: Any, values: Any, shape: Sequence[int]) -> Any:
    """A tensor of ``shape`` with ``values`` added at ``indices`` (``(n, d)`` coordinates of the
    first ``d`` axes) and zeros elsewhere; repeated indices add up."""
    b = active()
    indices = b.cast(_t(indices), "int32")
    values = _t(values)
    shape = tuple(int(d) for d in shape)
    depth = b.shape(indices)[-1]
    indices = b.reshape(indices, (-1, depth))
    strides = np.cumprod((shape[1:depth] + (1,))[::-1])[::-1].astype("int32")
    linear = b.sum(b.multiply(indices, b.convert_to_tensor(strides)), axis=-1)
    positions = int(np.prod(shape[:depth]))
    dtype = b.dtype_name(values)
    compute = dtype if dtype.startswith(("float", "bfloat")) else "float64"
    one_hot = b.cast(b.one_hot(linear, positions), compute)  # (n, positions)
    flat_values = b.cast(b.reshape(values, (b.shape(one_hot)[0], -1)), compute)
    out = b.matmul(b.transpose(one_hot), flat_values)
    return b.cast(b.reshape(out, shape), dtype)


def _segments(data: Any, segment_ids: Any, num_segments: int | None, name: str) -> tuple[Any, Any, int]:
    b = active()
    data, ids = _t(data), b.cast(_t(segment_ids), "int32")
    if num_segments is None:
        values = np.asarray(_concrete(ids, f"{name}(num_segments=None)"))
        num_segments = int(values.max()) + 1 if values.size else 0
    mask = b.one_hot(ids, int(num_segments))  # (n, segments)
    return data, b.transpose(mask), int(num_segments)


def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:  # noqa: A002
    """Sum of the rows of ``data`` with each segment id (``num_segments`` rows; absent ids give 0)."""
    b = active()
    data, mask, _ = _segments(data, segment_ids, num_segments, "segment_sum")
    dtype = b.dtype_name(data)
    compute = dtype if dtype.startswith(("float", "bfloat")) else "float64"
    flat = b.cast(b.reshape(data, (b.shape(data)[0], -1)), compute)
    out = b.matmul(b.cast(mask, compute), flat)
    return b.cast(b.reshape(out, (b.shape(mask)[0], *b.shape(data)[1:])), dtype)


def _segment_reduce(data: Any, segment_ids: Any, num_segments: Any, reduce: str) -> Any:
    b = active()
    data, mask, segments = _segments(data, segment_ids, num_segments, f"segment_{reduce}")
    dtype = b.dtype_name(data)
    expanded = b.reshape(mask, (segments, b.shape(data)[0]) + (1,) * (_ndim(data) - 1))
    member = b.greater(b.broadcast_to(expanded, (segments, *b.shape(data))), 0.5)
    stacked = b.broadcast_to(b.expand_dims(data, 0), (segments, *b.shape(data)))
    if reduce == "prod":
        return b.prod(b.where(member, stacked, b.ones_like(stacked)), axis=1)
    info = np.finfo(dtype) if dtype.startswith("float") else np.iinfo(dtype)
    # empty segments: the dtype's lowest (max) or highest (min) value, as TensorFlow
    fill = info.min if reduce == "max" else info.max
    filled = b.where(member, stacked, b.full(b.shape(stacked), fill, dtype))
    return b.max(filled, axis=1) if reduce == "max" else b.min(filled, axis=1)


def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:  # noqa: A002
    """Maximum of the rows of ``data`` with each segment id."""
    return _segment_reduce(data, segment_ids, num_segments, "max")


def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:  # noqa: A002
    """Minimum of the rows of ``data`` with each segment id."""
    return _segment_reduce(data, segment_ids, num_segments, "min")


def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None, sorted: bool = False) -> Any:  # noqa: A002
    """Product of the rows of ``data`` with each segment id (absent ids give 1)."""
    return _segment_reduce(data, segment_ids, num_segments, "prod")


def in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether each target class is among the ``k`` highest predictions of its row (ties count in)."""
    b = active()
    predictions = _t(predictions)
    targets = b.cast(b.reshape(_t(targets), (-1, 1)), "int32")
    target_score = b.take_along_axis(predictions, targets, axis=-1)
    above = b.sum(b.cast(b.greater(predictions, target_score), "int32"), axis=-1)
    return b.less(above, k)


def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Any:
    """Frames of ``sequence_length`` along the last axis, ``sequence_stride`` apart: shape
    ``(..., frames, sequence_length)``."""
    b = active()
    x = _t(x)
    n = b.shape(x)[-1]
    frames = 1 + (n - sequence_length) // sequence_stride if n >= sequence_length else 0
    lead = list(b.shape(x)[:-1])
    pieces = [b.slice(x, [0] * len(lead) + [i * sequence_stride], lead + [sequence_length]) for i in range(frames)]
    if not pieces:
        return b.zeros((*lead, 0, sequence_length), b.dtype_name(x))
    return b.stack(pieces, axis=-2)


__all__ = [
    "associative_scan",
    "cond",
    "erfc",
    "extract_sequences",
    "fori_loop",
    "in_top_k",
    "map",
    "saturate_cast",
    "scan",
    "scatter",
    "segment_max",
    "segment_min",
    "segment_prod",
    "segment_sum",
    "slice_update",
    "switch",
    "unstack",
    "vectorized_map",
    "while_loop",
]
