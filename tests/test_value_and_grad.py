"""``ops.value_and_grad``: one custom training loop, written once, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


def test_custom_training_loop_fits_linear_regression(backend, rng):
    x = rng.standard_normal((128, 3)).astype("float32")
    true_w = np.array([[2.0], [-1.0], [0.5]], dtype="float32")
    y = x @ true_w + 1.0
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    loss_fn = unikeras.losses.MeanSquaredError()
    optimizer = unikeras.optimizers.SGD(learning_rate=0.1)

    def compute_loss(xb, yb):
        return loss_fn(yb, model(xb))

    grad_fn = ops.value_and_grad(compute_loss, model.trainable_variables)
    for _ in range(100):
        loss, grads = grad_fn(x, y)
        optimizer.apply(grads, model.trainable_variables)
    assert float(ops.convert_to_numpy(loss)) < 1e-4
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, true_w, atol=1e-2)
    np.testing.assert_allclose(bias, [1.0], atol=1e-2)


def test_value_and_grad_closed_form_with_aux(backend, rng):
    w = unikeras.Variable(rng.standard_normal((3, 2)).astype("float32"), name="w")
    unused = unikeras.Variable(np.ones(4, dtype="float32"), name="unused")
    x = rng.standard_normal((5, 3)).astype("float32")

    def fn():
        out = ops.matmul(ops.convert_to_tensor(x), w)
        return ops.sum(ops.square(out)), out

    (value, aux), (grad_w, grad_unused) = ops.value_and_grad(fn, [w, unused], has_aux=True)()
    r = x @ w.numpy()
    np.testing.assert_allclose(float(ops.convert_to_numpy(value)), (r**2).sum(), rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(aux), r, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(grad_w), 2 * x.T @ r, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(ops.convert_to_numpy(grad_unused), np.zeros(4))


def test_variables_read_in_ops_and_arithmetic(backend):
    v = unikeras.Variable(np.array([1.0, 2.0], dtype="float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(ops.add(v, 1.0)), [2.0, 3.0])
    np.testing.assert_allclose(ops.convert_to_numpy(v * 3.0), [3.0, 6.0])
    v.assign_add(np.array([1.0, 1.0], dtype="float32"))
    np.testing.assert_allclose(np.asarray(v), [2.0, 3.0])


@pytest.mark.parametrize("scalar_side", ["x", "y"])
def test_where_with_a_python_scalar_branch_routes_gradients_to_the_tensor(backend, scalar_side):
    values = np.array([1.0, -2.0, 3.0, -0.5], "float32")
    v = unikeras.Variable(values)
    positive = values > 0

    def loss():
        x = v.value
        picked = (
            ops.where(ops.greater(x, 0.0), x, -5.0) if scalar_side == "y" else ops.where(ops.greater(x, 0.0), 7.0, x)
        )
        return ops.sum(ops.multiply(picked, 3.0))

    _, (grad,) = ops.value_and_grad(loss, [v])()
    expected = np.where(positive, 3.0, 0.0) if scalar_side == "y" else np.where(positive, 0.0, 3.0)
    np.testing.assert_array_equal(ops.convert_to_numpy(grad), expected)
