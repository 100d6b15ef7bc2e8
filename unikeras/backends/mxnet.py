"""The Apache MXNet adapter: ``mxnet.numpy`` arrays, ``autograd.record`` gradients, MXNet's
fused optimizer kernels.

MXNet 1.9.1 facts this file relies on (measured here):

* ``npx.set_np()`` is required for 0-d and zero-size arrays; its shape semantics is
  thread-local unless switched on globally, which this module does (for every MXNet user
  in the process).
* Every op costs ~40-60 us of Python + engine overhead whatever its size, so the adapter
  avoids extra ops (dtype casts, copies) on the hot paths.
* ``mx.random.seed`` costs 3-5 ms a call, so seeded draws come from a NumPy Philox generator
  keyed by ``(base, counter)`` and are copied to the device.
* Missing or broken kernels are worked around here (each at its method): logical and/or,
  floor_divide, cumprod, stable argsort, take_along_axis, pad's constant value, var's
  gradient, reductions of empty arrays, negative axes of cumsum/flip, integer power /
  matmul / tensordot / max_pool and float16 matmul / conv / sort / round (run in a wider
  dtype), bool kernels (via uint8). MXNet has no int16 and no usable bfloat16: those raise.
* Not worked around (it would cost an op per call): MXNet's sum/mean use Kahan summation,
  which turns an infinite summand into NaN unless it comes last (``sum([inf, 1])`` is NaN);
  float sums over some but not all axes run as GEMMs (below), which do not.
* ``make_step`` (``jit_compile`` not False) replays the forward pass of each
  ``value_and_grad`` call as one MXNet graph, recorded at the first call per input signature
  (``mxnet_step_graph``); the rest of the step (fused optimizer kernels, metrics) runs eagerly.
* Some MXNet kernels are far slower than others computing the same thing, so the hot paths
  avoid them: ``mnp.einsum`` (~150x slower than ``batch_dot``: einsums run as transposes and
  ``batch_dot``), ``_np_transpose`` (the legacy ``transpose`` kernel is 1.5-8x faster), the
  reductions (sums and means over adjacent axes run as products with a ones vector; a
  recorded broadcast of a bias or a kept-dims mean is expanded by a product with ones, so
  that its backward is a GEMM instead of a reduction) and ``matmul`` by a 2-d matrix
  (``dot``, whose backward is faster).
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from unikeras import config as _config

if "bool" not in np.__dict__:
    np.bool = bool  # MXNet 1.9.1 still uses the alias NumPy 1.24 removed
# MXNet has no run-time switch for TensorFloat-32: NVIDIA's libraries read this variable when
# they start (see unikeras.config.float32_matmul_precision).
_IMPORT_PRECISION = _config.float32_matmul_precision()
if _IMPORT_PRECISION == "highest":
    os.environ.setdefault("NVIDIA_TF32_OVERRIDE", "0")
with warnings.catch_warnings():
    # its own import touches removed NumPy financial functions and distutils
    warnings.simplefilter("ignore", DeprecationWarning)
    import mxnet as mx
from mxnet import autograd, npx  # noqa: E402
from mxnet import numpy as mnp  # noqa: E402
from mxnet.base import _LIB, MXNetError, NDArrayHandle, c_array, check_call  # noqa: E402
from mxnet.ndarray.numpy import _internal as _npi  # noqa: E402

from unikeras.backends.base import Axis, Backend, Seed, Tensor, conv_transpose_geometry  # noqa: E402
from unikeras.backends.mxnet_step_graph import StepGraphs, _leaves  # noqa: E402
from unikeras.variables import Variable, active_scope  # noqa: E402

npx.set_np()
mx.util.set_np_shape(2)  # 2 = GlobalOn: NumPy shapes in every thread, not only this one


def _defer_to_variables() -> None:
    """Let ``ndarray * variable`` reach ``Variable.__rmul__``: MXNet's operators raise TypeError on
    operands they do not know instead of returning NotImplemented, as Python's protocol expects."""
    for name in ("__add__", "__sub__", "__mul__", "__truediv__", "__matmul__"):
        original = getattr(mnp.ndarray, name)
        if getattr(original, "_defers_to_variables", False):
            continue

        def operator(self: Any, other: Any, _original: Any = original) -> Any:
            if isinstance(other, Variable):
                return NotImplemented
            return _original(self, other)

        operator._defers_to_variables = True
        setattr(mnp.ndarray, name, operator)


_defer_to_variables()

_ND = mnp.ndarray
_SCALARS = (int, float, bool, np.generic)
_DTYPES = frozenset(["float16", "float32", "float64", "uint8", "int8", "int32", "int64", "bool"])
_FLOATS = frozenset(["float16", "float32", "float64"])
_DLPACK_DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8", "bool")  # imported by DLPack
_FUSED_CHUNK = 50  # MXNet's multi-tensor update kernels take at most 60 tensors a call
_EXPAND_MIN_SIZE = 1 << 16  # recorded broadcasts to fewer elements keep MXNet's own (see _expanded)


def _same_padding(sizes, window, strides, dilation) -> list[tuple[int, int]]:
    """(before, after) per spatial axis for TensorFlow's "same" rule (the extra cell at the end)."""
    pads = []
    for n, k, s, d in zip(sizes, window, strides, dilation, strict=True):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _pad(x: Tensor, pads: tuple[tuple[int, int], ...], value: Any = 0) -> Tensor:
    """Constant padding. mnp.pad drops ``constant_values`` (it pads with 0), so call its op."""
    return _npi.pad(x, pads, mode="constant", constant_value=value)


def _empty_batch(xshape, channels, window, strides, pad, dilation, dtype) -> Tensor:
    """The empty channels_first result of a conv / pool over a batch of 0."""
    geometry = zip(xshape[2:], pad, dilation, window, strides, strict=True)
    spatial = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in geometry]
    return mnp.zeros((0, channels, *spatial), dtype=dtype)


def _unary(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: MXNetBackend, x: Tensor) -> Tensor:
        return op(x if type(x) is _ND else self.convert_to_tensor(x))

    return method


def _binary(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: MXNetBackend, x: Tensor, y: Tensor) -> Tensor:
        if type(x) is not _ND or type(y) is not _ND:
            x, y = self._operands(x, y)
        return op(x, y)

    return method


def _broadcasting(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """A binary op whose broadcast operand, while recording, is expanded by
    ``MXNetBackend._expanded`` (exact; the backward becomes a GEMM instead of MXNet's slow
    reduction)."""

    def method(self: MXNetBackend, x: Tensor, y: Tensor) -> Tensor:
        if type(x) is not _ND or type(y) is not _ND:
            x, y = self._operands(x, y)
        elif autograd.is_recording():
            xs, ys = x.shape, y.shape
            if xs != ys:
                x, y = self._recorded_broadcast(x, y, xs, ys)
        return op(x, y)

    return method


def _reduction(np_op: Callable[..., Any], over_nothing: Callable[[Tensor], Tensor]) -> Callable[..., Any]:
    """What every reduction does before its MXNet body: convert, handle ``axis=()`` (MXNet
    reads an empty tuple as "every axis"), and hand zero-size input to NumPy (MXNet's
    reductions of empty arrays give wrong values or leave an error in the engine that a
    later, unrelated op then raises)."""

    def wrap(body: Callable[..., Tensor]) -> Callable[..., Tensor]:
        def method(self: MXNetBackend, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
            if type(x) is not _ND:
                x = self.convert_to_tensor(x)
            if isinstance(axis, list):
                axis = tuple(axis)
            if axis == ():
                return over_nothing(x)
            if 0 in x.shape:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    out = np_op(np.zeros(x.shape, x.dtype), axis=axis, keepdims=keepdims)
                return self._from_numpy(np.asarray(out))
            return body(self, x, axis, keepdims)

        return method

    return wrap


def _bool_via_uint8(op: Callable[..., Any]) -> Callable[..., Any]:
    """MXNet kernels that reject bool: run them on uint8 and cast back."""

    def method(self: MXNetBackend, x: Tensor, *args: Any, **kwargs: Any) -> Any:
        if type(x) is not _ND:
            x = self.convert_to_tensor(x)
        if x.dtype != np.bool_:
            return op(self, x, *args, **kwargs)
        out = op(self, x.astype("uint8"), *args, **kwargs)
        return [o.astype("bool") for o in out] if isinstance(out, list) else out.astype("bool")

    return method


def _reshaped(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """A view of contiguous ``x`` with another shape (no engine op, unlike ``mnp.reshape``;
    ``reshape_view`` would query both shapes again in Python: 2x slower, measured)."""
    handle = NDArrayHandle()
    dims = c_array(ctypes.c_int64, shape)
    check_call(_LIB.MXNDArrayReshape64(x.handle, len(shape), dims, False, ctypes.byref(handle)))
    return _ND(handle=handle)


def _transpose(x: Tensor, axes: tuple[int, ...] | None) -> Tensor:
    """``mnp.transpose`` through MXNet's legacy transpose kernel: 1.5-8x faster than ``_np_transpose``
    here (an NHWC batch of 64x26x26x32: 3 ms against 14 ms, measured); autograd follows the
    shallow ``as_nd_ndarray`` / ``as_np_ndarray`` copies. The legacy kernel takes 1 to 6 axes."""
    shape = x.shape
    if not 1 <= len(shape) <= 6 or 0 in shape:
        return mnp.transpose(x, axes)
    if axes is None:
        axes = tuple(range(len(shape) - 1, -1, -1))
    return mx.nd.transpose(x.as_nd_ndarray(), axes=axes).as_np_ndarray()


def _view(flat: Tensor, start: int, size: int, shape: tuple[int, ...]) -> Tensor:
    """``flat[start:start+size]`` viewed as ``shape``, sharing memory."""
    piece = flat._slice(start, start + size)
    return piece if len(shape) == 1 else _reshaped(piece, shape)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_terms(subscripts: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str] | None:
    """The input terms and the output term of an explicit einsum with ``...`` spelled out as
    letters (right-aligned, as NumPy broadcasts them); None where the pairwise decomposition
    does not apply (no ``->``, a repeated letter in one term, a term of the wrong length)."""
    s = subscripts.replace(" ", "")
    if s.count("->") != 1:
        return None
    lhs, out = s.split("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        return None
    if "..." in s:
        spare = [c for c in _LETTERS if c not in s]
        ranks = [len(shape) - (len(t) - 3) for t, shape in zip(terms, shapes) if "..." in t]
        n = max(ranks, default=0)
        if n > len(spare) or min(ranks, default=0) < 0:
            return None
        ell = "".join(spare[:n])
        terms = [t.replace("...", ell[n - (len(shape) - (len(t) - 3)) :]) for t, shape in zip(terms, shapes)]
        out = out.replace("...", ell)
    letters = "".join(terms)
    if not all(c.isalpha() for c in letters + out) or len(set(out)) != len(out) or not set(out) <= set(letters):
        return None
    for t, shape in zip(terms, shapes):
        if len(t) != len(shape) or len(set(t)) != len(t):
            return None
    return terms, out


def _einsum_pair_plan(ta: str, tb: str, out: str, sizes: dict[str, int]) -> tuple:
    """How ``einsum(ta,tb->out)`` runs as one ``batch_dot``: the letters group into batch (in
    both and the output), contracted (in both, not the output), left-free (``ta`` and the
    output) and right-free; each operand is laid out (batch, free, contracted) or (batch,
    contracted, free) (``batch_dot``'s transpose flags), the product is (batch, left, right)
    or, operands swapped, (batch, right, left). Of all orders of the groups' letters the plan
    with the fewest elements transposed wins. Letters of one operand only and not in the
    output are summed first."""
    sum_a = tuple(i for i, c in enumerate(ta) if c not in tb and c not in out)
    sum_b = tuple(i for i, c in enumerate(tb) if c not in ta and c not in out)
    ta = "".join(c for c in ta if c in tb or c in out)
    tb = "".join(c for c in tb if c in ta or c in out)
    batch = [c for c in out if c in ta and c in tb]
    left = [c for c in out if c in ta and c not in tb]
    right = [c for c in out if c in tb and c not in ta]
    contract = [c for c in ta if c in tb and c not in out]

    def orders(group: list[str], *terms: str) -> list[str]:
        return list(dict.fromkeys("".join(c for c in t if c in group) for t in terms))

    def size(letters: str) -> int:
        return math.prod(sizes[c] for c in letters)

    best = None
    groups = (orders(batch, out, ta, tb), orders(contract, ta, tb), orders(left, out, ta), orders(right, out, tb))
    for bo, ko, lo, ro, trans_a, trans_b, swap in itertools.product(*groups, *[(False, True)] * 3):
        layouts = (
            (bo + (ko + lo if trans_a else lo + ko), ta),
            (bo + (ro + ko if trans_b else ko + ro), tb),
            (bo + (ro + lo if swap else lo + ro), out),
        )
        cost = sum(size(lay) for lay, t in layouts if lay != t)
        if best is None or cost < best[0]:
            best = (cost, bo, ko, lo, ro, trans_a, trans_b, swap)
    _, bo, ko, lo, ro, trans_a, trans_b, swap = best
    lay_a = bo + (ko + lo if trans_a else lo + ko)
    lay_b = bo + (ro + ko if trans_b else ko + ro)
    lay_out = bo + (ro + lo if swap else lo + ro)
    nb, nk, nl, nr = size(bo), size(ko), size(lo), size(ro)

    def perm(frm: str, to: str) -> tuple[int, ...] | None:
        p = tuple(frm.index(c) for c in to)
        return None if p == tuple(range(len(p))) else p

    return (
        sum_a,
        sum_b,
        perm(ta, lay_a),
        perm(tb, lay_b),
        (nb, nk, nl) if trans_a else (nb, nl, nk),
        (nb, nr, nk) if trans_b else (nb, nk, nr),
        trans_a,
        trans_b,
        swap,
        tuple(sizes[c] for c in lay_out),
        perm(lay_out, out),
    )


def _einsum_plan(subscripts: str, shapes: tuple[tuple[int, ...], ...]) -> tuple | None:
    """A chain of pairwise plans (left to right; each intermediate keeps the letters that the
    output or a later operand needs), or ``("one", sum_axes, perm)`` for one operand; None
    where ``mnp.einsum`` has to do it (see ``_einsum_terms``, or a zero-size or
    non-broadcastable dimension)."""
    parsed = _einsum_terms(subscripts, shapes)
    if parsed is None or any(0 in shape for shape in shapes):
        return None
    terms, out = parsed
    sizes: dict[str, int] = {}
    for t, shape in zip(terms, shapes):
        for c, n in zip(t, shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                return None
            sizes[c] = max(sizes.get(c, 1), n)
    if len(terms) == 1:
        t = terms[0]
        kept = "".join(c for c in t if c in out)
        p = tuple(kept.index(c) for c in out)
        return ("one", tuple(i for i, c in enumerate(t) if c not in out), None if p == tuple(range(len(p))) else p)
    steps = []
    current = terms[0]
    for i in range(1, len(terms)):
        later = out + "".join(terms[i + 1 :])
        step_out = "".join(dict.fromkeys(c for c in current + terms[i] if c in later))
        if i == len(terms) - 1:
            step_out = out
        steps.append(_einsum_pair_plan(current, terms[i], step_out, sizes))
        current = step_out
    # size-1 dimensions that meet a larger one are broadcast first, so every step sees full sizes
    targets = [tuple(sizes[c] for c in t) for t in terms]
    return ("pairs", [None if t == s else t for t, s in zip(targets, shapes)], steps)


_EINSUM_PLANS: dict[tuple, tuple | None] = {}


def _einsum_pair(a: Tensor, b: Tensor, plan: tuple) -> Tensor:
    """One ``_einsum_pair_plan`` run: at most one transpose per operand and one for the result."""
    sum_a, sum_b, perm_a, perm_b, shape_a, shape_b, trans_a, trans_b, swap, out_shape, perm_out = plan
    if sum_a:
        a = mnp.sum(a, axis=sum_a)
    if sum_b:
        b = mnp.sum(b, axis=sum_b)
    if perm_a:
        a = _transpose(a, perm_a)
    if perm_b:
        b = _transpose(b, perm_b)
    a = a if a.shape == shape_a else _reshaped(a, shape_a)
    b = b if b.shape == shape_b else _reshaped(b, shape_b)
    if swap:  # (A B)^T = B^T A^T
        out = npx.batch_dot(b, a, transpose_a=not trans_b, transpose_b=not trans_a)
    else:
        out = npx.batch_dot(a, b, transpose_a=trans_a, transpose_b=trans_b)
    out = out if out.shape == out_shape else _reshaped(out, out_shape)
    return _transpose(out, perm_out) if perm_out else out


def _relu(x: Tensor) -> Tensor:
    """``max(x, 0)`` through MXNet's ``Activation`` operator, which runs on oneDNN's blocked layouts
    (``npx.relu`` does not: after a convolution it costs a layout reorder each way). ``Activation``
    takes neither scalars nor empty arrays."""
    if x.dtype not in ("float32", "float64", "float16") or x.ndim == 0 or x.size == 0:
        return npx.relu(x)
    return npx.activation(x, act_type="relu")


def _cast(x: Tensor, dtype: str) -> Tensor:
    """``x`` as ``dtype`` (itself when it already is). ``npx.cast``, not ``astype``: astype records
    a typeless copy, which a step graph cannot type (and cast is the cheaper op)."""
    return x if x.dtype == dtype else npx.cast(x, dtype=dtype)


def _backward(loss: Any) -> None:
    """Back-propagate from ``loss`` into the marked variables' gradient buffers."""
    try:
        loss.backward()
    except MXNetError as err:
        if "not in a computational graph" not in str(err):
            raise  # else the forward used no variable: the gradients stay zeros


class _GradPlan:
    """Per variable list: where each gradient lives in one fresh zero buffer per dtype."""

    __slots__ = ("handles", "groups", "marked", "keep", "n")

    def __init__(self, variables: Sequence[Any]) -> None:
        self.handles = [v.handle for v in variables]
        self.n = len(self.handles)
        groups: dict[str, list[tuple[int, int, int, tuple[int, ...]]]] = {}
        offsets: dict[str, int] = {}
        for i, v in enumerate(variables):
            size = int(np.prod(v.shape, dtype=np.int64))
            off = offsets.get(v.dtype, 0)
            groups.setdefault(v.dtype, []).append((i, off, size, tuple(v.shape)))
            offsets[v.dtype] = off + size
        self.groups = [(dtype, offsets[dtype], members) for dtype, members in groups.items()]
        # integer variables get zero gradients and are never marked
        self.marked = [i for i, v in enumerate(variables) if v.dtype in _FLOATS]
        # after the backward pass each handle gets back its own buffer (or, not trainable, no
        # gradient at all), so that no later backward writes into gradients already handed out
        self.keep = {i: self.handles[i].grad if variables[i].trainable else None for i in self.marked}

    def restore(self, indices: list[int], grads: list[Any]) -> None:
        autograd.mark_variables(
            [self.handles[i] for i in indices],
            [grads[i] if self.keep[i] is None else self.keep[i] for i in indices],
            grad_reqs=["null" if self.keep[i] is None else "write" for i in indices],
        )

    def fresh(self, zeroed: bool = True) -> list[Any]:
        """New gradient buffers: zeros, or left unset (no op) when ``zeroed`` is False because the
        backward pass writes every one."""
        grads: list[Any] = [None] * self.n
        for dtype, total, members in self.groups:
            flat = mnp.zeros((total,), dtype=dtype) if zeroed else mnp.empty((total,), dtype=dtype)
            for i, off, size, shape in members:
                grads[i] = _view(flat, off, size, shape)
        return grads


class MXNetBackend(Backend):
    name = "mxnet"
    framework = "mxnet"
    pip_extra = "mxnet"

    def __init__(self) -> None:
        self._plans: dict[tuple[int, ...], _GradPlan] = {}
        self._fused: dict[tuple[int, ...], tuple[list[Any], list[Any]] | None] = {}
        self._zeros_cache: dict[int, Any] = {}
        self._count_cache: dict[tuple, Any] = {}
        self._ones_cols: dict[tuple[int, str], Any] = {}
        self._step_graphs: StepGraphs | None = None  # the compiled step running now
        self._host_copies: dict[int, tuple[Any, int | float]] = {}  # see host_scalar

    def _recording(self) -> Any:
        """The forward being recorded into a step graph now, or None (see mxnet_step_graph)."""
        graphs = self._step_graphs
        return None if graphs is None else graphs.recording

    def _constant(self, array: Any) -> Any:
        """``array``, created from no traced value; a recorded forward keeps it as a graph constant."""
        graphs = self._step_graphs
        if graphs is not None and graphs.recording is not None:
            graphs.recording.constant(array)
        return array

    def _refuse_graph(self, reason: str) -> None:
        """Make the forward being recorded (if any) run eagerly from now on, for ``reason``."""
        graphs = self._step_graphs
        if graphs is not None:
            graphs.refuse(reason)

    # ------------------------------------------------------------------ identity
    def framework_version(self) -> str:
        return mx.__version__

    def list_devices(self) -> list[str]:
        return ["cpu:0"] + [f"gpu:{i}" for i in range(mx.context.num_gpus())]

    def set_float32_matmul_precision(self, precision: str) -> None:
        if precision != _IMPORT_PRECISION:
            warnings.warn(
                f"backend 'mxnet': float32_matmul_precision {precision!r} takes effect in a new process only; "
                f"MXNet keeps {_IMPORT_PRECISION!r}, set before it was imported (NVIDIA_TF32_OVERRIDE).",
                stacklevel=3,
            )

    # ------------------------------------------------------------------ tensors & dtypes
    def _dt(self, dtype: Any) -> str:
        name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
        if name not in _DTYPES:
            raise self.unsupported(f"dtype {name}", "MXNet has no such dtype (no int16, no usable bfloat16)")
        return name

    def _from_numpy(self, a: np.ndarray) -> Tensor:
        """A new MXNet array holding a copy of ``a``, made without waiting on MXNet's engine.

        A synchronous copy into an MXNet array (``mnp.array``, ``MXNDArraySyncCopyFromCPU``) waits
        until every operation queued before it has run: a batch converted at the start of a step
        waited for the whole previous step, so Python could never queue ops while MXNet computed.
        On the CPU the array is instead imported by DLPack from a private NumPy copy (MXNet keeps
        that copy alive and marks it read-only; the caller's array is untouched).
        """
        self._dt(a.dtype)
        if a.size and str(a.dtype) in _DLPACK_DTYPES and mx.context.current_context().device_type == "cpu":
            if a.ndim == 0:  # DLPack imports no 0-d array: a 1-element one, reshaped by the engine
                out = mx.nd.from_numpy(a.reshape(1).copy(), zero_copy=True, array_cls=_ND).reshape(())
            else:
                out = mx.nd.from_numpy(np.array(a, order="C"), zero_copy=True, array_cls=_ND)
            return self._constant(out)
        return self._copy_from_numpy(a)

    def _copy_from_numpy(self, a: np.ndarray) -> Tensor:
        """A new MXNet array holding a copy of ``a`` (a synchronous copy: it waits on the engine)."""
        if not a.flags.c_contiguous:
            a = a.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
        out = mnp.empty(a.shape, dtype=a.dtype)
        if a.size:  # a direct copy: ~3x faster than mnp.array, which goes through __setitem__
            check_call(
                _LIB.MXNDArraySyncCopyFromCPU(out.handle, a.ctypes.data_as(ctypes.c_void_p), ctypes.c_size_t(a.size))
            )
        return self._constant(out)

    def _operands(self, x: Any, y: Any) -> tuple[Any, Any]:
        """Native tensors for both, except that a Python scalar beside a tensor stays a scalar."""
        if type(y) is not _ND and not isinstance(y, _SCALARS):
            y = self.convert_to_tensor(y)
        if type(x) is not _ND and (type(y) is not _ND or not isinstance(x, _SCALARS)):
            x = self.convert_to_tensor(x)
        return x, y

    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, mx.nd.NDArray)

    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Tensor:
        if type(x) is _ND:
            return x if dtype is None else _cast(x, self._dt(dtype))
        if isinstance(x, mx.nd.NDArray):
            return self.convert_to_tensor(x.as_np_ndarray(), dtype)
        return self._from_numpy(np.asarray(x) if dtype is None else np.asarray(x, dtype=self._dt(dtype)))

    def to_numpy(self, x: Tensor) -> np.ndarray:
        if self._step_graphs is not None:
            self._refuse_graph("it reads a value on the host (to_numpy)")
        return x.asnumpy() if isinstance(x, mx.nd.NDArray) else np.asarray(x)

    def cast(self, x: Tensor, dtype: str) -> Tensor:
        return _cast(self.convert_to_tensor(x), self._dt(dtype))

    def dtype_name(self, x: Tensor) -> str:
        return x.dtype.name if isinstance(x, mx.nd.NDArray) else np.asarray(x).dtype.name

    def shape(self, x: Tensor) -> tuple[int, ...]:
        return tuple(x.shape) if isinstance(x, mx.nd.NDArray) else np.shape(x)

    def zeros(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        return self._constant(mnp.zeros(tuple(shape), dtype=self._dt(dtype)))

    def ones(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        return self._constant(mnp.ones(tuple(shape), dtype=self._dt(dtype)))

    def full(self, shape: Sequence[int], fill_value: Any, dtype: str = "float32") -> Tensor:
        if isinstance(fill_value, mx.nd.NDArray):
            return mnp.broadcast_to(self.cast(fill_value, dtype), tuple(shape))
        return self._constant(mnp.full(tuple(shape), fill_value, dtype=self._dt(dtype)))

    def arange(self, start: Any, stop: Any = None, step: Any = 1, dtype: str = "int32") -> Tensor:
        if stop is None:
            start, stop = 0, start
        return self._constant(mnp.arange(start, stop, step, dtype=self._dt(dtype)))

    def eye(self, n: int, m: int | None = None, dtype: str = "float32") -> Tensor:
        dtype = self._dt(dtype)
        if dtype == "bool":  # eye has no bool kernel
            return self._constant(mnp.eye(n, m, dtype="uint8").astype("bool"))
        return self._constant(mnp.eye(n, m, dtype=dtype))

    def zeros_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        # (its value depends on x's shape only, which a step graph fixes)
        return self._constant(
            mnp.zeros_like(self.convert_to_tensor(x), dtype=None if dtype is None else self._dt(dtype))
        )

    def ones_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        return self._constant(
            mnp.ones_like(self.convert_to_tensor(x), dtype=None if dtype is None else self._dt(dtype))
        )

    def copy(self, x: Tensor) -> Tensor:
        return mnp.copy(self.convert_to_tensor(x))

    # ------------------------------------------------------------------ elementwise
    def _ones(self, shape: tuple[int, ...], dtype: Any, value: float = 1.0) -> Tensor:
        """A cached constant array (never written) of ``value``."""
        key = (shape, dtype.name, value)
        ones = self._ones_cols.get(key)
        if ones is None:
            if len(self._ones_cols) > 64:
                self._ones_cols.clear()
            ones = self._ones_cols[key] = mnp.full(shape, value, dtype=dtype)
        return self._constant(ones)

    def _expanded(self, t: Tensor, ts: tuple[int, ...], shape: tuple[int, ...]) -> Tensor:
        """``t`` broadcast to ``shape`` by a product with ones, for the two patterns layers use:
        a trailing block (a bias: ``ones(lead + (1,)) @ t``) and a kept last axis of 1 (a
        normalization's mean: ``t @ ones((1, n))``); ``t`` itself for any other pattern. Both
        products are exact (``1 * t``), and their backward is a GEMM where the broadcast's
        backward would run MXNet's slow reduction kernel (a bias of a 64x26x26x32 conv output:
        42 ms against 10; a (32, 64, 1) mean under (32, 64, 64): 12 ms against 2, measured)."""
        nd, k = len(shape), len(ts)
        while k and ts[len(ts) - k] == 1:  # leading 1s do not count
            k -= 1
        core = ts[len(ts) - k :]
        if 0 < k < nd and shape[nd - k :] == core:
            ones = self._ones((*shape[: nd - k], 1), t.dtype)
            return mnp.dot(ones, _reshaped(t, (*core[:-1], 1, core[-1])))
        if k == nd and ts[-1] == 1 and ts[:-1] == shape[:-1] and nd >= 1:
            return mnp.dot(t, self._ones((1, shape[-1]), t.dtype))
        return t

    def _recorded_broadcast(self, x: Tensor, y: Tensor, xs: tuple[int, ...], ys: tuple[int, ...]) -> tuple:
        dtype = x.dtype
        if dtype != y.dtype or not (dtype == np.float32 or dtype == np.float64):
            return x, y
        try:
            shape = np.broadcast_shapes(xs, ys)
        except ValueError:
            return x, y  # the op raises its own error
        size = math.prod(shape)
        if size == 0 or (size < _EXPAND_MIN_SIZE and self._recording() is None):
            # small: the reduction is cheaper than an extra op dispatched from Python (in a step
            # graph the product costs no dispatch, and wins at every size: a 128x256 bias, 1.1x)
            return x, y
        x = x if xs == shape else self._expanded(x, xs, shape)
        return x, (y if ys == shape else self._expanded(y, ys, shape))

    # (divide keeps the broadcast: a product's zero could be +0 where the divisor held -0)
    add = _broadcasting(mnp.add)
    subtract = _broadcasting(mnp.subtract)
    multiply = _broadcasting(mnp.multiply)
    divide = _binary(mnp.true_divide)
    mod = _binary(mnp.mod)
    maximum = _binary(mnp.maximum)
    minimum = _binary(mnp.minimum)
    equal = _binary(mnp.equal)
    not_equal = _binary(mnp.not_equal)
    less = _binary(mnp.less)
    less_equal = _binary(mnp.less_equal)
    greater = _binary(mnp.greater)
    greater_equal = _binary(mnp.greater_equal)

    @staticmethod
    def _through_float64(op: Callable[..., Tensor], x: Any, y: Any, dtype: Any) -> Tensor:
        """``op`` on integers computed in float64 (exact while |values| < 2**53), cast back."""
        x = x.astype("float64") if type(x) is _ND else x
        y = y.astype("float64") if type(y) is _ND else y
        return op(x, y).astype(dtype)

    def floor_divide(self, x: Tensor, y: Tensor) -> Tensor:
        # MXNet has no floor_divide
        x, y = self._operands(x, y)
        dtype = (x if type(x) is _ND else y).dtype
        if dtype.kind == "f":  # NumPy's rule: (x - mod(x, y)) / y, rounded to the nearest integer
            return self.round(mnp.true_divide(mnp.subtract(x, mnp.mod(x, y)), y))
        return self._through_float64(lambda a, b: mnp.floor(mnp.true_divide(a, b)), x, y, dtype)

    def power(self, x: Tensor, y: Tensor) -> Tensor:
        x, y = self._operands(x, y)
        dtype = (x if type(x) is _ND else y).dtype
        if dtype.kind == "f":
            return mnp.power(x, y)
        # MXNet's integer power goes through float32 (7**9 comes out 40353608)
        return self._through_float64(mnp.power, x, y, dtype)

    # MXNet has no logical_and / logical_or (and its bitwise ops reject broadcast bools)
    def logical_and(self, x: Tensor, y: Tensor) -> Tensor:
        return mnp.where(self.convert_to_tensor(x, "bool"), self.convert_to_tensor(y, "bool"), False)

    def logical_or(self, x: Tensor, y: Tensor) -> Tensor:
        return mnp.where(self.convert_to_tensor(x, "bool"), True, self.convert_to_tensor(y, "bool"))

    negative = _unary(mnp.negative)
    abs = _unary(mnp.abs)
    sign = _unary(mnp.sign)
    square = _unary(mnp.square)
    sqrt = _unary(mnp.sqrt)
    exp = _unary(mnp.exp)
    expm1 = _unary(mnp.expm1)
    log = _unary(mnp.log)
    log1p = _unary(mnp.log1p)
    sin = _unary(mnp.sin)
    cos = _unary(mnp.cos)
    tanh = _unary(mnp.tanh)
    sigmoid = _unary(npx.sigmoid)
    erf = _unary(npx.erf)
    floor = _unary(mnp.floor)
    ceil = _unary(mnp.ceil)
    logical_not = _unary(mnp.logical_not)
    isnan = _unary(mnp.isnan)
    isfinite = _unary(mnp.isfinite)

    def relu(self, x: Tensor) -> Tensor:
        x = x if type(x) is _ND else self.convert_to_tensor(x)
        recording = self._recording()
        if recording is not None:
            twin = recording.channels_first.get(id(x))
            if twin is not None and twin[0] is x:  # relu commutes with the transpose
                return self._to_last(_relu(twin[1]), twin[2])
        return _relu(x)

    def round(self, x: Tensor) -> Tensor:
        x = self.convert_to_tensor(x)
        if x.dtype == np.float16:  # no float16 kernel
            return mnp.round(x.astype("float32")).astype("float16")
        return mnp.round(x)  # halves to even, as NumPy (mnp.rint does not)

    def rsqrt(self, x: Tensor) -> Tensor:
        return mnp.power(self.convert_to_tensor(x), -0.5)  # one op; mxnet.numpy has no rsqrt

    def clip(self, x: Tensor, x_min: Any, x_max: Any) -> Tensor:
        x = self.convert_to_tensor(x)
        if isinstance(x_min, mx.nd.NDArray) or isinstance(x_max, mx.nd.NDArray):
            return self.minimum(self.maximum(x, x_min), x_max)
        return mnp.clip(x, x_min, x_max)

    def where(self, condition: Tensor, x: Tensor, y: Tensor) -> Tensor:
        if type(condition) is not _ND:
            condition = self.convert_to_tensor(condition)
        if type(x) is not _ND or type(y) is not _ND:
            x, y = self._operands(x, y)
            # MXNet 1.9.1's scalar forms of `where` have their gradients swapped between the two
            # branches (measured): pass the scalar as a 0-d array of the tensor's dtype instead
            if type(x) is not _ND:
                x = mnp.array(x, dtype=y.dtype)
            elif type(y) is not _ND:
                y = mnp.array(y, dtype=x.dtype)
        return mnp.where(condition, x, y)

    # ------------------------------------------------------------------ reductions
    def _dot_reduce(self, x: Tensor, axis: Axis, keepdims: bool, mean: bool) -> Tensor | None:
        """A float sum / mean over one block of adjacent axes (not all of them) as a product with
        a ones vector (scaled by 1/n for the mean): MXNet's reduction kernels are 5-10x slower
        than that GEMM, forward and backward (a (32, 64, 64) mean over the last axis: 4.3 ms
        against 0.7, measured). None where it does not apply."""
        dtype = x.dtype
        if axis is None or not (dtype == np.float32 or dtype == np.float64):
            return None
        xs = x.shape
        nd = len(xs)
        axes = sorted(a % nd for a in ((axis,) if isinstance(axis, int) else axis)) if nd else []
        if not axes or len(axes) == nd or axes != list(range(axes[0], axes[-1] + 1)):
            return None
        pre, mid, post = math.prod(xs[: axes[0]]), math.prod(xs[axes[0] : axes[-1] + 1]), math.prod(xs[axes[-1] + 1 :])
        weight = 1.0 / mid if mean else 1.0
        if post == 1:  # trailing axes: (pre, mid) @ (mid, 1)
            x2 = x if xs == (pre, mid) else _reshaped(x, (pre, mid))
            out = mnp.dot(x2, self._ones((mid, 1), dtype, weight))
        elif pre == 1:  # leading axes: (1, mid) @ (mid, post)
            x2 = x if xs == (mid, post) else _reshaped(x, (mid, post))
            out = mnp.dot(self._ones((1, mid), dtype, weight), x2)
        else:  # middle axes: per leading index, (1, mid) @ (mid, post)
            x3 = x if xs == (pre, mid, post) else _reshaped(x, (pre, mid, post))
            out = npx.batch_dot(self._ones((pre, 1, mid), dtype, weight), x3)
        if keepdims:
            shape = tuple(1 if i in axes else n for i, n in enumerate(xs))
        else:
            shape = tuple(n for i, n in enumerate(xs) if i not in axes)
        return out if out.shape == shape else _reshaped(out, shape)

    @_reduction(np.sum, mnp.copy)
    def sum(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        out = self._dot_reduce(x, axis, keepdims, mean=False)
        return mnp.sum(x, axis=axis, keepdims=keepdims) if out is None else out

    @_reduction(np.mean, mnp.copy)
    def mean(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        out = self._dot_reduce(x, axis, keepdims, mean=True)
        return mnp.mean(x, axis=axis, keepdims=keepdims) if out is None else out

    @_reduction(np.max, mnp.copy)
    def max(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return mnp.max(x, axis=axis, keepdims=keepdims)

    @_reduction(np.min, mnp.copy)
    def min(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return mnp.min(x, axis=axis, keepdims=keepdims)

    @_reduction(np.any, lambda x: x.astype("bool"))
    def any(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return mnp.any(x, axis=axis, keepdims=keepdims)

    @_reduction(np.all, lambda x: x.astype("bool"))
    def all(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return mnp.all(x, axis=axis, keepdims=keepdims)

    @_reduction(np.prod, mnp.copy)
    def prod(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return mnp.prod(x, axis=axis, keepdims=keepdims)

    @_reduction(np.var, mnp.zeros_like)
    def var(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        if not autograd.is_recording():
            return mnp.var(x, axis=axis, keepdims=keepdims)
        # mnp.var has no gradient (its backward gives zeros): compose it while recording
        centered = self.subtract(x, self.mean(x, axis=axis, keepdims=True))
        return self.mean(mnp.square(centered), axis=axis, keepdims=keepdims)

    def argmax(self, x: Tensor, axis: int | None = None) -> Tensor:
        return mnp.argmax(self._sortable(x), axis=axis).astype("int32")

    def argmin(self, x: Tensor, axis: int | None = None) -> Tensor:
        return mnp.argmin(self._sortable(x), axis=axis).astype("int32")

    @_reduction(lambda e, axis, keepdims: np.log(np.sum(np.exp(e), axis=axis, keepdims=keepdims)), mnp.copy)
    def logsumexp(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        m = mnp.max(x, axis=axis, keepdims=True)
        m = mnp.where(mnp.isfinite(m), m, 0).detach()  # an all -inf slice keeps its -inf
        out = mnp.log(mnp.sum(mnp.exp(mnp.subtract(x, m)), axis=axis, keepdims=keepdims))
        if not keepdims:
            m = m.reshape(out.shape)
        return mnp.add(out, m)

    def cumsum(self, x: Tensor, axis: int | None = None) -> Tensor:
        x = self.convert_to_tensor(x)
        return mnp.cumsum(x, axis=axis if axis is None or axis >= 0 else axis + x.ndim)  # rejects axis < 0

    def cumprod(self, x: Tensor, axis: int | None = None) -> Tensor:
        # MXNet has no cumprod: a log-depth scan of products (exact for integers, differentiable)
        x = self.convert_to_tensor(x)
        if axis is None:
            x, axis = x.reshape(-1), 0
        shape = x.shape
        if len(shape) == 1:  # the pad op fails on 1-d arrays
            return self.cumprod(x.reshape(1, -1), 1).reshape(shape)
        axis %= len(shape)
        n = shape[axis]
        lead = (slice(None),) * axis
        shift = 1
        while shift < n:
            pads = [(0, 0)] * len(shape)
            pads[axis] = (shift, 0)
            shifted = _pad(x[lead + (slice(0, n - shift),)], tuple(pads), 1)
            x = mnp.multiply(x, shifted)
            shift *= 2
        return x

    def top_k(self, x: Tensor, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
        x = self.convert_to_tensor(x)
        values, indices = npx.topk(self._sortable(x), axis=-1, k=k, ret_typ="both", is_ascend=False, dtype="int32")
        return values.astype(x.dtype, copy=False), indices

    def _sortable(self, x: Tensor) -> Tensor:
        """Sorting kernels reject bool (and sort rejects float16): their order-preserving widenings."""
        x = self.convert_to_tensor(x)
        dtype = x.dtype
        if dtype == np.bool_:
            return x.astype("uint8")
        if dtype == np.float16:
            return x.astype("float32")
        return x

    def sort(self, x: Tensor, axis: int = -1) -> Tensor:
        x = self.convert_to_tensor(x)
        dtype = x.dtype
        out = mnp.sort(self._sortable(x), axis=axis)
        return out if out.dtype == dtype else out.astype(dtype)

    def argsort(self, x: Tensor, axis: int = -1) -> Tensor:
        # MXNet's argsort is not stable. Sort keys (tie-group * n + index): unique, so any sort
        # orders them by value then by index.
        x = self._sortable(x)
        nd = x.ndim
        if nd == 0:
            return mnp.zeros((1,), dtype="int32")
        axis %= nd
        if axis != nd - 1:
            return mnp.swapaxes(self.argsort(mnp.swapaxes(x, axis, -1), -1), axis, -1)
        n = x.shape[-1]
        if n == 0:
            return mnp.zeros(x.shape, dtype="int32")
        perm = mnp.argsort(x, axis=-1)
        s = mnp.sort(x, axis=-1)
        starts = mnp.not_equal(s[..., 1:], s[..., :-1])
        starts = mnp.concatenate([mnp.zeros(x.shape[:-1] + (1,), dtype="bool"), starts], axis=axis)
        keys = mnp.add(mnp.multiply(mnp.cumsum(starts, axis=axis), n), perm.astype("int64"))
        return mnp.mod(mnp.sort(keys, axis=-1), n).astype("int32")

    # ------------------------------------------------------------------ shape
    def reshape(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return mnp.reshape(self.convert_to_tensor(x), tuple(shape))

    @_bool_via_uint8
    def transpose(self, x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
        return _transpose(x, None if axes is None else tuple(axes))

    def expand_dims(self, x: Tensor, axis: int) -> Tensor:
        return mnp.expand_dims(self.convert_to_tensor(x), axis)

    def squeeze(self, x: Tensor, axis: Axis = None) -> Tensor:
        return mnp.squeeze(self.convert_to_tensor(x), axis=tuple(axis) if isinstance(axis, list) else axis)

    def broadcast_to(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        return mnp.broadcast_to(self.convert_to_tensor(x), tuple(shape))

    def concatenate(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        return mnp.concatenate([self.convert_to_tensor(x) for x in xs], axis=axis)

    def stack(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        return mnp.stack([self.convert_to_tensor(x) for x in xs], axis=axis)

    @_bool_via_uint8
    def split(self, x: Tensor, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
        if not isinstance(indices_or_sections, int):
            indices_or_sections = [int(i) for i in indices_or_sections]
        out = mnp.split(x, indices_or_sections, axis=axis)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def slice(self, x: Tensor, start_indices: Sequence[int], shape: Sequence[int]) -> Tensor:
        return self.convert_to_tensor(x)[tuple(slice(s, s + n) for s, n in zip(start_indices, shape, strict=True))]

    def take(self, x: Tensor, indices: Tensor, axis: int | None = None) -> Tensor:
        return mnp.take(self.convert_to_tensor(x), self.convert_to_tensor(indices), axis=axis, mode="wrap")

    @_bool_via_uint8
    def take_along_axis(self, x: Tensor, indices: Tensor, axis: int) -> Tensor:
        # mnp.take_along_axis is a NumPy fallback (no gradient): npx.pick, one index per lane
        idx = self.convert_to_tensor(indices)
        xs, ids = x.shape, idx.shape
        nd = len(xs)
        if nd == 1:  # npx.pick rejects the scalar index a vector needs: pick along axis 1 of one row
            row = self.take_along_axis(x.reshape(1, xs[0]), idx.reshape(1, ids[0]), 1)
            return row.reshape(ids[0])
        axis %= nd
        if ids[axis] == 1 and ids[:axis] + ids[axis + 1 :] == xs[:axis] + xs[axis + 1 :]:  # one op
            return npx.pick(x, _reshaped(idx, ids[:axis] + ids[axis + 1 :]), axis=axis, keepdims=True, mode="wrap")
        if axis != nd - 1:
            x, idx = mnp.swapaxes(x, axis, -1), mnp.swapaxes(idx, axis, -1)
            xs, ids = x.shape, idx.shape
        batch = tuple(np.broadcast_shapes(xs[:-1], ids[:-1]))
        k = ids[-1]
        if ids[:-1] != batch:
            idx = mnp.broadcast_to(idx, batch + (k,))
        x = mnp.broadcast_to(mnp.expand_dims(x, -2), batch + (k, xs[-1]))  # each index gets its lane
        out = npx.pick(x, idx, axis=-1, mode="wrap")
        return out if axis == nd - 1 else mnp.swapaxes(out, axis, -1)

    def scatter_update(self, x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
        x = self.convert_to_tensor(x)
        idx = self.convert_to_tensor(indices)
        updates = self.convert_to_tensor(updates).astype(x.dtype, copy=False)
        n, k = idx.shape
        shape = x.shape
        idx_t = mnp.transpose(idx).as_nd_ndarray()
        placed = mx.nd.scatter_nd(updates.as_nd_ndarray(), idx_t, shape=shape).as_np_ndarray()
        mask = mx.nd.scatter_nd(mx.nd.ones((n,), dtype="bool"), idx_t, shape=shape[:k]).as_np_ndarray()
        return mnp.where(_reshaped(mask, shape[:k] + (1,) * (len(shape) - k)), placed, x)

    def tile(self, x: Tensor, repeats: Sequence[int]) -> Tensor:
        return mnp.tile(self.convert_to_tensor(x), tuple(repeats))

    def repeat(self, x: Tensor, repeats: int, axis: int | None = None) -> Tensor:
        return mnp.repeat(self.convert_to_tensor(x), repeats, axis=axis)

    @_bool_via_uint8
    def pad(self, x: Tensor, pad_width: Sequence[tuple[int, int]], constant_values: Any = 0) -> Tensor:
        pads = tuple((int(a), int(b)) for a, b in pad_width)
        if isinstance(constant_values, (bool, np.bool_)):
            constant_values = int(constant_values)
        if len(pads) == 0:
            return mnp.copy(x)
        if len(pads) == 1:  # the pad op fails on 1-d arrays
            out = _pad(x.reshape(1, -1), ((0, 0),) + pads, constant_values)
            return out.reshape(-1)
        return _pad(x, pads, constant_values)

    @_bool_via_uint8
    def flip(self, x: Tensor, axis: Axis = None) -> Tensor:
        if axis is not None:  # MXNet's flip rejects negative axes
            nd = x.ndim
            axis = axis % nd if isinstance(axis, int) else tuple(a % nd for a in axis)
        return mnp.flip(x, axis=axis)

    @_bool_via_uint8
    def roll(self, x: Tensor, shift: int, axis: int | None = None) -> Tensor:
        return mnp.roll(x, shift, axis=axis)

    def one_hot(self, indices: Tensor, num_classes: int, dtype: str = "float32") -> Tensor:
        dtype = self._dt(dtype)
        out = npx.one_hot(self.convert_to_tensor(indices), num_classes, dtype="uint8" if dtype == "bool" else dtype)
        return out.astype("bool") if dtype == "bool" else out

    # ------------------------------------------------------------------ linear algebra
    def _wide(self, op: Callable[..., Tensor], *xs: Tensor, **kwargs: Any) -> Tensor:
        """Run ``op`` natively, or in float64 (integers) / float32 (float16) where MXNet's CPU
        kernel lacks the dtype, casting the result back."""
        dtype = xs[0].dtype
        if dtype == np.float32 or dtype == np.float64:
            return op(*xs, **kwargs)
        wide = "float32" if dtype == np.float16 else "float64"
        return op(*(x.astype(wide) for x in xs), **kwargs).astype(dtype)

    def matmul(self, x: Tensor, y: Tensor) -> Tensor:
        x = x if type(x) is _ND else self.convert_to_tensor(x)
        y = y if type(y) is _ND else self.convert_to_tensor(y)
        # x @ (2-d y) is np.dot's contraction too, and dot's backward is one GEMM per operand
        # where matmul's is 1.5-2.5x slower (a Dense layer's kernel gradient, measured)
        op = mnp.dot if y.ndim == 2 and x.ndim >= 1 else mnp.matmul
        return self._wide(op, x, y)

    def dense(self, x: Tensor, kernel: Tensor, bias: Tensor | None = None) -> Tensor:
        # MXNet's FullyConnected (Gluon's Dense), which takes the kernel transposed: one fused op
        # with the bias, whose gradient is a row sum; a 128x784 -> 256 layer's forward and
        # backward take 5.3 ms against 6.4 for dot + bias (measured, one thread)
        x = x if type(x) is _ND else self.convert_to_tensor(x)
        dtype = x.dtype
        if (
            (dtype == np.float32 or dtype == np.float64)
            and x.ndim >= 2
            and 0 not in x.shape
            and kernel.dtype == dtype
            and (bias is None or bias.dtype == dtype)
        ):
            weight = _transpose(kernel, (1, 0))
            units = kernel.shape[1]
            if bias is None:
                return npx.fully_connected(x, weight, num_hidden=units, no_bias=True, flatten=False)
            return npx.fully_connected(x, weight, bias, num_hidden=units, no_bias=False, flatten=False)
        return super().dense(x, kernel, bias)

    def einsum(self, subscripts: str, *operands: Tensor) -> Tensor:
        # mnp.einsum is ~150x slower than batch_dot on the equations attention uses (measured), so
        # float einsums run as transposes, free reshapes and one batch_dot per pair of operands
        xs = [x if type(x) is _ND else self.convert_to_tensor(x) for x in operands]
        key = (subscripts, *(x.shape for x in xs))
        plan = _EINSUM_PLANS.get(key, False)
        if plan is False:
            if len(_EINSUM_PLANS) > 256:
                _EINSUM_PLANS.clear()
            plan = _EINSUM_PLANS[key] = _einsum_plan(subscripts, key[1:])
        dtype = xs[0].dtype if xs else None
        if plan is None or not (dtype == np.float32 or dtype == np.float64) or any(x.dtype != dtype for x in xs):
            return mnp.einsum(subscripts, *xs)
        if plan[0] == "one":
            _, axes, perm = plan
            x = mnp.sum(xs[0], axis=axes) if axes else xs[0]
            return _transpose(x, perm) if perm else x if axes else mnp.copy(x)
        _, targets, steps = plan
        xs = [x if t is None else mnp.broadcast_to(x, t) for x, t in zip(xs, targets)]
        out = xs[0]
        for step, y in zip(steps, xs[1:]):
            out = _einsum_pair(out, y, step)
        return out

    def tensordot(self, x: Tensor, y: Tensor, axes: int | Sequence[Sequence[int]] = 2) -> Tensor:
        if not isinstance(axes, int):
            axes = tuple(tuple(int(i) for i in a) if isinstance(a, (list, tuple)) else int(a) for a in axes)
        return self._wide(mnp.tensordot, self.convert_to_tensor(x), self.convert_to_tensor(y), axes=axes)

    # ------------------------------------------------------------------ nn
    def gelu(self, x: Tensor, approximate: bool = True) -> Tensor:
        x = self.convert_to_tensor(x)
        if not approximate:
            if x.dtype != np.float64:
                return npx.leaky_relu(x, act_type="gelu")  # the erf form (in float32 inside)
            return mnp.multiply(x, mnp.add(mnp.multiply(npx.erf(mnp.multiply(x, math.sqrt(0.5))), 0.5), 0.5))
        # 0.5 * (1 + tanh(z)) == sigmoid(2z)
        c = 2.0 * math.sqrt(2.0 / math.pi)
        z = mnp.multiply(x, mnp.add(mnp.multiply(mnp.square(x), c * 0.044715), c))
        return mnp.multiply(x, npx.sigmoid(z))

    def softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        return npx.softmax(self.convert_to_tensor(x), axis=axis)

    def log_softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        return npx.log_softmax(self.convert_to_tensor(x), axis=axis)

    def _to_first(self, x: Tensor, nd: int) -> Tensor:
        recording = self._recording()
        if recording is not None:  # the channels_first array x was made from, when there is one
            twin = recording.channels_first.get(id(x))
            if twin is not None and twin[0] is x and twin[2] == nd:
                return twin[1]
        return _transpose(x, (0, nd + 1, *range(1, nd + 1)))

    def _to_last(self, x: Tensor, nd: int) -> Tensor:
        out = _transpose(x, (0, *range(2, nd + 2), 1))
        recording = self._recording()
        if recording is not None:
            # While a step graph is recorded, channels_last results keep their channels_first twin:
            # the next convolution or pooling (and a relu between) reads the twin, so the graph
            # holds no transpose pairs (MXNet runs convolutions and pooling channels_first only).
            # A transpose nothing reads any more is not part of the graph taken from the record.
            recording.channels_first[id(out)] = (out, x, nd)
        return out

    def conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        return self._conv(x, kernel, None, strides, padding, data_format, dilation_rate)

    def conv_bias(
        self,
        x: Tensor,
        kernel: Tensor,
        bias: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        # the bias inside MXNet's convolution (channels_first): no separate add over the whole output
        x, kernel, bias = self.convert_to_tensor(x), self.convert_to_tensor(kernel), self.convert_to_tensor(bias)
        dtype = x.dtype
        if (dtype == np.float32 or dtype == np.float64) and kernel.dtype == dtype and bias.dtype == dtype:
            return self._conv(x, kernel, bias, strides, padding, data_format, dilation_rate)
        return super().conv_bias(x, kernel, bias, strides, padding, data_format, dilation_rate)

    def _conv(
        self,
        x: Tensor,
        kernel: Tensor,
        bias: Tensor | None,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        # MXNet's CPU convolution takes only channels_first input (NHWC fails in oneDNN)
        x, kernel = self.convert_to_tensor(x), self.convert_to_tensor(kernel)
        kshape = kernel.shape
        nd = len(kshape) - 2
        last = data_format == "channels_last"
        if last:
            x = self._to_first(x, nd)
        w = _transpose(kernel, (nd + 1, nd, *range(nd)))
        strides, dilation, ksize = tuple(strides), tuple(dilation_rate), tuple(kshape[:nd])
        pad = (0,) * nd
        if padding == "same":
            pads = _same_padding(x.shape[2:], ksize, strides, dilation)
            if any(a != b for a, b in pads):
                x = _pad(x, ((0, 0), (0, 0), *pads))
            else:
                pad = tuple(a for a, _ in pads)
        elif padding != "valid":
            raise ValueError(f"conv: padding must be 'valid' or 'same', received {padding!r}")
        xshape = x.shape
        if xshape[0] == 0:  # MXNet's convolution fails on an empty batch
            out = _empty_batch(xshape, kshape[-1], ksize, strides, pad, dilation, x.dtype)
        elif bias is not None:
            out = npx.convolution(
                x, w, bias, kernel=ksize, stride=strides, dilate=dilation, pad=pad, num_filter=kshape[-1], no_bias=False
            )
        else:
            out = self._wide(
                npx.convolution,
                x,
                w,
                kernel=ksize,
                stride=strides,
                dilate=dilation,
                pad=pad,
                num_filter=kshape[-1],
                no_bias=True,
            )
        return self._to_last(out, nd) if last else out

    def grouped_conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
        groups: int,
    ) -> Tensor:
        if groups == 1:
            return self.conv(x, kernel, strides, padding, data_format, dilation_rate)
        # conv's steps (channels_first, explicit odd "same" padding, empty batch) with num_group
        x, kernel = self.convert_to_tensor(x), self.convert_to_tensor(kernel)
        nd = kernel.ndim - 2
        last = data_format == "channels_last"
        x = self._to_first(x, nd) if last else x
        strides, dilation, ksize = tuple(strides), tuple(dilation_rate), tuple(kernel.shape[:nd])
        pads = _same_padding(x.shape[2:], ksize, strides, dilation) if padding == "same" else [(0, 0)] * nd
        if any(a != b for a, b in pads):
            x, pads = _pad(x, ((0, 0), (0, 0), *pads)), [(0, 0)] * nd
        pad = tuple(a for a, _ in pads)
        if x.shape[0] == 0:
            out = _empty_batch(x.shape, kernel.shape[-1], ksize, strides, pad, dilation, x.dtype)
        else:
            w = _transpose(kernel, (nd + 1, nd, *range(nd)))
            kwargs = {"kernel": ksize, "stride": strides, "dilate": dilation, "pad": pad, "num_group": groups}
            out = self._wide(npx.convolution, x, w, num_filter=kernel.shape[-1], no_bias=True, **kwargs)
        return self._to_last(out, nd) if last else out

    def conv_transpose(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
        output_padding: Sequence[int] | None = None,
    ) -> Tensor:
        x, kernel = self.convert_to_tensor(x), self.convert_to_tensor(kernel)
        nd = kernel.ndim - 2
        last = data_format == "channels_last"
        spatial, ksize = x.shape[1:-1] if last else x.shape[2:], tuple(kernel.shape[:nd])
        geometry = zip(spatial, ksize, strides, output_padding or (None,) * nd, dilation_rate)
        outs, crops = zip(*(conv_transpose_geometry(n, k, s, padding, p, d) for n, k, s, p, d in geometry))
        # MXNet crops `pad` cells at both ends, then adds `adj` (< stride) cells at the end
        extra = [
            o - (n - 1) * s - (k - 1) * d - 1 + 2 * c
            for o, n, k, s, d, c in zip(outs, spatial, ksize, strides, dilation_rate, crops)
        ]
        # Measured here (MXNet 1.9.1, oneDNN): the deconvolution's backward fails ("could not execute a
        # primitive") when its weight is computed (our kernel transposed), so recorded calls use the
        # composed default (zero insertion + convolution), whose gradients work. Its 3-d kernel is
        # oneDNN-only: float32 alone (float64 raises "Only 1D or 2D Deconvolution is natively supported")
        native = not autograd.is_recording() and x.shape[0] > 0 and (nd < 3 or x.dtype == np.float32)
        if not native or any(e >= s for e, s in zip(extra, strides)):
            return super().conv_transpose(x, kernel, strides, padding, data_format, dilation_rate, output_padding)
        x = self._to_first(x, nd) if last else x
        w = _transpose(kernel, (nd + 1, nd, *range(nd)))  # (*k, filters, in) -> (in, filters, *k)
        kwargs = {"kernel": ksize, "stride": tuple(strides), "dilate": tuple(dilation_rate), "pad": crops}
        adj = tuple(max(e, 0) for e in extra)
        out = self._wide(npx.deconvolution, x, w, adj=adj, num_filter=kernel.shape[-2], no_bias=True, **kwargs)
        if min(extra) < 0:  # an odd crop: MXNet's symmetric one leaves the last cell
            out = out[(slice(None), slice(None), *(slice(0, o) for o in outs))]
        return self._to_last(out, nd) if last else out

    def _pool(self, x: Tensor, pool_size, strides, padding: str, data_format: str, kind: str) -> Tensor:
        x = self.convert_to_tensor(x)
        dtype = x.dtype
        if dtype.kind != "f":  # MXNet pools floats only
            if kind == "avg":
                raise self.unsupported("avg_pool", f"of {dtype.name} input")
            return self._pool(x.astype("float64"), pool_size, strides, padding, data_format, kind).astype(dtype)
        nd = len(pool_size)
        last = data_format == "channels_last"
        if last:
            x = self._to_first(x, nd)
        pool_size, strides = tuple(pool_size), tuple(strides)
        pad = (0,) * nd
        count = None
        if padding == "same":
            spatial = x.shape[2:]
            pads = _same_padding(spatial, pool_size, strides, (1,) * nd)
            if all(a == b for a, b in pads):
                pad = tuple(a for a, _ in pads)  # MXNet's own padding: never wins max, not counted by avg
            elif kind == "max":
                x = _pad(x, ((0, 0), (0, 0), *pads), -np.inf)
            else:  # asymmetric: sum over zero padding, divided by the count of real cells
                x = _pad(x, ((0, 0), (0, 0), *pads))
                count = self._pool_count(spatial, pool_size, strides, tuple(pads), dtype)
        elif padding != "valid":
            raise ValueError(f"pool: padding must be 'valid' or 'same', received {padding!r}")
        xshape = x.shape
        if xshape[0] == 0:  # MXNet's pooling fails on an empty batch
            out = _empty_batch(xshape, xshape[1], pool_size, strides, pad, (1,) * nd, dtype)
            return self._to_last(out, nd) if last else out
        out = npx.pooling(
            x,
            kernel=pool_size,
            stride=strides,
            pad=pad,
            pool_type="sum" if count is not None else kind,
            pooling_convention="valid",
            count_include_pad=False,
        )
        if count is not None:
            out = mnp.true_divide(out, count)
        return self._to_last(out, nd) if last else out

    def _pool_count(self, spatial, pool_size, strides, pads, dtype) -> Tensor:
        key = (spatial, pool_size, strides, pads, np.dtype(dtype).name)
        count = self._count_cache.get(key)
        if count is None:
            ones = _pad(mnp.ones((1, 1, *spatial), dtype=dtype), ((0, 0), (0, 0), *pads))
            count = npx.pooling(ones, kernel=pool_size, stride=strides, pool_type="sum", pooling_convention="valid")
            if len(self._count_cache) > 64:
                self._count_cache.clear()
            self._count_cache[key] = count
        return self._constant(count)

    def max_pool(
        self, x: Tensor, pool_size: Sequence[int], strides: Sequence[int], padding: str, data_format: str
    ) -> Tensor:
        return self._pool(x, pool_size, strides, padding, data_format, "max")

    def avg_pool(
        self, x: Tensor, pool_size: Sequence[int], strides: Sequence[int], padding: str, data_format: str
    ) -> Tensor:
        return self._pool(x, pool_size, strides, padding, data_format, "avg")

    # ------------------------------------------------------------------ random
    def _rng(self, seed: Seed) -> np.random.Generator:
        # Keyed Philox: one independent stream per (base, counter); reseeding MXNet's own
        # generator (mx.random.seed) costs 3-5 ms a call here.
        if self._step_graphs is not None:
            self._refuse_graph("it draws random numbers (a replay would repeat the first draw)")
        base, counter = seed
        return np.random.Generator(np.random.Philox(key=[int(base) % 2**64, int(counter) % 2**64]))

    def random_uniform(self, shape: Sequence[int], minval: float, maxval: float, dtype: str, seed: Seed) -> Tensor:
        dtype = self._dt(dtype)
        u = self._rng(seed).random(tuple(shape), dtype=np.float64 if dtype == "float64" else np.float32)
        u = (u * (maxval - minval) + minval).astype(dtype, copy=False)
        top = np.nextafter(np.asarray(maxval, dtype), np.asarray(-np.inf, dtype))  # rounding must not reach maxval
        return self._from_numpy(np.minimum(u, top))

    def random_normal(self, shape: Sequence[int], mean: float, stddev: float, dtype: str, seed: Seed) -> Tensor:
        dtype = self._dt(dtype)
        z = self._rng(seed).standard_normal(tuple(shape), dtype=np.float64 if dtype == "float64" else np.float32)
        return self._from_numpy((z * stddev + mean).astype(dtype, copy=False))

    def random_randint(self, shape: Sequence[int], minval: int, maxval: int, dtype: str, seed: Seed) -> Tensor:
        return self._from_numpy(self._rng(seed).integers(minval, maxval, tuple(shape), dtype=self._dt(dtype)))

    def random_categorical(self, logits: Tensor, num_samples: int, seed: Seed) -> Tensor:
        logits = self.to_numpy(logits).astype(np.float64)
        cdf = np.cumsum(np.exp(logits - logits.max(axis=-1, keepdims=True)), axis=-1)
        u = self._rng(seed).random((logits.shape[0], num_samples)) * cdf[:, -1:]
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u, strict=True)]) if len(cdf) else u
        return self._from_numpy(np.minimum(out, logits.shape[-1] - 1).astype(np.int32).reshape(u.shape))

    def random_shuffle(self, x: Tensor, seed: Seed) -> Tensor:
        x = self.convert_to_tensor(x)
        perm = self._rng(seed).permutation(x.shape[0]).astype(np.int32)
        return mnp.take(x, self._from_numpy(perm), axis=0)

    # ------------------------------------------------------------------ variables & gradients
    def variable_create(self, value: np.ndarray, trainable: bool) -> Any:
        # its own MXNet-allocated buffer: variables are updated in place
        self._refuse_graph("it creates a variable")
        handle = self._copy_from_numpy(np.asarray(value))
        if trainable and handle.dtype.kind == "f":
            handle.attach_grad()
        return handle

    def variable_read(self, handle: Any) -> Tensor:
        return handle

    host_scalars = True

    def host_scalar(self, variable: Any) -> int | float:
        # A host copy per handle asked about, made by one device read and kept up to date by
        # variable_assign (dropped when a device value is assigned). Only the optimizers' step
        # count and float rate are asked about; MXNet's in-place kernels never write those.
        handle = variable.handle
        entry = self._host_copies.get(id(handle))
        if entry is None or entry[0] is not handle:
            if len(self._host_copies) > 64:
                self._host_copies.clear()
            entry = self._host_copies[id(handle)] = (handle, handle.asnumpy().item())
        return entry[1]

    def variable_assign(self, handle: Any, value: Tensor) -> Any:
        if self._step_graphs is not None:
            self._refuse_graph("it assigns a variable (a replay would skip the assignment)")
        if self._host_copies and id(handle) in self._host_copies:
            if isinstance(value, _SCALARS):
                self._host_copies[id(handle)] = (handle, np.asarray(value, dtype=handle.dtype).item())
            else:
                del self._host_copies[id(handle)]
        if value is handle:
            return handle
        if type(value) is not _ND:
            if isinstance(value, _SCALARS):
                value = mnp.full(handle.shape, value, dtype=handle.dtype)
            else:
                value = self.convert_to_tensor(value)
        if autograd.is_recording():  # an in-place write must not enter the recorded graph
            with autograd.pause():
                value.copyto(handle)
        else:
            value.copyto(handle)  # casts to the handle's dtype
        return handle

    def variable_assign_add(self, handle: Any, delta: Any) -> Any:
        # one in-place op (a running total, a counter) where assign(add) takes two
        in_place = isinstance(delta, (int, float)) and not isinstance(delta, bool) and handle.dtype.kind == "f"
        if not in_place and type(delta) is _ND:
            in_place = delta.dtype == handle.dtype and delta.shape == handle.shape
        if not in_place:
            return super().variable_assign_add(handle, delta)
        if self._step_graphs is not None:
            self._refuse_graph("it assigns a variable (a replay would skip the assignment)")
        if self._host_copies and id(handle) in self._host_copies:
            del self._host_copies[id(handle)]
        if autograd.is_recording():
            with autograd.pause():
                mnp.add(handle, delta, out=handle)
        else:
            mnp.add(handle, delta, out=handle)
        return handle

    def stop_gradient(self, x: Tensor) -> Tensor:
        return self.convert_to_tensor(x).detach()

    def _grad_plan(self, variables: Sequence[Any]) -> _GradPlan:
        key = tuple(hash(v) for v in variables)  # a Variable's hash is its unique id
        plan = self._plans.get(key)
        if plan is None or any(h is not v.handle for h, v in zip(plan.handles, variables, strict=True)):
            if len(self._plans) > 32:
                self._plans.clear()
            plan = self._plans[key] = _GradPlan(variables)
        return plan

    def value_and_grad(
        self, fn: Callable[..., Any], variables: Sequence[Any], has_aux: bool = False
    ) -> Callable[..., tuple[Any, list[Tensor]]]:
        variables = list(variables)

        def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, list[Tensor]]:
            plan = self._grad_plan(variables)
            graphs = self._step_graphs
            graphed = graphs is not None and graphs.active and not kwargs and active_scope() is None
            call_args = _leaves(list(args), []) if graphed else []
            key, writes_all = graphs.next_call(call_args, variables, has_aux) if graphed else (None, False)
            # Fresh zeroed buffers (one op per dtype, each gradient a view): unused variables get
            # zeros, since backward leaves their buffers alone, and no copies are needed.
            grads = plan.fresh(zeroed=not writes_all)
            marked = plan.marked
            if active_scope() is None:
                targets, restore = plan.handles, marked
            else:  # differentiate the scoped values; handles read through the scope get restored
                targets = [v.value for v in variables]
                restore = [i for i in marked if targets[i] is plan.handles[i]]
            if marked:
                autograd.mark_variables([targets[i] for i in marked], [grads[i] for i in marked])
            try:
                if graphed:
                    out = graphs.value_and_grad(
                        key,
                        lambda: fn(*args),
                        call_args,
                        [targets[i] for i in marked],
                        has_aux,
                        _backward,
                    )
                else:
                    with autograd.record():
                        out = fn(*args, **kwargs)
                    _backward(out[0] if has_aux else out)
            finally:
                if restore:
                    plan.restore(restore, grads)
            loss = (out[0] if has_aux else out).detach()
            return ((loss, out[1]) if has_aux else loss), grads

        return wrapped

    # ------------------------------------------------------------------ steps
    def make_step(
        self, fn: Callable[..., Any], state: Sequence[Any], jit_compile: bool | str = "auto"
    ) -> Callable[..., Any]:
        # jit_compile=False runs fn eagerly. Otherwise the forward pass of each value_and_grad call
        # in fn is recorded once per input signature and replayed as one MXNet graph (a CachedOp,
        # what Gluon's hybridize runs); the rest of fn (the optimizer's fused updates, the
        # metrics) stays imperative. See mxnet_step_graph for what makes a forward replayable.
        if jit_compile is False:
            return super().make_step(fn, state, jit_compile)
        graphs = StepGraphs(state)
        convert = self.convert_to_tensor

        def step(*args: Any) -> Any:
            args = [convert(a) if isinstance(a, np.ndarray) else a for a in args]
            outer, self._step_graphs = self._step_graphs, graphs
            try:
                return graphs.run(fn, args)
            finally:
                self._step_graphs = outer

        step.graphs = graphs  # for introspection: graphs.eager_reasons says which forwards run eagerly
        return step

    def synchronize(self, x: Any = None) -> None:
        if x is None:
            mx.nd.waitall()
        elif isinstance(x, mx.nd.NDArray):
            x.wait_to_read()
        elif isinstance(x, dict):
            for v in x.values():
                self.synchronize(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                self.synchronize(v)

    # ------------------------------------------------------------------ fused optimizer updates
    def _fusable(self, variables: Sequence[Any], slots: Sequence[Sequence[Any]]) -> tuple[list[Any], list[Any]] | None:
        """Legacy-NDArray views of the weight handles and of each slot's handles, when every
        one is float32 (the dtype the fused kernels are checked for here), else None."""
        key = tuple(hash(v) for v in variables) + tuple(hash(s) for group in slots for s in group)
        views = self._fused.get(key)
        if views is None and key not in self._fused:
            ok = all(v.dtype == "float32" for v in variables) and all(
                s.dtype == "float32" for group in slots for s in group
            )
            if ok:
                views = (
                    [v.handle.as_nd_ndarray() for v in variables],
                    [[s.handle.as_nd_ndarray() for s in group] for group in slots],
                )
            if len(self._fused) > 32:
                self._fused.clear()
            self._fused[key] = views
        return views

    def _zeros_nd(self, n: int) -> Any:
        z = self._zeros_cache.get(n)
        if z is None:
            z = self._zeros_cache[n] = mx.nd.zeros((n,), dtype="float32")
        return z

    def apply_sgd(
        self,
        variables: Sequence[Any],
        grads: Sequence[Tensor],
        momentums: Sequence[Any] | None,
        learning_rate: Tensor,
        momentum: float,
        nesterov: bool,
    ) -> None:
        views = None
        if not nesterov and active_scope() is None and all(type(g) is _ND for g in grads):
            views = self._fusable(variables, [momentums] if momentums is not None else [])
        if views is None:
            return super().apply_sgd(variables, grads, momentums, learning_rate, momentum, nesterov)
        # MXNet's (preloaded) multi-SGD kernels, wd=0 and rescale 1: Keras's rule exactly,
        # with the learning rate read on the device (no host sync)
        weights, slots = views
        lr = self.convert_to_tensor(learning_rate, "float32")
        g_nd = [g.as_nd_ndarray() for g in grads]
        for start in range(0, len(weights), _FUSED_CHUNK):
            stop = min(start + _FUSED_CHUNK, len(weights))
            n = stop - start
            lrs = mnp.broadcast_to(lr, (n,)).as_nd_ndarray()
            data: list[Any] = []
            if slots:
                for i in range(start, stop):
                    data += [weights[i], g_nd[i], slots[0][i]]
                mx.nd.preloaded_multi_sgd_mom_update(
                    *data, lrs, self._zeros_nd(n), momentum=momentum, num_weights=n, out=weights[start:stop]
                )
            else:
                for i in range(start, stop):
                    data += [weights[i], g_nd[i]]
                mx.nd.preloaded_multi_sgd_update(*data, lrs, self._zeros_nd(n), num_weights=n, out=weights[start:stop])

    def apply_adam(
        self,
        variables: Sequence[Any],
        grads: Sequence[Tensor],
        ms: Sequence[Any],
        vs: Sequence[Any],
        vhats: Sequence[Any] | None,
        learning_rate: Tensor,
        beta_1: float,
        beta_2: float,
        epsilon: float,
        step: Tensor,
    ) -> None:
        views = None
        if vhats is None and active_scope() is None and all(type(g) is _ND for g in grads):
            views = self._fusable(variables, [ms, vs])
        on_host = isinstance(step, float) and isinstance(learning_rate, float)
        if views is None:
            if on_host:
                step, learning_rate = (self.convert_to_tensor(v, "float32") for v in (step, learning_rate))
            return super().apply_adam(variables, grads, ms, vs, vhats, learning_rate, beta_1, beta_2, epsilon, step)
        if on_host:  # Keras's rule as Gluon's Adam runs it: the bias-corrected rate computed on the host
            alpha = learning_rate * math.sqrt(1.0 - beta_2**step) / (1.0 - beta_1**step)
            weights, (m_nd, v_nd) = views
            for w, g, m, v in zip(weights, grads, m_nd, v_nd, strict=True):
                mx.nd.adam_update(
                    w, g.as_nd_ndarray(), m, v, lr=alpha, beta1=beta_1, beta2=beta_2, epsilon=epsilon, wd=0.0, out=w
                )
            return None
        # Keras's rule without reading anything back to the host (a read waits for the whole step
        # and so stops Python from queueing the next ops while MXNet's engine computes):
        # adam_update (Python-float arguments only, no bias correction) updates m and v in place
        # and, applied to a zero weight with lr=1, writes -m / (sqrt(v) + epsilon) to a scratch
        # array; one multi-SGD call then takes the bias-corrected step size as an NDArray:
        # w -= alpha * d with d = -scratch (rescale_grad=-1).
        t = self.convert_to_tensor(step, "float32")
        # beta ** t from Python-float constants only (beta 0 gives 0 for every step t >= 1)
        b1_power = mnp.exp(t * math.log(beta_1)) if beta_1 > 0 else mnp.zeros_like(t)
        b2_power = mnp.exp(t * math.log(beta_2)) if beta_2 > 0 else mnp.zeros_like(t)
        lr = self.convert_to_tensor(learning_rate, "float32")
        alpha = lr * mnp.sqrt(1.0 - b2_power) / (1.0 - b1_power)
        weights, (m_nd, v_nd) = views
        zeros, directions = self._adam_scratch(views)
        for g, m, v, zero, scratch in zip(grads, m_nd, v_nd, zeros, directions, strict=True):
            mx.nd.adam_update(
                zero, g.as_nd_ndarray(), m, v, lr=1.0, beta1=beta_1, beta2=beta_2, epsilon=epsilon, wd=0.0, out=scratch
            )
        for start in range(0, len(weights), _FUSED_CHUNK):
            stop = min(start + _FUSED_CHUNK, len(weights))
            n = stop - start
            data: list[Any] = []
            for i in range(start, stop):
                data += [weights[i], directions[i]]
            lrs = mnp.broadcast_to(alpha, (n,)).as_nd_ndarray()
            mx.nd.preloaded_multi_sgd_update(
                *data, lrs, self._zeros_nd(n), rescale_grad=-1.0, num_weights=n, out=weights[start:stop]
            )

    def _adam_scratch(self, views: tuple) -> tuple[list[Any], list[Any]]:
        """Per weight of ``views`` (``_fusable``'s): a zero array (never written) and its own scratch array."""
        cache = self.__dict__.setdefault("_adam_scratch_cache", {})
        entry = cache.get(id(views))
        if entry is None or entry[0] is not views:
            if len(cache) >= 32:
                cache.clear()
            zeros = [mx.nd.zeros(w.shape, dtype=w.dtype) for w in views[0]]
            entry = cache[id(views)] = (views, zeros, [mx.nd.zeros(w.shape, dtype=w.dtype) for w in views[0]])
        return entry[1], entry[2]

    # ------------------------------------------------------------------ recurrent kernels
    def rnn(
        self,
        cell: str,
        inputs: Tensor,
        states: Sequence[Tensor],
        kernel: Tensor,
        recurrent_kernel: Tensor,
        bias: Tensor | None,
        recurrent_bias: Tensor | None,
        go_backwards: bool,
        return_sequences: bool = True,
    ) -> tuple[Tensor | None, list[Tensor]] | None:
        # MXNet's fused RNN operator (what Gluon's rnn.LSTM/GRU/RNN call), inside a small hybridized
        # block cached per configuration and input shape: run imperatively, the stateful operator
        # rebuilds its oneDNN state on every call (measured 2-3x slower than as one cached graph).
        mode = {"lstm": "lstm", "gru": "gru", "simple_rnn": "rnn_tanh"}.get(cell)
        x = self.convert_to_tensor(inputs)
        if mode is None or x.ndim != 3 or x.shape[0] == 0:
            return None
        units, width = recurrent_kernel.shape
        args = [x, kernel, recurrent_kernel]
        for vector in (bias, recurrent_bias):
            args.append(vector if vector is not None else self._rnn_zeros(width, x))
        args += [self.convert_to_tensor(s) for s in states]
        blocks = self.__dict__.setdefault("_rnn_blocks", {})
        key = (mode, units, go_backwards, return_sequences, len(states), x.dtype, x.shape)
        block = blocks.get(key)
        if block is None:
            if len(blocks) >= 32:
                blocks.clear()
            block = blocks[key] = self._rnn_block(mode, units, go_backwards, return_sequences)
        out = block(*args)
        if not return_sequences:  # the block returns the final states only
            return None, list(out) if isinstance(out, list | tuple) else [out]
        return out[0], list(out[1:])

    def _rnn_zeros(self, width: int, like: Tensor) -> Tensor:
        """A cached zero bias (never written, so one array serves every call)."""
        cache = self.__dict__.setdefault("_rnn_zero_biases", {})
        key = (width, like.dtype, str(like.ctx))
        if key not in cache:
            cache[key] = mnp.zeros((width,), dtype=like.dtype, ctx=like.ctx)
        return self._constant(cache[key])

    @staticmethod
    def _rnn_block(mode: str, units: int, go_backwards: bool, return_sequences: bool) -> Any:
        """A hybridized block: Keras-layout weights and batch-major data in, ``npx.rnn`` (time-major data,
        one flat parameter vector: input weights, recurrent weights, input bias, recurrent bias, weights
        ``(gates * units, features)``, GRU gate blocks r, z, n where Keras has z, r, h) in between,
        ``(sequence, *final states)`` out, or the final states alone without ``return_sequences`` (the
        sequence's transpose back to batch-major is then not computed)."""
        from mxnet import gluon

        class FusedRNN(gluon.HybridBlock):
            def hybrid_forward(self, F, x, kernel, recurrent_kernel, bias, recurrent_bias, *states):  # noqa: N803
                fnp = F.np
                weights = [kernel, recurrent_kernel, bias, recurrent_bias]
                if mode == "gru":
                    blocks = [fnp.split(w, 3, -1) for w in weights]  # z, r, h
                    weights = [fnp.concatenate([z_r_h[1], z_r_h[0], z_r_h[2]], axis=-1) for z_r_h in blocks]
                flat = [fnp.reshape(fnp.transpose(w), (-1,)) for w in weights[:2]] + weights[2:]
                data = fnp.transpose(x, (1, 0, 2))
                if go_backwards:
                    data = fnp.flip(data, axis=0)
                hx = [fnp.expand_dims(s, 0) for s in states]
                extra = {"state_cell": hx[1]} if mode == "lstm" else {}
                out = F.npx.rnn(
                    data=data,
                    parameters=fnp.concatenate(flat, axis=0),
                    state=hx[0],
                    mode=mode,
                    state_size=units,
                    num_layers=1,
                    state_outputs=True,
                    **extra,
                )
                final = [fnp.squeeze(out[i], axis=0) for i in range(1, len(hx) + 1)]
                if not return_sequences:
                    return tuple(final) if len(final) > 1 else final[0]
                return (fnp.transpose(out[0], (1, 0, 2)), *final)

        block = FusedRNN()
        block.hybridize(static_alloc=True, static_shape=True)
        return block

    # ------------------------------------------------------------------ linalg decompositions, autodiff (D1)
    # mx.np.linalg.qr fails on every input in 1.9.1 (its result namedtuple is built wrongly) and its
    # eigh/eig/pinv return zero gradients; the legacy kernels gelqf (LQ) and syevd have true gradients.
    def linalg_svd(self, x: Tensor, full_matrices: bool = True, compute_uv: bool = True) -> Any:
        m, n = x.shape[-2:]
        if compute_uv and full_matrices and m != n:
            raise self.unsupported(
                "linalg.svd(full_matrices=True) of non-square matrices",
                "its gesvd kernel returns the reduced factors only; pass full_matrices=False, or use another backend",
            )
        tall = m > n
        if tall:  # gesvd needs rows <= columns: decompose the transpose
            x = mnp.swapaxes(x, -1, -2)
        u, s, vh = mnp.linalg.svd(x)
        if not compute_uv:
            return s
        if tall:
            u, vh = mnp.swapaxes(vh, -1, -2), mnp.swapaxes(u, -1, -2)
        return u, s, vh

    def linalg_qr(self, x: Tensor, mode: str = "reduced") -> tuple[Tensor, Tensor]:
        m, n = x.shape[-2:]
        if m > n and mode == "complete":
            raise self.unsupported(
                "linalg.qr(mode='complete') of matrices with more rows than columns",
                "its gelqf kernel returns the reduced factors only; pass mode='reduced', or use another backend",
            )
        if m > n or m == n:
            # x^T = L Q (LQ of the transpose, rows of Q orthonormal) gives x = Q^T L^T
            q_t, lower = mx.nd.linalg.gelqf(mnp.swapaxes(x, -1, -2).as_nd_ndarray())
            return mnp.swapaxes(q_t.as_np_ndarray(), -1, -2), mnp.swapaxes(lower.as_np_ndarray(), -1, -2)
        # more columns than rows: factor the leading square block, the rest of r is q^T times the rest
        left, right = mnp.split(x, [m], axis=-1)
        q, r_left = self.linalg_qr(left)
        return q, mnp.concatenate([r_left, mnp.matmul(mnp.swapaxes(q, -1, -2), right)], axis=-1)

    def linalg_eigh(self, x: Tensor) -> tuple[Tensor, Tensor]:
        rows, w = mx.nd.linalg.syevd(x.as_nd_ndarray())  # eigenvectors as rows
        return w.as_np_ndarray(), mnp.swapaxes(rows.as_np_ndarray(), -1, -2)

    def linalg_eig(self, x: Tensor) -> tuple[Tensor, Tensor]:
        raise self.unsupported(
            "linalg.eig",
            "MXNet 1.9.1 has no complex dtype, so general eigenvalues cannot be returned; use linalg.eigh for "
            "symmetric matrices, or the torch, tensorflow or jax backend",
        )

    def jvp(
        self, fun: Callable[..., Any], primals: Sequence[Tensor], tangents: Sequence[Tensor], has_aux: bool = False
    ) -> tuple:
        # MXNet has no forward mode: J @ t is built one output element at a time from reverse-mode
        # gradients (one backward pass per output element, fine for the small outputs jvp is used on).
        inputs = [self.convert_to_tensor(p).copy() for p in primals]
        tangents = [self.convert_to_tensor(t).astype(p.dtype) for t, p in zip(tangents, inputs, strict=True)]
        for p in inputs:
            p.attach_grad()
        with autograd.record():
            result = fun(*inputs)
        out, aux = result if has_aux else (result, None)

        def jvp_of(leaf: Tensor) -> Tensor:
            flat = []
            for i in range(int(np.prod(leaf.shape))):
                unit = np.zeros(leaf.size, dtype=leaf.dtype)
                unit[i] = 1
                head = mnp.array(unit.reshape(leaf.shape), dtype=leaf.dtype, ctx=leaf.ctx)
                for p in inputs:  # an input the leaf does not reach keeps a zero gradient
                    p.grad[:] = 0
                leaf.backward(head, retain_graph=True)
                flat.append(sum(mnp.sum(p.grad * t) for p, t in zip(inputs, tangents, strict=True)))
            return mnp.stack(flat).reshape(leaf.shape).astype(leaf.dtype) if flat else mnp.zeros_like(leaf)

        def each(s: Any, f: Callable[[Tensor], Tensor]) -> Any:
            if isinstance(s, (list, tuple)):
                return type(s)(each(item, f) for item in s)
            if isinstance(s, dict):
                return {k: each(v, f) for k, v in s.items()}
            return f(s)

        out_tangents = each(out, jvp_of)
        out_values = each(out, lambda leaf: leaf.detach())
        return (out_values, out_tangents, aux) if has_aux else (out_values, out_tangents)

    def custom_gradient(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        class _Custom(autograd.Function):
            def forward(self, *args: Any) -> Any:
                out, self.grad_fn = fn(*args)
                return out

            def backward(self, *upstreams: Any) -> Any:
                grads = self.grad_fn(*[u.as_np_ndarray() for u in upstreams])
                if isinstance(grads, (list, tuple)):
                    return tuple(g.as_nd_ndarray() for g in grads)
                return grads.as_nd_ndarray()

        def apply(*args: Any) -> Any:
            return _Custom()(*args)

        return apply
