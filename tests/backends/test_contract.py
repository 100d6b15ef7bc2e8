"""Contract tests: every primitive of ``unikeras.backends.base.Backend`` on every backend,
against NumPy (or closed forms / finite differences) written here.

Run one backend with ``-k torch`` (or tensorflow, jax, mxnet).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import scipy.special

import unikeras
from tests.reference import conv as ref
from unikeras.backends.base import Backend, BackendError, conv_transpose_geometry
from unikeras.variables import Variable

FLOAT_DTYPES = ["float32", "float64"]
NUM_DTYPES = ["float32", "float64", "int32"]


# ---------------------------------------------------------------------------- helpers
def T(b, x, dtype=None):
    """A native tensor of ``x`` (a NumPy array keeps its dtype)."""
    return b.convert_to_tensor(np.asarray(x) if dtype is None else np.asarray(x, dtype))


def N(b, x):
    """``x`` as a NumPy array."""
    return np.asarray(b.to_numpy(x))


def tols(dtype, rtol=None, atol=None):
    if dtype == "float64":
        return rtol if rtol is not None else 1e-12, atol if atol is not None else 1e-12
    return rtol if rtol is not None else 1e-5, atol if atol is not None else 1e-6


def check(b, out, expected, dtype=None, rtol=None, atol=None):
    """``out`` (native) has ``expected``'s shape, dtype name (or ``dtype``) and values."""
    expected = np.asarray(expected)
    dtype = dtype or expected.dtype.name
    assert b.is_tensor(out), f"expected a native tensor, got {type(out)}"
    assert b.dtype_name(out) == dtype, f"dtype {b.dtype_name(out)} != {dtype}"
    got = N(b, out)
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    if expected.dtype.kind in "fc":
        rtol, atol = tols(dtype, rtol, atol)
        np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(got, expected)


def make(kind, shape, dtype, seed=0):
    """Deterministic test input of ``shape`` / ``dtype``; ``kind`` picks the value domain."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if kind == "pos":
        x = rng.uniform(0.2, 3.0, shape)
    elif kind == "nonzero":
        x = rng.uniform(0.5, 3.0, shape) * rng.choice([-1, 1], shape)
    elif kind == "unit":
        x = rng.uniform(-0.9, 0.9, shape)
    elif kind == "near1":
        x = rng.uniform(0.5, 1.5, shape)
    elif kind == "small_int":
        x = rng.integers(0, 4, shape)
    elif kind == "ties":
        x = rng.integers(-2, 3, shape)
    else:
        x = rng.normal(size=shape) * 2
    if np.dtype(dtype).kind == "i":
        if kind == "nonzero":
            x = rng.integers(1, 9, shape) * rng.choice([-1, 1], shape)
        elif kind == "pos":
            x = rng.integers(1, 9, shape)
        else:
            x = np.round(x * 3)
    if np.dtype(dtype).kind == "u":
        x = np.abs(x)
    return np.asarray(x).astype(dtype)


# ---------------------------------------------------------------------------- identity / misc
def test_identity(backend):
    assert isinstance(backend.framework_version(), str) and backend.framework_version()
    devices = backend.list_devices()
    assert isinstance(devices, list) and devices and all(isinstance(d, str) for d in devices)
    assert backend.name in ("torch", "tensorflow", "jax", "mxnet")
    assert backend.name in repr(backend)


def test_synchronize(backend):
    x = backend.add(T(backend, np.ones(3, np.float32)), 1.0)
    assert backend.synchronize(x) is None
    assert backend.synchronize() is None
    check(backend, x, np.full(3, 2.0, np.float32))


def test_unsupported_names_backend(backend):
    err = backend.unsupported("frobnicate", "some detail")
    assert isinstance(err, BackendError) and isinstance(err, RuntimeError)
    msg = err.args[0]
    assert backend.name in msg and "frobnicate" in msg and "some detail" in msg
    assert backend.name in backend.unsupported("x").args[0]


# ---------------------------------------------------------------------------- tensors & dtypes
CORE_DTYPES = ["float32", "float64", "int32", "int64", "bool"]
# Dtypes a framework may lack; then converting to them raises the backend's BackendError.
OPTIONAL_DTYPES = ["float16", "uint8", "int8", "int16"]


def _convert_or_unsupported(backend, x, dtype=None):
    """``convert_to_tensor``, or ``None`` where the backend reports an optional dtype unsupported."""
    try:
        return backend.convert_to_tensor(x, dtype)
    except BackendError as err:
        if (dtype or np.asarray(x).dtype.name) not in OPTIONAL_DTYPES:
            raise
        assert backend.name in err.args[0]
        return None


@pytest.mark.parametrize("dtype", CORE_DTYPES + OPTIONAL_DTYPES)
def test_convert_round_trip_numpy(backend, dtype):
    x = make("normal", (2, 3), dtype)
    t = _convert_or_unsupported(backend, x)
    if t is None:
        return
    assert backend.is_tensor(t)
    check(backend, t, x)
    check(backend, backend.convert_to_tensor(t), x)  # a native tensor keeps its dtype


@pytest.mark.parametrize(
    "value, dtype",
    [(1.5, "float64"), ([1, 2], "int64"), ([[1.0, 2.0]], "float64"), (True, "bool"), (3, "int64"), ([], "float64")],
)
def test_convert_python_inference(backend, value, dtype):
    check(backend, backend.convert_to_tensor(value), np.asarray(value, dtype), dtype=dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool", "float16", "uint8"])
def test_convert_with_dtype(backend, dtype):
    x = [[0.0, 1.0, 2.0], [3.0, 0.0, 1.0]]
    t = _convert_or_unsupported(backend, x, dtype)
    if t is None:
        return
    check(backend, t, np.asarray(x, dtype))
    t = T(backend, x, "float32")
    check(backend, backend.convert_to_tensor(t, dtype), np.asarray(x, dtype))


def test_convert_scalar_and_empty(backend):
    check(backend, backend.convert_to_tensor(2.5, "float32"), np.float32(2.5))
    check(backend, backend.convert_to_tensor(np.zeros((0, 3), np.float32)), np.zeros((0, 3), np.float32))
    assert N(backend, backend.convert_to_tensor(np.float32(1))).shape == ()


def test_bfloat16_supported_or_unsupported(backend):
    x = np.array([1.0, 2.5, -3.0], np.float32)
    try:
        t = backend.convert_to_tensor(x, "bfloat16")
    except BackendError as err:
        assert backend.name in err.args[0]
        return
    assert backend.dtype_name(t) == "bfloat16"
    np.testing.assert_array_equal(N(backend, t).astype(np.float32), x)
    check(backend, backend.cast(t, "float32"), x)


def test_is_tensor(backend):
    assert backend.is_tensor(backend.zeros((2,)))
    assert not backend.is_tensor(np.zeros(2))
    assert not backend.is_tensor(1.0)
    assert not backend.is_tensor([1.0])


@pytest.mark.parametrize(
    "src, dst",
    [
        ("float32", "int32"),
        ("float32", "float64"),
        ("float64", "float32"),
        ("int32", "float32"),
        ("bool", "float32"),
        ("int32", "bool"),
        ("float32", "bool"),
        ("float32", "float16"),
        ("int32", "int64"),
    ],
)
def test_cast(backend, src, dst):
    x = np.array([[-1.75, 0.0, 2.5], [3.25, -0.5, 1.0]]).astype(src)
    check(backend, backend.cast(T(backend, x), dst), x.astype(dst))


@pytest.mark.parametrize("shape", [(), (0,), (2, 3), (1, 0, 4)])
def test_shape_and_dtype_name(backend, shape):
    t = T(backend, np.zeros(shape, np.float32))
    s = backend.shape(t)
    assert s == shape and isinstance(s, tuple) and all(type(d) is int for d in s)
    assert backend.dtype_name(t) == "float32"


@pytest.mark.parametrize(
    "shape, dtype",
    [((2, 3), "float32"), ((2, 3), "float64"), ((2, 3), "int32"), ((2, 3), "bool"), ((0,), "float32"), ((), "int32")],
)
def test_constructors(backend, shape, dtype):
    check(backend, backend.zeros(shape, dtype), np.zeros(shape, dtype))
    check(backend, backend.ones(shape, dtype), np.ones(shape, dtype))
    x = T(backend, make("normal", shape, "float64"))
    check(backend, backend.zeros_like(x, dtype), np.zeros(shape, dtype))
    check(backend, backend.ones_like(x, dtype), np.ones(shape, dtype))


def test_constructor_defaults_and_like(backend):
    check(backend, backend.zeros((2,)), np.zeros(2, np.float32))
    check(backend, backend.ones((2,)), np.ones(2, np.float32))
    check(backend, backend.full((2,), 3.0), np.full(2, 3.0, np.float32))
    xi = T(backend, np.arange(6, dtype=np.int32).reshape(2, 3))
    check(backend, backend.zeros_like(xi), np.zeros((2, 3), np.int32))
    check(backend, backend.ones_like(xi), np.ones((2, 3), np.int32))


@pytest.mark.parametrize(
    "shape, fill, dtype",
    [((2, 3), 1.5, "float32"), ((4,), -2.25, "float64"), ((2, 2), 7, "int32"), ((3,), True, "bool")],
)
def test_full(backend, shape, fill, dtype):
    check(backend, backend.full(shape, fill, dtype), np.full(shape, fill, dtype))


@pytest.mark.parametrize(
    "args, dtype",
    [
        ((5,), "int32"),
        ((2, 10, 3), "int32"),
        ((5, 0, -2), "int32"),
        ((0.0, 1.0, 0.25), "float32"),
        ((4,), "float32"),
        ((1, 4), "float64"),
        ((3, 3), "int32"),
        ((6,), "int64"),
    ],
)
def test_arange(backend, args, dtype):
    check(backend, backend.arange(*args, dtype=dtype), np.arange(*args, dtype=dtype))


def test_arange_default_dtype(backend):
    check(backend, backend.arange(4), np.arange(4, dtype=np.int32))
    check(backend, backend.arange(1, 7, 2), np.arange(1, 7, 2, dtype=np.int32))


@pytest.mark.parametrize(
    "n, m, dtype", [(3, None, "float32"), (2, 4, "int32"), (4, 2, "float64"), (1, None, "float32")]
)
def test_eye(backend, n, m, dtype):
    check(backend, backend.eye(n, m, dtype=dtype), np.eye(n, m, dtype=dtype))


def test_eye_default(backend):
    check(backend, backend.eye(3), np.eye(3, dtype=np.float32))


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_copy(backend, dtype):
    x = make("normal", (2, 3), dtype)
    check(backend, backend.copy(T(backend, x)), x)


def test_copy_does_not_share_storage(backend):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    v = Variable(x)
    c = backend.copy(v.value)
    v.assign(T(backend, np.full((2, 3), -1.0, np.float32)))
    check(backend, c, x)
    h = backend.variable_create(x, True)
    c2 = backend.copy(backend.variable_read(h))
    backend.variable_assign(h, T(backend, np.zeros((2, 3), np.float32)))
    check(backend, c2, x)


# ---------------------------------------------------------------------------- unary elementwise
def _sigmoid(x):
    return scipy.special.expit(x)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def _gelu_erf(x):
    return 0.5 * x * (1 + scipy.special.erf(x / np.sqrt(2)))


# (op name, reference on float64 / int, input kind, dtypes, exact-math-in-float64)
UNARY = [
    ("negative", np.negative, "normal", NUM_DTYPES, True),
    ("abs", np.abs, "normal", NUM_DTYPES, True),
    ("sign", np.sign, "ties", NUM_DTYPES, True),
    ("square", np.square, "normal", NUM_DTYPES, True),
    ("sqrt", np.sqrt, "pos", FLOAT_DTYPES, True),
    ("rsqrt", lambda x: 1 / np.sqrt(x), "pos", FLOAT_DTYPES, False),
    ("exp", np.exp, "normal", FLOAT_DTYPES, False),
    ("expm1", np.expm1, "unit", FLOAT_DTYPES, False),
    ("log", np.log, "pos", FLOAT_DTYPES, False),
    ("log1p", np.log1p, "unit", FLOAT_DTYPES, False),
    ("sin", np.sin, "normal", FLOAT_DTYPES, False),
    ("cos", np.cos, "normal", FLOAT_DTYPES, False),
    ("tanh", np.tanh, "normal", FLOAT_DTYPES, False),
    ("sigmoid", _sigmoid, "normal", FLOAT_DTYPES, False),
    ("erf", scipy.special.erf, "normal", FLOAT_DTYPES, False),
    ("floor", np.floor, "normal", FLOAT_DTYPES, True),
    ("ceil", np.ceil, "normal", FLOAT_DTYPES, True),
    ("relu", lambda x: np.maximum(x, 0), "normal", FLOAT_DTYPES, True),
    ("logical_not", np.logical_not, "normal", ["bool"], True),
    ("isnan", np.isnan, "normal", FLOAT_DTYPES, True),
    ("isfinite", np.isfinite, "normal", FLOAT_DTYPES, True),
]


UNARY_EDGE = {"negative", "abs", "exp", "sqrt", "relu", "logical_not", "isnan", "tanh"}
UNARY_PARAMS = [
    pytest.param(n, f, k, d, e, shape, id=f"{n}-{d}-{len(shape)}d{'_empty' if 0 in shape else ''}")
    for n, f, k, ds, e in UNARY
    for d in ds
    for shape in ([(3, 4)] + ([(0, 2), ()] if n in UNARY_EDGE and d == ds[0] else []))
]


@pytest.mark.parametrize("name, fn, kind, dtype, exact, shape", UNARY_PARAMS)
def test_unary(backend, name, fn, kind, dtype, exact, shape):
    x = make(kind, shape, dtype)
    if name in ("isnan", "isfinite") and x.size >= 3:
        x.flat[:3] = [np.nan, np.inf, -np.inf]
    expected = fn(x.astype(np.float64) if dtype != "bool" and np.dtype(dtype).kind == "f" else x)
    if expected.dtype.kind == "f":
        expected = expected.astype(dtype)
    rtol = None if exact or dtype != "float64" else 1e-6
    check(backend, getattr(backend, name)(T(backend, x)), expected, rtol=rtol, atol=None if rtol is None else 1e-12)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_round_half_to_even(backend, dtype):
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 1.51, -3.7, 3.0], dtype)
    check(backend, backend.round(T(backend, x)), np.round(x))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_sigmoid_extremes(backend, dtype):
    x = np.array([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], dtype)
    out = N(backend, backend.sigmoid(T(backend, x)))
    assert np.all(np.isfinite(out))
    check(backend, backend.sigmoid(T(backend, x)), _sigmoid(x.astype(np.float64)).astype(dtype), rtol=1e-6)


@pytest.mark.parametrize("approximate, fn", [(True, _gelu_tanh), (False, _gelu_erf)])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_gelu(backend, approximate, fn, dtype):
    x = make("normal", (3, 5), dtype)
    expected = fn(x.astype(np.float64)).astype(dtype)
    check(
        backend,
        backend.gelu(T(backend, x), approximate=approximate),
        expected,
        rtol=1e-6 if dtype == "float64" else None,
    )


def test_gelu_default_is_tanh(backend):
    x = make("normal", (7,), "float64")
    check(backend, backend.gelu(T(backend, x)), _gelu_tanh(x), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_clip(backend, dtype):
    x = make("normal", (3, 4), dtype)
    lo, hi = (-1, 2) if dtype == "int32" else (-0.5, 1.25)
    check(backend, backend.clip(T(backend, x), lo, hi), np.clip(x, lo, hi).astype(dtype))


@pytest.mark.parametrize(
    "cshape, xshape, yshape", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (4,)), ((2, 3, 4), (3, 4), (2, 1, 1))]
)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_where(backend, cshape, xshape, yshape, dtype):
    c = make("normal", cshape, "bool", seed=1)
    x = make("normal", xshape, dtype, seed=2)
    y = make("normal", yshape, dtype, seed=3)
    check(backend, backend.where(T(backend, c), T(backend, x), T(backend, y)), np.where(c, x, y))


def test_where_python_scalar(backend):
    c = make("normal", (3, 4), "bool")
    x = make("normal", (3, 4), "float32")
    check(backend, backend.where(T(backend, c), T(backend, x), 0.0), np.where(c, x, np.float32(0)))


# ---------------------------------------------------------------------------- binary elementwise
# (op name, numpy function, y kind, dtypes)
BINARY = [
    ("add", np.add, "normal", NUM_DTYPES),
    ("subtract", np.subtract, "normal", NUM_DTYPES),
    ("multiply", np.multiply, "normal", NUM_DTYPES),
    ("divide", np.divide, "nonzero", FLOAT_DTYPES),
    ("floor_divide", np.floor_divide, "nonzero", NUM_DTYPES),
    ("mod", np.mod, "nonzero", NUM_DTYPES),
    ("power", np.power, "small_int", NUM_DTYPES),
    ("maximum", np.maximum, "ties", NUM_DTYPES),
    ("minimum", np.minimum, "ties", NUM_DTYPES),
    ("equal", np.equal, "ties", ["float32", "int32", "bool"]),
    ("not_equal", np.not_equal, "ties", ["float32", "int32", "bool"]),
    ("less", np.less, "ties", ["float32", "float64", "int32"]),
    ("less_equal", np.less_equal, "ties", ["float32", "int32"]),
    ("greater", np.greater, "ties", ["float32", "int32"]),
    ("greater_equal", np.greater_equal, "ties", ["float32", "float64", "int32"]),
    ("logical_and", np.logical_and, "normal", ["bool"]),
    ("logical_or", np.logical_or, "normal", ["bool"]),
]
COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}


def _binary_inputs(name, ykind, xshape, yshape, dtype):
    xkind = "pos" if name == "power" else ykind
    x = make(xkind, xshape, dtype, seed=1)
    y = make(ykind, yshape, dtype, seed=2)
    if name == "power" and dtype != "int32":
        y = (y - 1.5).astype(dtype)  # negative and fractional exponents of a positive base
    return x, y


BINARY_SHAPES = {"bcast": ((2, 1, 4), (3, 1)), "0d": ((4,), ()), "empty": ((0, 3), (3,))}
BINARY_FIRST = {n: ds[0] for n, _, _, ds in BINARY}
BINARY_PARAMS = [
    pytest.param(n, f, k, d, shapes, id=f"{n}-{d}-{shapes}")
    for n, f, k, ds in BINARY
    for d in ds
    for shapes in (["bcast"] + (["0d", "empty"] if d == ds[0] else []))
]


@pytest.mark.parametrize("name, fn, ykind, dtype, shapes", BINARY_PARAMS)
def test_binary(backend, name, fn, ykind, dtype, shapes):
    x, y = _binary_inputs(name, ykind, *BINARY_SHAPES[shapes], dtype)
    expected = fn(x, y)
    check(backend, getattr(backend, name)(T(backend, x), T(backend, y)), expected)
    if name != "power" and shapes == "bcast" and dtype == BINARY_FIRST[name]:  # operands swapped
        check(backend, getattr(backend, name)(T(backend, y), T(backend, x)), fn(y, x))


# (op, python scalar, dtype) -- the scalar takes the tensor's dtype, on either side
SCALAR_CASES = [
    ("add", 1.5, "float32"),
    ("add", 2, "float32"),
    ("add", 3, "int32"),
    ("subtract", 0.25, "float32"),
    ("subtract", 2, "int32"),
    ("multiply", 2.5, "float32"),
    ("multiply", 3, "int32"),
    ("multiply", 0.5, "float64"),
    ("divide", 4.0, "float32"),
    ("divide", 2, "float64"),
    ("maximum", 0.0, "float32"),
    ("minimum", 1, "int32"),
    ("power", 2.0, "float32"),
    ("power", 2, "int32"),
    ("floor_divide", 2, "int32"),
    ("mod", 3, "int32"),
    ("mod", 1.5, "float32"),
    ("less", 0.5, "float32"),
    ("greater_equal", 1, "int32"),
    ("equal", 0, "int32"),
]


@pytest.mark.parametrize("name, scalar, dtype", SCALAR_CASES)
def test_python_scalar_operand(backend, name, scalar, dtype):
    fn = getattr(np, name)
    x = make("pos" if name in ("power", "divide", "mod", "floor_divide") else "ties", (2, 3), dtype)
    s = np.asarray(scalar, dtype)
    check(backend, getattr(backend, name)(T(backend, x), scalar), fn(x, s))
    check(backend, getattr(backend, name)(scalar, T(backend, x)), fn(s, x))


@pytest.mark.parametrize("name", ["add", "multiply", "maximum", "less", "subtract"])
def test_numpy_operand(backend, name):
    x = make("normal", (2, 3), "float32", seed=1)
    y = make("normal", (3,), "float32", seed=2)
    fn = getattr(np, name)
    check(backend, getattr(backend, name)(T(backend, x), y), fn(x, y))
    check(backend, getattr(backend, name)(y, T(backend, x)), fn(y, x))


@pytest.mark.parametrize("name", ["exp", "abs", "sum", "relu", "square"])
def test_numpy_input_to_ops(backend, name):
    x = make("normal", (2, 3), "float32")
    fn = (lambda a: np.maximum(a, 0)) if name == "relu" else getattr(np, name)
    expected = fn(x.astype(np.float64)).astype(np.float32)
    check(backend, getattr(backend, name)(x), expected)


# ---------------------------------------------------------------------------- reductions
REDUCE_AXES = [(None, False), (0, True), (-1, False), ((0, 2), False), ((-1, -3), True), ((), False)]
# (op, numpy reference, dtypes, expected dtype for int input or None for "same as input")
REDUCTIONS = [
    ("sum", np.sum, ["float32", "float64", "int32"]),
    ("mean", np.mean, FLOAT_DTYPES),
    ("max", np.max, NUM_DTYPES),
    ("min", np.min, NUM_DTYPES),
    ("prod", np.prod, ["float32", "float64", "int32"]),
    ("var", np.var, FLOAT_DTYPES),
    ("logsumexp", scipy.special.logsumexp, FLOAT_DTYPES),
    ("any", np.any, ["bool"]),
    ("all", np.all, ["bool"]),
]
REDUCTIONS_FNS = [(n, f) for n, f, _ in REDUCTIONS]


def _reduce_expected(fn, x, axis, keepdims, dtype):
    if dtype in ("int32", "bool"):
        return fn(x, axis=axis, keepdims=keepdims)
    return np.asarray(fn(x.astype(np.float64), axis=axis, keepdims=keepdims)).astype(dtype)


def _int_reduction_dtype_ok(b, name, out, dtype):
    """np.sum / np.prod of int32 give int64 on Linux; the contract accepts int32 or int64 there."""
    if name in ("sum", "prod", "cumsum", "cumprod") and dtype == "int32":
        assert b.dtype_name(out) in ("int32", "int64")
        return b.dtype_name(out)
    return None


REDUCTION_PARAMS = [
    pytest.param(n, f, d, axis, keepdims, id=f"{n}-{d}-{axis}-{keepdims}")
    for n, f, ds in REDUCTIONS
    for d in ds
    for axis, keepdims in (REDUCE_AXES if d == ds[0] else [(None, False), ((-1, -3), True)])
]


@pytest.mark.parametrize("name, fn, dtype, axis, keepdims", REDUCTION_PARAMS)
def test_reduction(backend, name, fn, dtype, axis, keepdims):
    kind = "near1" if name == "prod" else "normal"
    x = make(kind, (2, 3, 4), dtype)
    if name == "prod" and dtype == "int32":
        x = make("ties", (2, 3, 4), dtype)
    expected = _reduce_expected(fn, x, axis, keepdims, dtype)
    out = getattr(backend, name)(T(backend, x), axis=axis, keepdims=keepdims)
    got_dtype = _int_reduction_dtype_ok(backend, name, out, dtype)
    rtol = 1e-10 if dtype == "float64" and name in ("var", "logsumexp", "mean", "prod") else None
    check(backend, out, expected.astype(got_dtype) if got_dtype else expected, dtype=got_dtype, rtol=rtol)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "logsumexp", "any", "all"])
def test_reduction_defaults(backend, name):
    x = make("normal", (3, 2), "bool" if name in ("any", "all") else "float32")
    expected = _reduce_expected(dict(REDUCTIONS_FNS)[name], x, None, False, x.dtype.name)
    check(backend, getattr(backend, name)(T(backend, x)), expected)


@pytest.mark.parametrize(
    "name, axis, keepdims",
    [
        ("sum", None, False),
        ("sum", 0, False),
        ("sum", 0, True),
        ("sum", 1, False),
        ("prod", None, False),
        ("prod", 0, False),
        ("prod", (0, 1), True),
        ("max", 1, False),
        ("min", 1, True),
        ("any", None, False),
        ("any", 0, False),
        ("all", None, False),
        ("all", 0, True),
        ("mean", 1, False),
        ("logsumexp", 1, False),
    ],
)
def test_reduction_empty(backend, name, axis, keepdims):
    dtype = "bool" if name in ("any", "all") else "float32"
    x = np.zeros((0, 3), dtype)
    expected = _reduce_expected(dict(REDUCTIONS_FNS)[name], x, axis, keepdims, dtype)
    check(backend, getattr(backend, name)(T(backend, x), axis=axis, keepdims=keepdims), expected)


def test_reduction_int_empty(backend):
    x = np.zeros((0, 2), np.int32)
    out = backend.sum(T(backend, x), axis=0)
    assert backend.dtype_name(out) in ("int32", "int64")
    np.testing.assert_array_equal(N(backend, out), [0, 0])
    np.testing.assert_array_equal(N(backend, backend.prod(T(backend, x))), 1)


@pytest.mark.parametrize("axis", [0, None])
def test_mean_of_empty_axis_shape(backend, axis):
    out = backend.mean(T(backend, np.zeros((0, 3), np.float32)), axis=axis)
    assert backend.shape(out) == np.zeros((0, 3)).sum(axis=axis).shape
    assert backend.dtype_name(out) == "float32"


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_logsumexp_stable(backend, dtype):
    x = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1001.0, -1002.0]], dtype)
    check(backend, backend.logsumexp(T(backend, x), axis=-1), scipy.special.logsumexp(x, axis=-1).astype(dtype))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize(
    "axis, dtype", [(None, "float32"), (0, "float32"), (1, "float32"), (-2, "float32"), (None, "int32"), (-1, "int32")]
)
def test_argmax_argmin(backend, name, axis, dtype):
    x = np.random.default_rng(3).permutation(12).reshape(3, 4).astype(dtype) - 5
    check(backend, getattr(backend, name)(T(backend, x), axis=axis), getattr(np, name)(x, axis=axis).astype(np.int32))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_first_occurrence(backend, name):
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0], [5.0, 5.0, 5.0, 5.0]], np.float32)
    for axis in (None, 1, -1, 0):
        check(
            backend, getattr(backend, name)(T(backend, x), axis=axis), getattr(np, name)(x, axis=axis).astype(np.int32)
        )


def test_argmax_default_flattens(backend):
    x = np.array([[1.0, 7.0], [9.0, 0.0]], np.float32)
    check(backend, backend.argmax(T(backend, x)), np.int32(2))
    check(backend, backend.argmin(T(backend, x)), np.int32(3))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize(
    "axis, dtype", [(None, "float32"), (0, "float32"), (1, "float32"), (-1, "float32"), (-1, "float64"), (0, "int32")]
)
def test_cumulative(backend, name, axis, dtype):
    x = make("unit" if name == "cumprod" else "normal", (2, 3, 2), dtype)
    if dtype == "int32":
        x = make("ties", (2, 3, 2), dtype)
    expected = getattr(np, name)(x.astype(np.float64) if dtype != "int32" else x, axis=axis)
    out = getattr(backend, name)(T(backend, x), axis=axis)
    got = _int_reduction_dtype_ok(backend, name, out, dtype)
    check(backend, out, expected.astype(got or dtype))


def test_cumsum_default_flattens(backend):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    check(backend, backend.cumsum(T(backend, x)), np.cumsum(x))
    check(backend, backend.cumprod(T(backend, x + 1)), np.cumprod(x + 1))


@pytest.mark.parametrize("shape, k", [((3, 6), 2), ((3, 6), 1), ((6,), 6), ((2, 2, 5), 3)])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_top_k(backend, shape, k, dtype):
    x = (np.random.default_rng(1).permutation(int(np.prod(shape))).reshape(shape) - 7).astype(dtype)
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    values, indices = backend.top_k(T(backend, x), k)
    check(backend, values, np.take_along_axis(x, idx, -1))
    check(backend, indices, idx.astype(np.int32))
    values, indices = backend.top_k(T(backend, x), k, sorted=True)
    check(backend, values, np.take_along_axis(x, idx, -1))


@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_sort_argsort(backend, axis, dtype):
    x = make("ties", (4, 5), dtype)  # many ties: argsort must be stable
    check(backend, backend.sort(T(backend, x), axis=axis), np.sort(x, axis=axis))
    check(backend, backend.argsort(T(backend, x), axis=axis), np.argsort(x, axis=axis, kind="stable").astype(np.int32))


def test_sort_default_axis(backend):
    x = make("normal", (3, 4), "float32")
    check(backend, backend.sort(T(backend, x)), np.sort(x))
    check(backend, backend.argsort(T(backend, x)), np.argsort(x, kind="stable").astype(np.int32))


# ---------------------------------------------------------------------------- shape ops
X234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

SHAPE_CASES = [
    ("reshape", lambda x: np.reshape(x, (4, 6)), ((4, 6),)),
    ("reshape", lambda x: np.reshape(x, (-1, 4)), ((-1, 4),)),
    ("reshape", lambda x: np.reshape(x, (24,)), ((24,),)),
    ("transpose", lambda x: np.transpose(x), ()),
    ("transpose", lambda x: np.transpose(x, (1, 0, 2)), ((1, 0, 2),)),
    ("transpose", lambda x: np.transpose(x, (2, 0, 1)), ((2, 0, 1),)),
    ("expand_dims", lambda x: np.expand_dims(x, 0), (0,)),
    ("expand_dims", lambda x: np.expand_dims(x, -1), (-1,)),
    ("expand_dims", lambda x: np.expand_dims(x, 2), (2,)),
    ("broadcast_to", lambda x: np.broadcast_to(x, (5, 2, 3, 4)), ((5, 2, 3, 4),)),
    ("tile", lambda x: np.tile(x, (1, 2, 1)), ((1, 2, 1),)),
    ("tile", lambda x: np.tile(x, (2, 1, 1, 2)), ((2, 1, 1, 2),)),
    ("repeat", lambda x: np.repeat(x, 2, axis=1), (2, 1)),
    ("repeat", lambda x: np.repeat(x, 3, axis=-1), (3, -1)),
    ("repeat", lambda x: np.repeat(x, 2), (2,)),
    ("pad", lambda x: np.pad(x, [(1, 0), (0, 2), (1, 1)]), ([(1, 0), (0, 2), (1, 1)],)),
    ("pad", lambda x: np.pad(x, [(0, 0), (2, 1), (0, 0)], constant_values=-1.5), ([(0, 0), (2, 1), (0, 0)], -1.5)),
    ("flip", lambda x: np.flip(x), ()),
    ("flip", lambda x: np.flip(x, 1), (1,)),
    ("flip", lambda x: np.flip(x, (0, -1)), ((0, -1),)),
    ("roll", lambda x: np.roll(x, 2), (2,)),
    ("roll", lambda x: np.roll(x, -1, axis=1), (-1, 1)),
    ("roll", lambda x: np.roll(x, 5, axis=-1), (5, -1)),
    ("slice", lambda x: x[1:2, 0:2, 1:4], ((1, 0, 1), (1, 2, 3))),
    ("slice", lambda x: x[0:2, 2:3, 0:0], ((0, 2, 0), (2, 1, 0))),
    ("take", lambda x: np.take(x, [2, 0, 2], axis=1), (np.array([2, 0, 2], np.int32), 1)),
    ("take", lambda x: np.take(x, [[3], [0]], axis=-1), (np.array([[3], [0]], np.int32), -1)),
    ("take", lambda x: np.take(x, [5, 23, 0]), (np.array([5, 23, 0], np.int32),)),
    ("take", lambda x: np.take(x, [1, 0], axis=0), (np.array([1, 0], np.int64), 0)),
]


SHAPE_PARAMS = [
    pytest.param(*case, dtype, id=f"{case[0]}{i}-{dtype}")
    for i, case in enumerate(SHAPE_CASES)
    for dtype in ("float32",) + ((("int32", "bool")[i % 2],) if i % 3 == 0 else ())
]


@pytest.mark.parametrize("name, fn, args, dtype", SHAPE_PARAMS)
def test_shape_op(backend, name, fn, args, dtype):
    x = X234.astype(dtype) if dtype != "bool" else (X234 % 3 == 0)
    if name == "pad" and len(args) == 2:
        args = (args[0], {"float32": -1.5, "int32": 2, "bool": True}[dtype])
        expected = np.pad(x, args[0], constant_values=args[1])
    else:
        expected = fn(x)
    args = tuple(T(backend, a) if isinstance(a, np.ndarray) else a for a in args)
    check(backend, getattr(backend, name)(T(backend, x), *args), expected)


@pytest.mark.parametrize(
    "shape, axis", [((1, 3, 1, 2), None), ((1, 3, 1, 2), 0), ((1, 3, 1, 2), -2), ((1, 3, 1, 2), (0, 2)), ((1,), None)]
)
def test_squeeze(backend, shape, axis):
    x = make("normal", shape, "float32")
    check(backend, backend.squeeze(T(backend, x), axis), np.squeeze(x, axis))


@pytest.mark.parametrize(
    "shapes, axis",
    [
        ([(2, 3), (4, 3)], 0),
        ([(2, 3), (2, 1), (2, 2)], 1),
        ([(2, 3), (2, 2)], -1),
        ([(0, 3), (2, 3)], 0),
        ([(2, 0), (2, 3), (2, 0)], -1),
        ([(0, 3), (0, 3)], 0),
        ([(2, 3)], 0),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_concatenate(backend, shapes, axis, dtype):
    xs = [make("normal", s, dtype, seed=i) for i, s in enumerate(shapes)]
    check(backend, backend.concatenate([T(backend, x) for x in xs], axis=axis), np.concatenate(xs, axis=axis))
    check(backend, backend.concatenate(tuple(T(backend, x) for x in xs), axis), np.concatenate(xs, axis))


def test_concatenate_default_axis(backend):
    xs = [make("normal", (1, 2), "float32", seed=i) for i in range(3)]
    check(backend, backend.concatenate([T(backend, x) for x in xs]), np.concatenate(xs))


@pytest.mark.parametrize("axis", [0, 1, -1, 2, -3])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_stack(backend, axis, dtype):
    xs = [make("normal", (2, 3), dtype, seed=i) for i in range(3)]
    check(backend, backend.stack([T(backend, x) for x in xs], axis=axis), np.stack(xs, axis=axis))


def test_stack_default_axis_and_0d(backend):
    xs = [np.float32(i) for i in range(3)]
    check(backend, backend.stack([T(backend, x) for x in xs]), np.stack(xs))


@pytest.mark.parametrize(
    "shape, sections, axis",
    [((6, 2), 3, 0), ((2, 6), 2, -1), ((7, 2), [2, 5], 0), ((2, 7), [1, 1, 4], 1), ((4, 3), [0, 4], 0), ((3, 1), 1, 0)],
)
def test_split(backend, shape, sections, axis):
    x = make("normal", shape, "float32")
    out = backend.split(T(backend, x), sections, axis=axis)
    expected = np.split(x, sections, axis=axis)
    assert isinstance(out, list) and len(out) == len(expected)
    for o, e in zip(out, expected, strict=True):
        check(backend, o, e)


def test_split_default_axis(backend):
    x = make("normal", (4, 2), "int32")
    out = backend.split(T(backend, x), 2)
    assert isinstance(out, list)
    for o, e in zip(out, np.split(x, 2), strict=True):
        check(backend, o, e)


@pytest.mark.parametrize(
    "shape, indices, axis",
    [
        ((3, 4), [[0, 2], [1, 0], [2, 3]], 1),
        ((3, 4), [[0, 2, 1, 0]], 0),
        ((2, 3, 4), np.zeros((2, 3, 1), int), -1),
        ((2, 3, 4), np.ones((2, 2, 4), int), 1),
        ((5,), [4, 0, 0], 0),
        ((5,), [3], 0),
    ],
)
def test_take_along_axis(backend, shape, indices, axis):
    x = make("normal", shape, "float32")
    idx = np.asarray(indices, np.int32)
    check(backend, backend.take_along_axis(T(backend, x), T(backend, idx), axis), np.take_along_axis(x, idx, axis))


@pytest.mark.parametrize(
    "shape, indices",
    [
        ((4, 3), [[0], [2]]),
        ((4, 3), [[0, 1], [3, 2], [1, 1]]),
        ((2, 3, 4), [[1, 0]]),
        ((2, 3, 4), [[0, 2, 3], [1, 1, 1]]),
    ],
)
def test_scatter_update(backend, shape, indices):
    _scatter_check(backend, shape, indices, "float32")


def test_scatter_update_int(backend):
    _scatter_check(backend, (4, 3), [[0, 1], [3, 2]], "int32")


def _scatter_check(backend, shape, indices, dtype):
    x = make("normal", shape, dtype)
    idx = np.asarray(indices, np.int32)
    updates = make("normal", (idx.shape[0], *shape[idx.shape[1] :]), dtype, seed=5)
    expected = x.copy()
    for i, row in enumerate(idx):
        expected[tuple(row)] = updates[i]
    xt = T(backend, x)
    check(backend, backend.scatter_update(xt, T(backend, idx), T(backend, updates)), expected)
    check(backend, xt, x)  # x itself unchanged


@pytest.mark.parametrize(
    "indices, num_classes, dtype",
    [
        ([0, 2, 1], 3, "float32"),
        ([[0, 3], [1, 2]], 4, "float32"),
        ([0, -1, 3, 5, 2], 4, "float32"),
        ([1, 0], 2, "int32"),
        ([2, -3, 0], 3, "float64"),
    ],
)
def test_one_hot(backend, indices, num_classes, dtype):
    idx = np.asarray(indices, np.int32)
    expected = np.zeros(idx.shape + (num_classes,), dtype)
    for pos in np.ndindex(idx.shape):
        if 0 <= idx[pos] < num_classes:
            expected[pos + (idx[pos],)] = 1
    check(backend, backend.one_hot(T(backend, idx), num_classes, dtype), expected)


def test_one_hot_default_dtype(backend):
    check(backend, backend.one_hot(T(backend, np.array([1, 0], np.int32)), 2), np.eye(2, dtype=np.float32)[[1, 0]])


# ---------------------------------------------------------------------------- linear algebra
@pytest.mark.parametrize(
    "xshape, yshape",
    [
        ((3, 4), (4, 5)),
        ((2, 3, 4), (4, 5)),
        ((2, 1, 3, 4), (3, 4, 2)),
        ((2, 3, 4), (2, 4, 1)),
        ((0, 4), (4, 2)),
        ((3, 0), (0, 2)),
    ],
)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_matmul(backend, xshape, yshape, dtype):
    x = make("normal", xshape, dtype, seed=1)
    y = make("normal", yshape, dtype, seed=2)
    check(
        backend,
        backend.matmul(T(backend, x), T(backend, y)),
        np.matmul(x, y).astype(dtype),
        rtol=1e-10 if dtype == "float64" else None,
    )


@pytest.mark.parametrize(
    "subscripts, shapes",
    [
        ("ij,jk->ik", [(3, 4), (4, 2)]),
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("ij->ji", [(3, 4)]),
        ("ij->j", [(3, 4)]),
        ("bi,bi->b", [(3, 4), (3, 4)]),
        ("i,j->ij", [(3,), (2,)]),
        ("abc,cd,ad->ab", [(2, 3, 4), (4, 5), (2, 5)]),
    ],
)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_einsum(backend, subscripts, shapes, dtype):
    xs = [make("normal", s, dtype, seed=i) for i, s in enumerate(shapes)]
    check(
        backend,
        backend.einsum(subscripts, *[T(backend, x) for x in xs]),
        np.einsum(subscripts, *xs),
        rtol=1e-10 if dtype == "float64" else None,
    )


@pytest.mark.parametrize(
    "xshape, yshape, axes",
    [
        ((3, 4), (4, 5), 1),
        ((2, 3, 4), (3, 4, 5), 2),
        ((3, 4), (4, 5), [[1], [0]]),
        ((2, 3, 4), (4, 2, 5), [[0, 2], [1, 0]]),
        ((3,), (2,), 0),
    ],
)
def test_tensordot(backend, xshape, yshape, axes):
    x = make("normal", xshape, "float32", seed=1)
    y = make("normal", yshape, "float32", seed=2)
    check(backend, backend.tensordot(T(backend, x), T(backend, y), axes), np.tensordot(x, y, axes).astype(np.float32))


def test_tensordot_default_axes(backend):
    x = make("normal", (2, 3, 4), "float32", seed=1)
    y = make("normal", (3, 4, 2), "float32", seed=2)
    check(backend, backend.tensordot(T(backend, x), T(backend, y)), np.tensordot(x, y).astype(np.float32))


# ---------------------------------------------------------------------------- nn
def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis, dtype", [(-1, "float32"), (0, "float32"), (1, "float32"), (-1, "float64")])
def test_softmax_log_softmax(backend, axis, dtype):
    x = make("normal", (3, 4, 2), dtype) * 3
    x[0, 0, 0] = 500.0  # stability
    x64 = x.astype(np.float64)
    rtol = 1e-10 if dtype == "float64" else None
    check(backend, backend.softmax(T(backend, x), axis=axis), _softmax(x64, axis).astype(dtype), rtol=rtol)
    expected = x64 - scipy.special.logsumexp(x64, axis=axis, keepdims=True)
    check(
        backend,
        backend.log_softmax(T(backend, x), axis=axis),
        expected.astype(dtype),
        rtol=rtol,
        atol=1e-5 if dtype == "float32" else None,
    )


def test_softmax_default_axis(backend):
    x = make("normal", (2, 5), "float32")
    check(backend, backend.softmax(T(backend, x)), _softmax(x.astype(np.float64), -1).astype(np.float32))
    check(
        backend,
        backend.log_softmax(T(backend, x)),
        (x - scipy.special.logsumexp(x, axis=-1, keepdims=True)).astype(np.float32),
        atol=1e-5,
    )


# (input spatial shape, kernel size, strides, padding, dilation, data format)
CONV_CASES = [
    ((7,), (3,), (1,), "valid", (1,), "channels_last"),
    ((7,), (3,), (2,), "same", (1,), "channels_last"),
    ((7,), (3,), (2,), "same", (1,), "channels_first"),
    ((8,), (4,), (2,), "same", (1,), "channels_last"),
    ((9,), (3,), (1,), "same", (2,), "channels_first"),
    ((9,), (2,), (3,), "valid", (1,), "channels_last"),
    ((6, 7), (3, 3), (1, 1), "valid", (1, 1), "channels_last"),
    ((6, 7), (3, 3), (1, 1), "valid", (1, 1), "channels_first"),
    ((7, 6), (3, 2), (2, 2), "same", (1, 1), "channels_last"),
    ((7, 6), (3, 2), (2, 2), "same", (1, 1), "channels_first"),
    ((5, 5), (2, 2), (1, 1), "same", (1, 1), "channels_last"),
    ((7, 8), (3, 3), (1, 1), "same", (2, 2), "channels_last"),
    ((7, 8), (3, 3), (1, 1), "same", (2, 2), "channels_first"),
    ((8, 7), (3, 2), (1, 1), "valid", (2, 1), "channels_last"),
    ((7, 7), (1, 1), (2, 3), "valid", (1, 1), "channels_first"),
    ((5, 6, 4), (2, 3, 2), (1, 1, 1), "valid", (1, 1, 1), "channels_last"),
    ((5, 4, 5), (3, 2, 3), (2, 2, 1), "same", (1, 1, 1), "channels_last"),
    ((5, 4, 5), (3, 2, 3), (2, 2, 1), "same", (1, 1, 1), "channels_first"),
    ((6, 5, 4), (2, 2, 2), (1, 1, 1), "same", (2, 1, 1), "channels_last"),
]


@pytest.mark.parametrize(
    "spatial, ksize, strides, padding, dilation, data_format", CONV_CASES, ids=lambda v: str(v).replace(" ", "")
)
def test_conv(backend, spatial, ksize, strides, padding, dilation, data_format):
    cin, cout = 3, 4
    x = make("normal", (2, *spatial, cin), "float32", seed=1)
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    k = make("normal", (*ksize, cin, cout), "float32", seed=2)
    expected = ref.conv(x, k, strides, padding, data_format, dilation)
    out = backend.conv(T(backend, x), T(backend, k), strides, padding, data_format, dilation)
    check(backend, out, expected, atol=1e-5)


# (input spatial shape, pool size, strides, padding, data format)
POOL_CASES = [
    ((6,), (2,), (2,), "valid", "channels_last"),
    ((7,), (3,), (2,), "same", "channels_last"),
    ((7,), (3,), (2,), "same", "channels_first"),
    ((5,), (2,), (1,), "same", "channels_last"),
    ((6, 6), (2, 2), (2, 2), "valid", "channels_first"),
    ((7, 5), (3, 3), (2, 2), "same", "channels_last"),
    ((7, 5), (3, 3), (2, 2), "same", "channels_first"),
    ((5, 6), (3, 3), (1, 1), "same", "channels_last"),
    ((6, 7), (2, 3), (1, 2), "same", "channels_last"),
    ((7, 7), (3, 2), (2, 1), "valid", "channels_last"),
    ((4, 5, 6), (2, 2, 2), (2, 2, 2), "valid", "channels_first"),
    ((5, 4, 5), (3, 2, 3), (2, 1, 2), "same", "channels_last"),
    ((5, 4, 5), (3, 2, 3), (2, 1, 2), "same", "channels_first"),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(
    "spatial, pool, strides, padding, data_format", POOL_CASES, ids=lambda v: str(v).replace(" ", "")
)
def test_pool(backend, kind, spatial, pool, strides, padding, data_format):
    x = make("normal", (2, *spatial, 3), "float32", seed=1) - 4.0  # all negative-ish: zero padding would win max
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    expected = (ref.max_pool if kind == "max" else ref.avg_pool)(x, pool, strides, padding, data_format)
    out = (backend.max_pool if kind == "max" else backend.avg_pool)(T(backend, x), pool, strides, padding, data_format)
    check(backend, out, expected)


# ---------------------------------------------------------------------------- grouped and transposed conv
# (input spatial shape, kernel size, strides, padding, dilation, data format, in channels, out channels, groups)
GROUPED_CONV_CASES = [
    ((7,), (3,), (1,), "valid", (1,), "channels_last", 4, 6, 2),
    ((8,), (3,), (2,), "same", (1,), "channels_first", 4, 8, 4),  # depthwise, multiplier 2
    ((9,), (3,), (2,), "same", (2,), "channels_last", 3, 3, 3),  # depthwise, strides with dilation
    ((6, 7), (3, 3), (1, 1), "same", (1, 1), "channels_last", 6, 4, 2),
    ((6, 7), (3, 2), (2, 2), "same", (1, 1), "channels_first", 4, 4, 4),
    ((7, 8), (3, 3), (2, 2), "valid", (2, 1), "channels_last", 2, 4, 2),  # strides with dilation
    ((7, 7), (2, 2), (1, 1), "same", (2, 2), "channels_first", 3, 6, 3),
    ((8, 7), (3, 3), (2, 3), "same", (2, 2), "channels_first", 3, 3, 3),  # depthwise, strides with dilation
    ((4, 5, 4), (2, 3, 2), (1, 2, 1), "same", (1, 1, 1), "channels_last", 4, 6, 2),
    ((5, 4, 4), (2, 2, 2), (1, 1, 1), "valid", (1, 1, 1), "channels_first", 3, 3, 3),
    ((4, 4, 3), (3, 1, 2), (1, 1, 1), "same", (1, 1, 1), "channels_last", 2, 3, 1),
]
# The composed default (which a new adapter gets for free) on a few cases; it runs `conv` per group,
# so it inherits conv's limits (TensorFlow: no strides together with dilation)
GROUPED_DEFAULT_CASES = [GROUPED_CONV_CASES[i] for i in (1, 3, 6, 9)]


def _grouped_inputs(spatial, ksize, data_format, cin, cout, groups, dtype="float32"):
    x = make("normal", (2, *spatial, cin), dtype, seed=1)
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x, make("normal", (*ksize, cin // groups, cout), dtype, seed=2)


@pytest.mark.parametrize(
    "impl, case",
    [("native", c) for c in GROUPED_CONV_CASES] + [("default", c) for c in GROUPED_DEFAULT_CASES],
    ids=lambda v: str(v).replace(" ", ""),
)
def test_grouped_conv(backend, impl, case):
    spatial, ksize, strides, padding, dilation, data_format, cin, cout, groups = case
    x, k = _grouped_inputs(spatial, ksize, data_format, cin, cout, groups)
    expected = ref.grouped_conv(x, k, strides, padding, data_format, dilation, groups)
    # "default": the base class's composition, which a new adapter gets for free
    fn = backend.grouped_conv if impl == "native" else functools.partial(Backend.grouped_conv, backend)
    out = fn(T(backend, x), T(backend, k), strides, padding, data_format, dilation, groups)
    check(backend, out, expected, atol=1e-5)


# (input spatial shape, kernel size, strides, padding, output padding, dilation, data format)
CONV_TRANSPOSE_CASES = [
    ((5,), (3,), (2,), "valid", None, (1,), "channels_last"),
    ((5,), (3,), (2,), "same", None, (1,), "channels_first"),  # odd crop: the extra cell is cut at the end
    ((4,), (2,), (3,), "valid", None, (1,), "channels_last"),  # kernel < stride: default output_padding 1
    ((4,), (2,), (2,), "same", (0,), (1,), "channels_last"),  # even kernel, no output padding
    ((5,), (4,), (2,), "same", (1,), (1,), "channels_last"),
    ((4,), (3,), (2,), "valid", (2,), (1,), "channels_first"),  # output_padding >= stride: zero cells at the end
    ((6,), (3,), (1,), "same", None, (2,), "channels_last"),  # dilation
    ((4, 5), (3, 3), (2, 2), "same", None, (1, 1), "channels_last"),
    ((4, 5), (3, 2), (2, 1), "valid", (1, 0), (1, 1), "channels_first"),
    ((4, 3), (2, 2), (1, 1), "same", None, (1, 1), "channels_last"),
    ((4, 4), (4, 3), (2, 3), "same", (0, 2), (1, 1), "channels_first"),
    ((5, 4), (3, 2), (1, 1), "valid", None, (2, 2), "channels_first"),
    ((3, 4, 3), (2, 3, 2), (2, 1, 3), "same", None, (1, 1, 1), "channels_last"),  # stride > kernel in 3-D
    ((3, 3, 2), (3, 2, 2), (2, 2, 1), "valid", (1, 0, 0), (1, 1, 1), "channels_first"),
]


def _transpose_inputs(spatial, ksize, data_format, cin=3, filters=2, dtype="float32"):
    x = make("normal", (2, *spatial, cin), dtype, seed=1)
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x, make("normal", (*ksize, filters, cin), dtype, seed=2)


CONV_TRANSPOSE_DEFAULT_CASES = [CONV_TRANSPOSE_CASES[i] for i in (1, 3, 5, 6, 8, 11, 12)]


@pytest.mark.parametrize(
    "impl, spatial, ksize, strides, padding, output_padding, dilation, data_format",
    [("native", *c) for c in CONV_TRANSPOSE_CASES] + [("default", *c) for c in CONV_TRANSPOSE_DEFAULT_CASES],
    ids=lambda v: str(v).replace(" ", ""),
)
def test_conv_transpose(backend, impl, spatial, ksize, strides, padding, output_padding, dilation, data_format):
    x, k = _transpose_inputs(spatial, ksize, data_format)
    expected = ref.conv_transpose(x, k, strides, padding, output_padding, data_format, dilation)
    fn = backend.conv_transpose if impl == "native" else functools.partial(Backend.conv_transpose, backend)
    out = fn(T(backend, x), T(backend, k), strides, padding, data_format, dilation, output_padding)
    check(backend, out, expected, atol=1e-5)


def test_conv_transpose_geometry():
    # Keras's output lengths; the crop of "same" keeps the odd cell for the end
    assert conv_transpose_geometry(5, 3, 2, "valid") == (11, 0)
    assert conv_transpose_geometry(4, 2, 3, "valid") == (12, 0)
    assert conv_transpose_geometry(4, 2, 3, "valid", output_padding=2) == (13, 0)
    assert conv_transpose_geometry(5, 3, 2, "same") == (10, 0)
    assert conv_transpose_geometry(5, 4, 2, "same") == (10, 1)
    assert conv_transpose_geometry(5, 5, 1, "same") == (5, 2)
    assert conv_transpose_geometry(4, 2, 2, "same", output_padding=0) == (6, 1)
    assert conv_transpose_geometry(6, 3, 1, "same", dilation=2) == (6, 2)
    with pytest.raises(ValueError, match="causal"):
        conv_transpose_geometry(4, 2, 2, "causal")


# name -> (fn(backend, x, kernel) -> tensor, reference(x, kernel), x shape, kernel shape)
CONV_GRAD_CASES = {
    "grouped_conv": (
        lambda b, x, k: b.grouped_conv(x, k, (2,), "same", "channels_last", (1,), 2),
        lambda x, k: ref.grouped_conv(x, k, (2,), "same", "channels_last", (1,), 2),
        (1, 5, 4),
        (3, 2, 4),
    ),
    "depthwise_strided_dilated": (
        lambda b, x, k: b.grouped_conv(x, k, (2, 2), "same", "channels_first", (2, 2), 2),
        lambda x, k: ref.grouped_conv(x, k, (2, 2), "same", "channels_first", (2, 2), 2),
        (1, 2, 5, 4),
        (2, 2, 1, 2),
    ),
    "conv_transpose_1d": (
        lambda b, x, k: b.conv_transpose(x, k, (2,), "same", "channels_first", (1,), None),
        lambda x, k: ref.conv_transpose(x, k, (2,), "same", None, "channels_first", (1,)),
        (1, 2, 3),
        (3, 2, 2),
    ),
    "conv_transpose_2d": (
        lambda b, x, k: b.conv_transpose(x, k, (2, 1), "valid", "channels_last", (1, 1), (1, 0)),
        lambda x, k: ref.conv_transpose(x, k, (2, 1), "valid", (1, 0), "channels_last", (1, 1)),
        (1, 2, 3, 2),
        (2, 2, 1, 2),
    ),
}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", list(CONV_GRAD_CASES))
def test_conv_gradients(backend, case, dtype):
    """Gradients of ``sum(out * weights)`` for the input and the kernel against central differences of
    the float64 NumPy reference (float32 too: some frameworks run other kernels for it)."""
    fn, reference, xshape, kshape = CONV_GRAD_CASES[case]
    rng = np.random.default_rng(5)
    x0, k0 = rng.normal(size=xshape).astype(dtype), rng.normal(size=kshape).astype(dtype)
    weights = rng.normal(size=reference(x0, k0).shape).astype(dtype)
    xv, kv = Variable(x0, dtype=dtype), Variable(k0, dtype=dtype)
    w = backend.convert_to_tensor(weights)

    def loss():
        return backend.sum(backend.multiply(fn(backend, xv.value, kv.value), w))

    value, grads = backend.value_and_grad(loss, [xv, kv])()
    x64, k64, w64 = x0.astype(np.float64), k0.astype(np.float64), weights.astype(np.float64)
    rtol, atol = (1e-6, 1e-7) if dtype == "float64" else (1e-4, 1e-5)
    value_rtol = 1e-10 if dtype == "float64" else 1e-5
    check(backend, value, np.asarray(np.sum(reference(x64, k64) * w64), dtype), rtol=value_rtol, atol=atol)
    want_x = _fd_grad(lambda x: np.sum(reference(x, k64) * w64), x64)
    want_k = _fd_grad(lambda k: np.sum(reference(x64, k) * w64), k64)
    check(backend, grads[0], want_x.astype(dtype), rtol=rtol, atol=atol)
    check(backend, grads[1], want_k.astype(dtype), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------- random
def _seeds(b):
    """(base, python-int counter) and (base, 0-d int32 tensor counter) for counter 5."""
    return [(11, 5), (11, b.convert_to_tensor(np.int32(5)))]


RANDOM_DRAWS = {
    "uniform": lambda b, shape, dtype, seed: b.random_uniform(shape, -2.0, 3.0, dtype, seed),
    "normal": lambda b, shape, dtype, seed: b.random_normal(shape, 1.0, 2.0, dtype, seed),
    "randint": lambda b, shape, dtype, seed: b.random_randint(shape, -3, 4, dtype, seed),
}
RANDOM_DTYPES = {"uniform": FLOAT_DTYPES, "normal": FLOAT_DTYPES, "randint": ["int32", "int64"]}
RSHAPE = (100, 200)  # one shape for every draw keeps compiled-RNG frameworks (jax) from recompiling


@pytest.mark.parametrize("seed_kind", [0, 1], ids=["int_counter", "tensor_counter"])
@pytest.mark.parametrize(
    "draw, dtype", [pytest.param(k, d, id=f"{k}-{d}") for k, ds in RANDOM_DTYPES.items() for d in ds]
)
def test_random_determinism(backend, draw, dtype, seed_kind):
    seed = _seeds(backend)[seed_kind]
    fn = RANDOM_DRAWS[draw]
    a = fn(backend, RSHAPE, dtype, seed)
    assert backend.shape(a) == RSHAPE and backend.dtype_name(a) == dtype
    b = fn(backend, RSHAPE, dtype, seed)
    np.testing.assert_array_equal(N(backend, a), N(backend, b))
    other = (11, 6) if seed_kind == 0 else (11, backend.convert_to_tensor(np.int32(6)))
    c = fn(backend, RSHAPE, dtype, other)
    assert not np.array_equal(N(backend, a), N(backend, c)), "a different counter must give different numbers"
    d = fn(backend, RSHAPE, dtype, (12, 5))
    assert not np.array_equal(N(backend, a), N(backend, d)), "a different base must give different numbers"


@pytest.mark.parametrize("draw", ["uniform", "normal", "randint"])
def test_random_int_and_tensor_counter_agree(backend, draw):
    dtype = "int32" if draw == "randint" else "float32"
    a, b = (N(backend, RANDOM_DRAWS[draw](backend, RSHAPE, dtype, s)) for s in _seeds(backend))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_random_uniform_range(backend, dtype):
    x = N(backend, backend.random_uniform(RSHAPE, -2.0, 3.0, dtype, (3, 0)))
    assert x.min() >= -2.0 and x.max() < 3.0
    assert abs(x.mean() - 0.5) < 0.05 and abs(x.std() - 5 / math.sqrt(12)) < 0.05
    y = N(backend, backend.random_uniform(RSHAPE, 0.0, 1.0, dtype, (3, 1)))
    assert y.min() >= 0.0 and y.max() < 1.0


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_random_normal_moments(backend, dtype):
    x = N(backend, backend.random_normal(RSHAPE, 1.0, 2.0, dtype, (4, 0)))
    assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 2.0) < 0.05
    z = N(backend, backend.random_normal((7, 5), 0.0, 1.0, dtype, (4, 1)))
    assert z.shape == (7, 5) and np.all(np.isfinite(z))


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_random_randint_range(backend, dtype):
    x = N(backend, backend.random_randint(RSHAPE, -3, 4, dtype, (5, 0)))
    assert x.dtype == np.dtype(dtype)
    assert set(np.unique(x).tolist()) == set(range(-3, 4))
    counts = np.bincount(x.ravel() + 3) / x.size
    np.testing.assert_allclose(counts, 1 / 7, atol=0.03)


@pytest.mark.parametrize("counter", [0, 1], ids=["int_counter", "tensor_counter"])
def test_random_categorical(backend, counter):
    logits = np.array([[0.0, 1.0, 2.0, -1.0], [3.0, 0.0, 0.0, -50.0]], np.float32)
    seed = (7, 3) if counter == 0 else (7, backend.convert_to_tensor(np.int32(3)))
    out = backend.random_categorical(T(backend, logits), 20000, seed)
    assert backend.shape(out) == (2, 20000) and backend.dtype_name(out) == "int32"
    draws = N(backend, out)
    assert draws.min() >= 0 and draws.max() < 4
    probs = _softmax(logits.astype(np.float64), -1)
    for row in range(2):
        freq = np.bincount(draws[row], minlength=4) / 20000
        np.testing.assert_allclose(freq, probs[row], atol=0.03)
    assert (draws[1] == 3).sum() == 0
    np.testing.assert_array_equal(draws, N(backend, backend.random_categorical(T(backend, logits), 20000, seed)))
    other = N(backend, backend.random_categorical(T(backend, logits), 20000, (7, 4)))
    assert not np.array_equal(draws, other)


@pytest.mark.parametrize("shape, dtype", [((10, 3), "float32"), ((12,), "int32"), ((8, 2, 2), "float64")])
@pytest.mark.parametrize("counter", [0, 1], ids=["int_counter", "tensor_counter"])
def test_random_shuffle(backend, shape, dtype, counter):
    x = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    seed = (9, 2) if counter == 0 else (9, backend.convert_to_tensor(np.int32(2)))
    out = backend.random_shuffle(T(backend, x), seed)
    assert backend.dtype_name(out) == dtype and backend.shape(out) == shape
    got = N(backend, out)
    order = got.reshape(shape[0], -1)[:, 0] // (x.size // shape[0])
    assert sorted(order.astype(int).tolist()) == list(range(shape[0]))  # rows are a permutation ...
    np.testing.assert_array_equal(got, x[order.astype(int)])  # ... of x's rows, kept whole
    assert not np.array_equal(got, x)
    np.testing.assert_array_equal(got, N(backend, backend.random_shuffle(T(backend, x), seed)))


# ---------------------------------------------------------------------------- variables
@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.array([[1, -2], [3, 4]], np.int32),
        np.array(2.5, np.float32),
        np.array(7, np.int32),
        np.arange(3, dtype=np.float64),
    ],
    ids=["f32", "i32", "f32_0d", "i32_0d", "f64"],
)
@pytest.mark.parametrize("trainable", [True, False])
def test_variable_adapter_methods(backend, value, trainable):
    h = backend.variable_create(value, trainable)
    check(backend, backend.variable_read(h), value)
    new = (value * 2 + 1).astype(value.dtype)
    h2 = backend.variable_assign(h, T(backend, new))
    check(backend, backend.variable_read(h2), new)
    newer = np.asarray(new - 1, value.dtype)
    h3 = backend.variable_assign(h2, newer)  # a NumPy value
    check(backend, backend.variable_read(h3), newer)
    check(backend, backend.variable_read(h3), newer)  # persists across reads


def test_variable_create_copies_value(backend):
    value = np.arange(3, dtype=np.float32)
    h = backend.variable_create(value, True)
    value[:] = -1
    check(backend, backend.variable_read(h), np.arange(3, dtype=np.float32))


def test_variable_assign_casts(backend):
    h = backend.variable_create(np.zeros(3, np.float32), True)
    h = backend.variable_assign(h, T(backend, np.array([1.5, 2.5, 3.5], np.float64)))
    check(backend, backend.variable_read(h), np.array([1.5, 2.5, 3.5], np.float32))


@pytest.mark.parametrize(
    "value",
    [np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], np.int32), np.array(0.5, np.float32)],
    ids=["f32", "i32", "0d"],
)
@pytest.mark.parametrize("trainable", [True, False])
def test_variable_class(backend, value, trainable):
    v = Variable(value, trainable=trainable, name="v")
    assert v.backend is backend and v.dtype == value.dtype.name and v.shape == value.shape
    assert v.trainable is trainable
    check(backend, v.value, value)
    np.testing.assert_array_equal(v.numpy(), value)

    def plus(k):
        return np.asarray(value + k, value.dtype)

    v.assign(T(backend, plus(1)))
    check(backend, v.value, plus(1))
    v.assign_add(T(backend, np.ones_like(value)))
    check(backend, v.value, plus(2))
    v.assign_sub(T(backend, np.ones_like(value)))
    check(backend, v.value, plus(1))
    check(backend, backend.add(v.value, v.value), np.asarray(plus(1) * 2, value.dtype))


def test_variable_from_tensor_and_initializer(backend):
    v = Variable(T(backend, np.ones((2,), np.float64)), dtype="float32")
    check(backend, v.value, np.ones(2, np.float32))
    w = Variable(lambda shape, dtype: np.full(shape, 3, dtype), shape=(2, 2), dtype="int32")
    check(backend, w.value, np.full((2, 2), 3, np.int32))


# ---------------------------------------------------------------------------- value_and_grad
def _linear_data():
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(5, 3)).astype(np.float32),
        rng.normal(size=(3, 2)).astype(np.float32),
        rng.normal(size=(2,)).astype(np.float32),
    )


def test_value_and_grad_closed_form(backend):
    x, w0, b0 = _linear_data()
    w, b = Variable(w0), Variable(b0)
    xt = T(backend, x)

    def f(inp):
        r = backend.add(backend.matmul(inp, w.value), b.value)
        return backend.sum(backend.square(r))

    value, grads = backend.value_and_grad(f, [w, b])(xt)
    r = x.astype(np.float64) @ w0 + b0
    check(backend, value, np.float32((r**2).sum()), rtol=1e-5)
    assert isinstance(grads, (list, tuple)) and len(grads) == 2
    check(backend, grads[0], (2 * x.T.astype(np.float64) @ r).astype(np.float32), atol=1e-5)
    check(backend, grads[1], (2 * r.sum(0)).astype(np.float32), atol=1e-5)
    check(backend, w.value, w0)  # variables untouched


def test_value_and_grad_aux_kwargs_and_unused(backend):
    x, w0, _ = _linear_data()
    w = Variable(w0)
    unused = Variable(np.ones((4,), np.float32))
    unused64 = Variable(np.ones((2, 2), np.float64), dtype="float64")

    def f(inp, scale=1.0):
        y = backend.matmul(inp, w.value)
        return backend.multiply(backend.sum(y), scale), y

    (value, aux), grads = backend.value_and_grad(f, [unused, w, unused64], has_aux=True)(T(backend, x), scale=3.0)
    check(backend, value, np.float32(3 * (x.astype(np.float64) @ w0).sum()), rtol=1e-5, atol=1e-5)
    check(backend, aux, (x.astype(np.float64) @ w0).astype(np.float32), atol=1e-5)
    assert len(grads) == 3
    check(backend, grads[0], np.zeros(4, np.float32))
    check(backend, grads[1], np.repeat(3 * x.sum(0, dtype=np.float64)[:, None], 2, 1).astype(np.float32), atol=1e-5)
    check(backend, grads[2], np.zeros((2, 2), np.float64))


def test_value_and_grad_stop_gradient(backend):
    w = Variable(np.array([1.0, 2.0, 3.0], np.float32))

    def f():
        return backend.sum(backend.multiply(w.value, backend.stop_gradient(w.value)))

    value, (g,) = backend.value_and_grad(f, [w])()
    check(backend, value, np.float32(14.0))
    check(backend, g, np.array([1.0, 2.0, 3.0], np.float32))
    check(backend, backend.stop_gradient(w.value), np.array([1.0, 2.0, 3.0], np.float32))


@pytest.mark.parametrize("mode", ["eager", "step"])
def test_value_and_grad_assigns_inside(backend, mode):
    w = Variable(np.array([1.0, -2.0], np.float32))
    counter = Variable(np.array(0, np.int32), trainable=False)
    moving = Variable(np.zeros(2, np.float32), trainable=False)

    def f():
        counter.assign(backend.add(counter.value, 1))
        moving.assign(backend.add(backend.multiply(moving.value, 0.5), backend.stop_gradient(w.value)))
        return backend.sum(backend.square(w.value))

    def g():
        value, grads = backend.value_and_grad(f, [w])()
        return value, grads[0]

    if mode == "step":
        g = backend.make_step(g, [w, counter, moving])
    for step in range(1, 3):
        value, grad = g()
        check(backend, value, np.float32(5.0))
        check(backend, grad, np.array([2.0, -4.0], np.float32))
        check(backend, counter.value, np.int32(step))
    check(backend, moving.value, np.array([1.5, -3.0], np.float32))


def _fd_grad(f, w, eps=1e-6):
    grad = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        wp, wm = w.copy(), w.copy()
        wp[i] += eps
        wm[i] -= eps
        grad[i] = (f(wp) - f(wm)) / (2 * eps)
    return grad


# name -> (fn(backend, w_tensor, x_tensor) -> scalar, w shape, x shape)
GRAD_CASES = {
    "matmul_tanh_einsum": (
        lambda b, w, x: b.add(b.sum(b.tanh(b.matmul(x, w))), b.sum(b.square(b.einsum("ij,jk->ik", x, w)))),
        (3, 2),
        (4, 3),
    ),
    "softmax_log_softmax": (
        lambda b, w, x: b.add(b.sum(b.multiply(b.softmax(w, -1), x)), b.sum(b.multiply(b.log_softmax(w, 0), x))),
        (2, 3),
        (2, 3),
    ),
    "logsumexp": (lambda b, w, x: b.sum(b.logsumexp(b.multiply(w, x), axis=1)), (2, 3), (2, 3)),
    "mean_var": (lambda b, w, x: b.add(b.sum(b.var(w, axis=0)), b.mean(b.multiply(w, x))), (2, 3), (2, 3)),
    "sigmoid_gelu": (
        lambda b, w, x: b.add(
            b.sum(b.multiply(b.sigmoid(w), b.gelu(b.multiply(w, x)))), b.sum(b.gelu(w, approximate=False))
        ),
        (2, 3),
        (2, 3),
    ),
    "exp_log_divide": (
        lambda b, w, x: b.sum(b.add(b.exp(w), b.divide(b.log(b.add(b.square(w), 1.0)), b.add(b.square(x), 1.0)))),
        (2, 3),
        (2, 3),
    ),
    "relu_max": (lambda b, w, x: b.add(b.sum(b.relu(w)), b.max(b.multiply(w, x))), (2, 3), (2, 3)),
    "where_maximum": (lambda b, w, x: b.sum(b.where(b.greater(x, 0.0), b.maximum(w, x), b.square(w))), (2, 3), (2, 3)),
    "shape_ops": (
        lambda b, w, x: b.sum(
            b.square(
                b.concatenate(
                    [b.transpose(b.reshape(w, (3, 2))), b.take(x, b.convert_to_tensor(np.array([0, 1], np.int32)), 0)],
                    1,
                )
            )
        ),
        (6,),
        (2, 3),
    ),
    "pad_slice": (
        lambda b, w, x: b.sum(b.square(b.slice(b.pad(w, [(1, 1), (0, 2)], 0.5), (0, 1), (3, 3)))),
        (2, 2),
        (1,),
    ),
    "conv1d": (
        lambda b, w, x: b.sum(b.square(b.conv(x, w, (2,), "same", "channels_last", (1,)))),
        (3, 2, 2),
        (1, 5, 2),
    ),
    "conv2d_cf": (
        lambda b, w, x: b.sum(b.square(b.conv(x, w, (1, 1), "same", "channels_first", (1, 1)))),
        (2, 2, 1, 2),
        (1, 1, 3, 3),
    ),
    "max_pool": (
        lambda b, w, x: b.sum(b.square(b.max_pool(w, (2, 2), (2, 2), "same", "channels_last"))),
        (1, 3, 3, 2),
        (1,),
    ),
    "avg_pool": (lambda b, w, x: b.sum(b.square(b.avg_pool(w, (2,), (1,), "same", "channels_last"))), (1, 5, 2), (1,)),
}


EAGER_GRAD_CASES = ["matmul_tanh_einsum", "mean_var", "relu_max"]


@pytest.mark.parametrize(
    "case, mode", [(c, "step") for c in GRAD_CASES] + [(c, "eager") for c in EAGER_GRAD_CASES], ids=str
)
def test_value_and_grad_finite_differences(backend, case, mode):
    """float64 gradients against central differences of the backend's own forward (checked against
    NumPy above); ``mode="step"`` runs both inside ``make_step`` (compiled where the backend compiles)."""
    fn, wshape, xshape = GRAD_CASES[case]
    rng = np.random.default_rng(4)
    w0 = rng.normal(size=wshape)
    x = backend.convert_to_tensor(rng.normal(size=xshape))
    v = Variable(w0, dtype="float64")

    def value_and_grad():
        value, grads = backend.value_and_grad(lambda: fn(backend, v.value, x), [v])()
        return value, grads[0]

    def forward(w):
        return fn(backend, w, x)

    if mode == "step":
        value_and_grad = backend.make_step(value_and_grad, [v])
        forward = backend.make_step(forward, [])

    def scalar(wnp):
        return float(N(backend, forward(backend.convert_to_tensor(wnp))))

    value, grad = value_and_grad()
    check(backend, value, np.float64(scalar(w0)), rtol=1e-10)
    check(backend, grad, _fd_grad(scalar, w0), rtol=1e-6, atol=1e-7)
    check(backend, v.value, w0)


# ---------------------------------------------------------------------------- make_step
@pytest.mark.parametrize("jit_compile", ["auto", False])
@pytest.mark.parametrize("as_dict", [False, True])
def test_make_step_state(backend, jit_compile, as_dict):
    counter = Variable(np.array(0, np.int32), trainable=False, name="counter")
    acc = Variable(np.zeros(3, np.float32), name="acc")

    def fn(x, weight):
        counter.assign(backend.add(counter.value, 1))
        update = backend.sum(x, axis=0)
        if weight is not None:
            update = backend.multiply(update, weight)
        acc.assign(backend.add(acc.value, update))
        total = backend.sum(acc.value)
        if as_dict:
            return {"total": total, "count": counter.value}
        return total, counter.value

    step = backend.make_step(fn, [counter, acc], jit_compile=jit_compile)
    expected_acc = np.zeros(3, np.float64)
    rng = np.random.default_rng(0)
    calls = [(4, None), (4, None), (4, 0.5), (2, None)]
    for i, (n, weight) in enumerate(calls, 1):
        x = rng.normal(size=(n, 3)).astype(np.float32)
        wt = None if weight is None else T(backend, np.float32(weight))
        out = step(T(backend, x), wt)
        expected_acc += x.sum(0) * (1 if weight is None else weight)
        if as_dict:
            assert isinstance(out, dict) and set(out) == {"total", "count"}
            total, count = out["total"], out["count"]
        else:
            assert isinstance(out, (tuple, list)) and len(out) == 2
            total, count = out
        check(backend, total, np.float32(expected_acc.sum()), atol=1e-5)
        check(backend, count, np.int32(i))
        check(backend, counter.value, np.int32(i))
        check(backend, acc.value, expected_acc.astype(np.float32), atol=1e-5)


@pytest.mark.parametrize("jit_compile", ["auto", False])
def test_make_step_single_tensor_and_none(backend, jit_compile):
    v = Variable(np.ones((2,), np.float32))

    def fn(x, sample_weight):
        scale = 2.0 if sample_weight is None else 3.0
        v.assign(backend.multiply(v.value, scale))
        return backend.add(x, v.value)

    step = backend.make_step(fn, [v], jit_compile=jit_compile)
    x = np.array([1.0, 2.0], np.float32)
    check(backend, step(T(backend, x), None), x + 2)
    check(backend, step(T(backend, x), None), x + 4)
    check(backend, v.value, np.full(2, 4.0, np.float32))


def _numpy_linreg(x, y, w, b, lr, momentum, steps):
    mw, mb = np.zeros_like(w), np.zeros_like(b)
    losses = []
    for _ in range(steps):
        r = x @ w + b - y
        losses.append((r**2).mean())
        gw, gb = 2 * x.T @ r / r.size, 2 * r.sum(0) / r.size
        if momentum:
            mw, mb = momentum * mw - lr * gw, momentum * mb - lr * gb
            w, b = w + mw, b + mb
        else:
            w, b = w - lr * gw, b - lr * gb
    return w, b, losses


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("jit_compile", ["auto", False])
def test_make_step_linear_regression(backend, jit_compile, momentum):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
    w0, b0 = rng.normal(size=(3, 1)).astype(np.float32), np.zeros((1,), np.float32)
    w, b = Variable(w0), Variable(b0)
    mw, mb = Variable(np.zeros_like(w0), trainable=False), Variable(np.zeros_like(b0), trainable=False)
    seed_counter = Variable(np.array(0, np.int32), trainable=False)
    lr = backend.convert_to_tensor(np.float32(0.1))
    momentums = [mw, mb] if momentum else None

    def train_step(xb, yb):
        def loss_fn():
            seed_counter.assign(backend.add(seed_counter.value, 1))
            pred = backend.add(backend.matmul(xb, w.value), b.value)
            return backend.mean(backend.square(backend.subtract(pred, yb))), pred

        (loss, _pred), grads = backend.value_and_grad(loss_fn, [w, b], has_aux=True)()
        backend.apply_sgd([w, b], grads, momentums, lr, momentum, False)
        return loss

    step = backend.make_step(train_step, [w, b, mw, mb, seed_counter], jit_compile=jit_compile)
    losses = [float(N(backend, step(T(backend, x), T(backend, y)))) for _ in range(5)]
    ew, eb, elosses = _numpy_linreg(
        x.astype(np.float64), y.astype(np.float64), w0.astype(np.float64), b0.astype(np.float64), 0.1, momentum, 5
    )
    np.testing.assert_allclose(losses, elosses, rtol=1e-5)
    check(backend, w.value, ew.astype(np.float32), atol=1e-5)
    check(backend, b.value, eb.astype(np.float32), atol=1e-5)
    check(backend, seed_counter.value, np.int32(5))


# ---------------------------------------------------------------------------- optimizers
def _grads_sequence(shapes, steps=3):
    rng = np.random.default_rng(2)
    return [[rng.normal(size=s).astype(np.float32) for s in shapes] for _ in range(steps)]


SHAPES = [(3, 2), (2,)]


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_apply_sgd(backend, momentum, nesterov):
    rng = np.random.default_rng(3)
    w0 = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    ws = [Variable(w) for w in w0]
    ms = [Variable(np.zeros(s, np.float32), trainable=False) for s in SHAPES] if momentum else None
    lr = backend.convert_to_tensor(np.float32(0.05))
    ew = [w.astype(np.float64) for w in w0]
    em = [np.zeros(s) for s in SHAPES]
    for grads in _grads_sequence(SHAPES):
        backend.apply_sgd(ws, [T(backend, g) for g in grads], ms, lr, momentum, nesterov)
        for i, g in enumerate(grads):
            if not momentum:
                ew[i] = ew[i] - 0.05 * g
                continue
            em[i] = momentum * em[i] - 0.05 * g
            ew[i] = ew[i] + (momentum * em[i] - 0.05 * g if nesterov else em[i])
        for i in range(len(SHAPES)):
            check(backend, ws[i].value, ew[i].astype(np.float32), atol=1e-6)
            if momentum:
                check(backend, ms[i].value, em[i].astype(np.float32), atol=1e-6)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_apply_adam(backend, amsgrad):
    rng = np.random.default_rng(4)
    w0 = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    ws = [Variable(w) for w in w0]
    zeros = [np.zeros(s, np.float32) for s in SHAPES]
    ms = [Variable(z, trainable=False) for z in zeros]
    vs = [Variable(z, trainable=False) for z in zeros]
    vhats = [Variable(z, trainable=False) for z in zeros] if amsgrad else None
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    ew = [w.astype(np.float64) for w in w0]
    em, ev, evh = [np.zeros(s) for s in SHAPES], [np.zeros(s) for s in SHAPES], [np.zeros(s) for s in SHAPES]
    grads_seq = _grads_sequence(SHAPES)
    grads_seq[2] = [g * 0.1 for g in grads_seq[2]]  # shrinking grads make amsgrad's max matter
    for t, grads in enumerate(grads_seq, 1):
        step = backend.convert_to_tensor(np.float32(t))
        backend.apply_adam(
            ws,
            [T(backend, g) for g in grads],
            ms,
            vs,
            vhats,
            backend.convert_to_tensor(np.float32(lr)),
            b1,
            b2,
            eps,
            step,
        )
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        for i, g in enumerate(grads):
            em[i] += (g - em[i]) * (1 - b1)
            ev[i] += (g.astype(np.float64) ** 2 - ev[i]) * (1 - b2)
            vv = ev[i]
            if amsgrad:
                evh[i] = np.maximum(evh[i], ev[i])
                vv = evh[i]
            ew[i] -= alpha * em[i] / (np.sqrt(vv) + eps)
        for i in range(len(SHAPES)):
            check(backend, ws[i].value, ew[i].astype(np.float32), atol=1e-6)
            check(backend, ms[i].value, em[i].astype(np.float32), atol=1e-6)
            check(backend, vs[i].value, ev[i].astype(np.float32), atol=1e-7)
            if amsgrad:
                check(backend, vhats[i].value, evh[i].astype(np.float32), atol=1e-7)


def test_to_numpy_of_a_0d_tensor_and_variable_is_an_array(backend):
    scalar = backend.convert_to_tensor(np.float32(2.5))
    assert type(backend.to_numpy(scalar)) is np.ndarray and backend.to_numpy(scalar).shape == ()
    weight = unikeras.Variable(np.float32(1.5))
    assert type(weight.numpy()) is np.ndarray and weight.numpy().shape == ()
