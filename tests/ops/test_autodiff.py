"""ops.jvp and ops.custom_gradient on every backend, against finite differences of NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops
from unikeras.variables import Variable

rng0 = np.random.default_rng(11)
X = rng0.standard_normal(3).astype("float32")
W = rng0.standard_normal((3, 2)).astype("float32")
TX = rng0.standard_normal(3).astype("float32")
TW = rng0.standard_normal((3, 2)).astype("float32")


def _np(t):
    return np.asarray(ops.convert_to_numpy(t))


def _f_numpy(x, w):
    return np.tanh(x @ w), np.sin(x).sum()


def _f(x, w):
    return ops.tanh(ops.matmul(x, w)), ops.sum(ops.sin(x))


def test_jvp_matches_finite_differences(backend):
    h = 1e-6
    x, w, tx, tw = (a.astype("float64") for a in (X, W, TX, TW))
    plus, minus = _f_numpy(x + h * tx, w + h * tw), _f_numpy(x - h * tx, w - h * tw)
    expected = [(p - m) / (2 * h) for p, m in zip(plus, minus)]
    out, tangents = ops.jvp(_f, (X, W), (TX, TW))
    assert isinstance(out, tuple) and isinstance(tangents, tuple)
    np.testing.assert_allclose(_np(out[0]), np.tanh(X @ W), rtol=1e-4, atol=1e-5)
    for got, want in zip(tangents, expected):
        np.testing.assert_allclose(_np(got), want, rtol=1e-3, atol=1e-5)


def test_jvp_has_aux(backend):
    def f(x):
        return ops.multiply(x, x), ops.sum(x)

    out, tangent, aux = ops.jvp(f, (X,), (TX,), has_aux=True)
    np.testing.assert_allclose(_np(tangent), 2 * X * TX, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(aux), X.sum(), rtol=1e-5)
    np.testing.assert_allclose(_np(out), X * X, rtol=1e-6)


def test_jvp_errors(backend):
    with pytest.raises(ValueError, match="one tangent per primal"):
        ops.jvp(ops.sin, (X,), (TX, TX))
    with pytest.raises(ValueError, match="tangent must have its primal's shape"):
        ops.jvp(ops.sin, (X,), (TW,))
    with pytest.raises(TypeError, match="tuples or lists"):
        ops.jvp(ops.sin, X, TX)


@ops.custom_gradient
def _log1pexp(x):
    """Keras's portable example: the gradient written to stay finite for large x."""
    e = ops.exp(x)

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return ops.multiply(upstream, ops.subtract(1.0, ops.divide(1.0, ops.add(1.0, e))))

    return ops.log(ops.add(1.0, e)), grad


@ops.custom_gradient
def _scaled_product(x, y):
    """A deliberately 'wrong' gradient (10x dx, dy halved): proves the custom rule is the one used."""

    def grad(upstream):
        return ops.multiply(ops.multiply(upstream, y), 10.0), ops.multiply(ops.multiply(upstream, x), 0.5)

    return ops.multiply(x, y), grad


def test_custom_gradient_replaces_the_gradient(backend):
    x, y = Variable(X.copy()), Variable(X[::-1].copy())
    weights = np.array([1.0, 2.0, 3.0], "float32")
    value, grads = ops.value_and_grad(
        lambda: ops.sum(ops.multiply(_scaled_product(x.value, y.value), weights)), [x, y]
    )()
    np.testing.assert_allclose(_np(value), (X * X[::-1] * weights).sum(), rtol=1e-5)
    np.testing.assert_allclose(_np(grads[0]), 10.0 * weights * X[::-1], rtol=1e-5)
    np.testing.assert_allclose(_np(grads[1]), 0.5 * weights * X, rtol=1e-5)


def test_custom_gradient_keras_example_matches_finite_differences(backend):
    x0 = np.array([-2.0, 0.5, 3.0], "float32")
    x = Variable(x0.copy())
    value, grads = ops.value_and_grad(lambda: ops.sum(_log1pexp(x.value)), [x])()
    np.testing.assert_allclose(_np(value), np.log1p(np.exp(x0)).sum(), rtol=1e-5)
    h, x64 = 1e-6, x0.astype("float64")
    fd = (np.log1p(np.exp(x64 + h)) - np.log1p(np.exp(x64 - h))) / (2 * h)
    np.testing.assert_allclose(_np(grads[0]), fd, rtol=1e-3, atol=1e-5)


@ops.custom_gradient
def _blocked(x):
    def grad(upstream):
        return ops.multiply(upstream, 0.0)

    return ops.multiply(x, 1.0), grad


def test_custom_gradient_inside_compiled_fit(backend):
    """A zero custom gradient between two Dense layers freezes the first one in a compiled train step."""

    class Block(layers.Layer):
        def call(self, x):
            return _blocked(x)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    first, last = layers.Dense(2), layers.Dense(1)
    model = unikeras.Sequential([unikeras.Input((3,)), first, Block(), last])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in first.get_weights()], [w.copy() for w in last.get_weights()]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for a, b in zip(before[0], first.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(before[1], last.get_weights()))
