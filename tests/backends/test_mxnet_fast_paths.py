"""The MXNet adapter's faster formulations (broadcasts while recording expanded by products with
ones, sums and means as products with a ones vector, 2-d matmul as dot, legacy transposes):
values and gradients against NumPy, including the shapes that fall back to MXNet's own kernels."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import load_backend


@pytest.fixture(scope="module")
def mx_backend():
    return load_backend("mxnet")


@pytest.fixture
def expand_small(monkeypatch):
    """Expand recorded broadcasts of any size (by default only large ones are), so that these small
    shapes take that path."""
    from unikeras.backends import mxnet as adapter

    monkeypatch.setattr(adapter, "_EXPAND_MIN_SIZE", 0)


def _grads(backend, fn, arrays):
    """Value of fn(*tensors) and the gradient of sum(weights * value) w.r.t. every input, recorded."""
    from mxnet import autograd

    handles = [backend.convert_to_tensor(a) for a in arrays]
    for h in handles:
        h.attach_grad()
    with autograd.record():
        out = fn(*handles)
        weights = backend.convert_to_tensor(np.random.default_rng(9).standard_normal(out.shape))
        loss = backend.sum(backend.multiply(out, weights))
    loss.backward()
    return backend.to_numpy(out), [h.grad.asnumpy() for h in handles], backend.to_numpy(weights)


def _numeric_grads(np_fn, arrays, weights, step=1e-6):
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up, down = [x.copy() for x in arrays], [x.copy() for x in arrays]
            up[i][idx] += step
            down[i][idx] -= step
            g[idx] = (np.sum(weights * np_fn(*up)) - np.sum(weights * np_fn(*down))) / (2 * step)
        grads.append(g)
    return grads


BROADCASTS = [
    ((2, 3, 4), (4,)),  # a bias
    ((2, 3, 4, 5), (4, 5)),  # an EinsumDense bias
    ((2, 3, 4), (1, 1, 4)),  # a bias reshaped with leading 1s
    ((2, 3, 4), (2, 3, 1)),  # a normalization's kept last axis
    ((2, 3, 1), (1, 1, 4)),  # both broadcast
    ((4,), (2, 3, 4)),  # the broadcast operand first
    ((2, 3, 4), (2, 1, 4)),  # a middle axis: MXNet's own broadcast
    ((2, 3, 4), ()),  # a 0-d operand
    ((2, 3, 4), (2, 3, 4)),
]


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("xshape, yshape", BROADCASTS)
def test_recorded_broadcasts_match_numpy(mx_backend, expand_small, op, xshape, yshape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xshape)
    y = rng.uniform(0.5, 2.0, yshape)  # away from 0 for divide
    out, grads, weights = _grads(mx_backend, getattr(mx_backend, op), [x, y])
    np_op = getattr(np, "true_divide" if op == "divide" else op)
    np.testing.assert_allclose(out, np_op(x, y), rtol=1e-12, atol=1e-12)
    for got, expected in zip(grads, _numeric_grads(np_op, [x, y], weights), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_recorded_bias_add_is_exact_in_float32(mx_backend, expand_small):
    """The expanded bias is 1 * bias: the sum equals the broadcast add bit for bit."""
    from mxnet import autograd

    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5, 6, 7)).astype("float32")
    bias = rng.standard_normal((7,)).astype("float32")
    with autograd.record():
        out = mx_backend.add(mx_backend.convert_to_tensor(x), mx_backend.convert_to_tensor(bias))
    np.testing.assert_array_equal(mx_backend.to_numpy(out), x + bias)


REDUCTIONS = [
    ((3, 4, 5), -1, False),
    ((3, 4, 5), 2, True),
    ((3, 4, 5), (1, 2), False),  # trailing block
    ((3, 4, 5), 0, True),  # leading
    ((3, 4, 5), (0, 1), False),
    ((3, 4, 5), 1, False),  # middle: batch_dot
    ((2, 3, 4, 5), (1, 2), True),  # middle block, reshaped
    ((3, 4, 5), (0, 2), False),  # not adjacent: MXNet's kernel
    ((3, 4, 5), None, False),  # every axis: MXNet's kernel
    ((6,), 0, False),  # every axis of a vector
    ((3, 4), [1], True),  # a list of axes
    ((5, 1), 0, False),  # the summed axis first, a trailing 1
    ((1, 5), 1, True),  # a leading 1
    ((2, 1, 3), 1, False),  # a middle axis of 1
]


@pytest.mark.parametrize("name", ["sum", "mean", "var"])
@pytest.mark.parametrize("shape, axis, keepdims", REDUCTIONS)
def test_reductions_match_numpy(mx_backend, name, shape, axis, keepdims):
    x = np.random.default_rng(2).standard_normal(shape)
    np_axis = tuple(axis) if isinstance(axis, list) else axis

    def np_fn(a):
        return getattr(np, name)(a, axis=np_axis, keepdims=keepdims)

    plain = mx_backend.to_numpy(getattr(mx_backend, name)(mx_backend.convert_to_tensor(x), axis, keepdims))
    np.testing.assert_allclose(plain, np_fn(x), rtol=1e-12, atol=1e-12)
    assert plain.shape == np_fn(x).shape
    out, (grad,), weights = _grads(mx_backend, lambda t: getattr(mx_backend, name)(t, axis, keepdims), [x])
    np.testing.assert_allclose(out, np_fn(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, _numeric_grads(np_fn, [x], weights)[0], rtol=1e-6, atol=1e-8)


def test_float32_reductions_stay_float32(mx_backend):
    x = np.random.default_rng(3).standard_normal((8, 16, 32)).astype("float32")
    for name in ("sum", "mean"):
        out = getattr(mx_backend, name)(mx_backend.convert_to_tensor(x), -1)
        assert mx_backend.dtype_name(out) == "float32"
        np.testing.assert_allclose(mx_backend.to_numpy(out), getattr(np, name)(x.astype("float64"), -1), rtol=1e-5)


@pytest.mark.parametrize(
    "xshape, yshape", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((4, 5), (5,))]
)
def test_matmul_matches_numpy_with_gradients(mx_backend, xshape, yshape):
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal(xshape), rng.standard_normal(yshape)
    out, grads, weights = _grads(mx_backend, mx_backend.matmul, [x, y])
    np.testing.assert_allclose(out, np.matmul(x, y), rtol=1e-12, atol=1e-12)
    for got, expected in zip(grads, _numeric_grads(np.matmul, [x, y], weights), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_integer_matmul_stays_exact(mx_backend):
    x = np.arange(12, dtype="int32").reshape(3, 4) * 1000
    y = np.arange(20, dtype="int32").reshape(4, 5)
    out = mx_backend.matmul(mx_backend.convert_to_tensor(x), mx_backend.convert_to_tensor(y))
    assert mx_backend.dtype_name(out) == "int32"
    np.testing.assert_array_equal(mx_backend.to_numpy(out), x @ y)


@pytest.mark.parametrize(
    "shape, axes", [((2, 3, 4, 5), (0, 3, 1, 2)), ((2, 3), None), ((5,), (0,)), ((), None), ((2, 1, 3, 1, 2, 2), None)]
)
def test_transposes_match_numpy_with_gradients(mx_backend, shape, axes):
    x = np.random.default_rng(5).standard_normal(shape)
    out, (grad,), weights = _grads(mx_backend, lambda t: mx_backend.transpose(t, axes), [x])
    np.testing.assert_array_equal(out, np.transpose(x, axes))
    np.testing.assert_array_equal(grad, np.transpose(weights, np.argsort(axes) if axes else None))


def test_zero_size_transpose_goes_to_mnp(mx_backend):
    x = np.zeros((2, 0, 3))
    out = mx_backend.to_numpy(mx_backend.transpose(x, (2, 0, 1)))
    assert out.shape == (3, 2, 0)


@pytest.mark.parametrize(
    "value",
    [
        np.arange(6, dtype="float32").reshape(2, 3),
        np.array(2.5, dtype="float32"),
        np.array([True, False, True]),
        np.arange(4, dtype="int64"),
        np.arange(12, dtype="float64").reshape(3, 4)[:, ::2],  # not contiguous
    ],
)
def test_converted_arrays_are_private_copies_made_without_a_synchronous_copy(mx_backend, value, monkeypatch):
    """NumPy data enters MXNet by DLPack from a private copy (no wait on the engine): the caller's
    array stays writeable, and writing to it afterwards does not change the tensor."""

    def refuse(a):
        raise AssertionError(f"synchronous copy of a {a.dtype} array of shape {a.shape}")

    monkeypatch.setattr(mx_backend, "_copy_from_numpy", refuse)
    original = value.copy()
    tensor = mx_backend.convert_to_tensor(value)
    assert value.flags.writeable
    value[...] = 0
    assert tensor.shape == original.shape and str(tensor.dtype) == str(original.dtype)
    np.testing.assert_array_equal(mx_backend.to_numpy(tensor), original)
    np.testing.assert_array_equal(mx_backend.to_numpy(mx_backend.add(tensor, tensor)), original + original)
