"""Dense, Activation, Flatten, Dropout, Input: forward against NumPy, gradients against finite
differences, config round trip, weight shapes in Keras order."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.reference import numpy_ops as ref
from unikeras import layers, ops


def test_dense_forward_matches_numpy(backend, rng):
    layer = layers.Dense(5, activation="relu")
    x = rng.standard_normal((4, 3)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 5) and bias.shape == (5,)
    np.testing.assert_allclose(out, ref.dense(x, kernel, bias, ref.relu), rtol=1e-5, atol=1e-6)


def test_dense_on_3d_input_applies_to_last_axis(backend, rng):
    layer = layers.Dense(2, use_bias=False)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    assert out.shape == (2, 4, 2)
    assert len(layer.weights) == 1
    np.testing.assert_allclose(out, x @ layer.get_weights()[0], rtol=1e-5, atol=1e-6)


def test_dense_gradients_match_finite_differences(backend, rng):
    layer = layers.Dense(3, activation="tanh")
    x = rng.standard_normal((5, 4)).astype("float32")
    layer(x)
    y = rng.standard_normal((5, 3)).astype("float32")

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), y)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    kernel, bias = [w.astype("float64") for w in layer.get_weights()]

    def numpy_loss(k, b):
        return np.mean((np.tanh(x.astype("float64") @ k + b) - y) ** 2)

    h = 1e-6
    for index, (param, grad) in enumerate(zip((kernel, bias), grads)):
        numeric = np.zeros_like(param)
        for i in np.ndindex(param.shape):
            plus, minus = param.copy(), param.copy()
            plus[i] += h
            minus[i] -= h
            args_plus = (plus, bias) if index == 0 else (kernel, plus)
            args_minus = (minus, bias) if index == 0 else (kernel, minus)
            numeric[i] = (numpy_loss(*args_plus) - numpy_loss(*args_minus)) / (2 * h)
        np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_dense_config_round_trip(backend):
    layer = layers.Dense(7, activation="sigmoid", use_bias=False, kernel_initializer="he_normal", name="d")
    clone = layers.Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.units == 7 and clone.activation is unikeras.activations.sigmoid


def test_dense_rejects_wrong_feature_count(backend, rng):
    layer = layers.Dense(2, name="probe")
    layer(rng.standard_normal((1, 3)).astype("float32"))
    with pytest.raises(ValueError, match=r"probe.*expected axis -1 of size 3.*\(1, 4\)"):
        layer(rng.standard_normal((1, 4)).astype("float32"))


def test_dense_rejects_bad_units(backend):
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)


def test_set_weights_checks_shapes(backend):
    layer = layers.Dense(2, name="w")
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r"'w'.*expects shape \(3, 2\).*\(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="expected 2 arrays, received 1"):
        layer.set_weights([np.zeros((3, 2))])
    layer.set_weights([np.ones((3, 2)), np.arange(2)])
    np.testing.assert_array_equal(layer.get_weights()[1], [0.0, 1.0])


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "softplus", "gelu", "silu"])
def test_activation_layer_matches_numpy(backend, rng, name):
    from math import erf

    x = rng.standard_normal((3, 4)).astype("float32")
    expected = {
        "relu": ref.relu(x),
        "sigmoid": ref.sigmoid(x),
        "tanh": np.tanh(x),
        "softmax": ref.softmax(x),
        "linear": x,
        "elu": np.where(x > 0, x, np.expm1(x)),
        "softplus": np.log1p(np.exp(x)),
        "gelu": 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2))),
        "silu": x * ref.sigmoid(x),
    }[name]
    out = ops.convert_to_numpy(layers.Activation(name)(x))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_unknown_activation_lists_known_names(backend):
    with pytest.raises(ValueError, match="Unknown activation 'relux'.*relu"):
        layers.Dense(2, activation="relux")


def test_flatten(backend, rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    out = ops.convert_to_numpy(layers.Flatten()(x))
    np.testing.assert_array_equal(out, x.reshape(2, 12))
    channels_first = ops.convert_to_numpy(layers.Flatten(data_format="channels_first")(x))
    np.testing.assert_array_equal(channels_first, x.transpose(0, 2, 1).reshape(2, 12))


def test_dropout_inference_is_identity_and_training_scales(backend, rng):
    layer = layers.Dropout(0.5, seed=3)
    x = np.ones((200, 50), dtype="float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    out = ops.convert_to_numpy(layer(x, training=True))
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert abs((out == 0).mean() - 0.5) < 0.03


def test_dropout_stream_is_reproducible_and_advances(backend):
    x = np.ones((64, 64), dtype="float32")

    def two_masks():
        layer = layers.Dropout(0.3, seed=11)
        return [ops.convert_to_numpy(layer(x, training=True)) for _ in range(2)]

    first, second = two_masks(), two_masks()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])


def test_dropout_rejects_bad_rate(backend):
    with pytest.raises(ValueError, match=r"rate.*\[0, 1\).*1.5"):
        layers.Dropout(1.5)


def test_input_is_symbolic_with_shape():
    x = unikeras.Input((8, 8), name="pixels")
    assert x.shape == (None, 8, 8)
    assert x.dtype == "float32"
    out = layers.Flatten()(x)
    assert out.shape == (None, 64)


def test_layer_names_are_unique_and_reset_by_clear_session(backend):
    unikeras.backend.clear_session()
    a, b = layers.Dense(1), layers.Dense(1)
    assert (a.name, b.name) == ("dense", "dense_1")
    unikeras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_lambda_layer_infers_shapes_and_trains(backend, rng):
    square = layers.Lambda(lambda x: ops.square(x), name="square")
    x = rng.standard_normal((6, 3)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(square(x)), x**2, rtol=1e-6)
    halves = layers.Lambda(lambda x, n: ops.split(x, n, axis=1)[0], arguments={"n": 2})
    assert halves(unikeras.Input((8,))).shape == (None, 4)
    assert layers.Lambda(lambda x: ops.sum(x, axis=1), output_shape=())(unikeras.Input((5,))).shape == (None,)
    model = unikeras.Sequential([unikeras.Input((3,)), square, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, (x**2).sum(1, keepdims=True), epochs=30, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="Lambda 'square'.*not recreated from a config"):
        layers.Lambda.from_config(square.get_config())
