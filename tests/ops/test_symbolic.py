"""Ops and operators on symbolic tensors: shapes and dtypes inferred at definition time, and the
recorded graph computes what NumPy computes on the real data."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


def _np(x):
    return ops.convert_to_numpy(x)


def test_operators_and_indexing_record_a_graph(backend, rng):
    a, b = unikeras.Input((5, 3)), unikeras.Input((5, 3))
    outputs = [
        a + b,
        2.0 * a - b / 4.0,
        1.0 - a,
        -a,
        abs(a) ** 2.0,
        a @ ops.transpose(b, (0, 2, 1)),
        a[:, 0],
        a[:, ::2, -1],
        a[..., None, 1:],
        (a > b),
    ]
    expected_shapes = [
        (None, 5, 3),
        (None, 5, 3),
        (None, 5, 3),
        (None, 5, 3),
        (None, 5, 3),
        (None, 5, 5),
        (None, 3),
        (None, 3),
        (None, 5, 1, 2),
        (None, 5, 3),
    ]
    assert [t.shape for t in outputs] == expected_shapes
    assert outputs[-1].dtype == "bool"
    model = unikeras.Model([a, b], outputs)
    x = rng.standard_normal((4, 5, 3)).astype("float32")
    y = rng.standard_normal((4, 5, 3)).astype("float32")
    expected = [
        x + y,
        2.0 * x - y / 4.0,
        1.0 - x,
        -x,
        np.abs(x) ** 2.0,
        x @ y.transpose(0, 2, 1),
        x[:, 0],
        x[:, ::2, -1],
        x[..., None, 1:],
        x > y,
    ]
    for got, want in zip(model([x, y]), expected):
        np.testing.assert_allclose(_np(got), want, rtol=1e-5, atol=1e-6)


def test_ops_functions_on_inputs_infer_shape_and_dtype(backend, rng):
    x_in = unikeras.Input((6, 4))
    mean = ops.mean(x_in, axis=1)
    top = ops.argmax(x_in, axis=-1)
    parts = ops.split(x_in, [1], axis=-1)
    joined = ops.concatenate([parts[1], parts[0]], axis=-1)
    soft = ops.softmax(x_in)
    act = ops.gelu(x_in)  # an op written as a Python function, not a primitive
    assert (mean.shape, top.shape, top.dtype) == ((None, 4), (None, 6), "int32")
    assert [p.shape for p in parts] == [(None, 6, 1), (None, 6, 3)]
    assert joined.shape == soft.shape == act.shape == (None, 6, 4)
    assert ops.shape(mean) == (None, 4) and ops.ndim(x_in) == 3
    model = unikeras.Model(x_in, [mean, top, joined, soft])
    x = rng.standard_normal((3, 6, 4)).astype("float32")
    got = model(x)
    np.testing.assert_allclose(_np(got[0]), x.mean(axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(_np(got[1]), x.argmax(axis=-1))
    np.testing.assert_allclose(_np(got[2]), np.concatenate([x[..., 1:], x[..., :1]], axis=-1))
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(_np(got[3]), e / e.sum(axis=-1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_residual_model_with_operators_trains(backend, rng):
    inputs = unikeras.Input((8,))
    hidden = layers.Dense(8, activation="tanh")(inputs)
    outputs = layers.Dense(1)(hidden + inputs)  # residual connection written as `+`
    model = unikeras.Model(inputs, outputs)
    x = rng.standard_normal((64, 8)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) * 0.5).astype("float32")
    model.compile(optimizer=unikeras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=10, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_symbolic_tensor_has_no_truth_value(backend):
    x = unikeras.Input((2,))
    with pytest.raises(TypeError, match="no value yet"):
        bool(x > 0.0)
