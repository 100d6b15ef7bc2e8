"""LayerNormalization and BatchNormalization: forward against NumPy, gradients against finite
differences, moving statistics (eager and inside each backend's compiled fit step), config."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops
from unikeras.layers.normalization import BatchNormalization, LayerNormalization


def _np_norm(x, mean, var, gamma, beta, eps):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _randomize(layer, rng):
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])


# ---------------------------------------------------------------- LayerNormalization
@pytest.mark.parametrize("axis", [-1, (1, 2)])
def test_layer_norm_forward_matches_numpy(backend, rng, axis):
    x = (rng.standard_normal((3, 4, 5)) * 3 + 1).astype("float32")
    layer = LayerNormalization(axis=axis, epsilon=1e-3)
    layer(x)
    _randomize(layer, rng)
    gamma, beta = layer.get_weights()
    axes = (2,) if axis == -1 else (1, 2)
    assert gamma.shape == tuple(x.shape[a] for a in axes)
    expected = _np_norm(x, x.mean(axes, keepdims=True), x.var(axes, keepdims=True), gamma, beta, 1e-3)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_layer_norm_without_center_scale_has_no_weights(backend, rng):
    x = rng.standard_normal((2, 6)).astype("float32")
    layer = LayerNormalization(center=False, scale=False)
    out = ops.convert_to_numpy(layer(x))
    assert layer.weights == []
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_layer_norm_gradients_match_finite_differences(backend, rng):
    x = rng.standard_normal((3, 4)).astype("float32")
    y = rng.standard_normal((3, 4)).astype("float32")
    layer = LayerNormalization(epsilon=1e-3)
    layer(x)
    _randomize(layer, rng)

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), y)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    x64 = x.astype("float64")
    gamma, beta = [w.astype("float64") for w in layer.get_weights()]

    def numpy_loss(g, b):
        out = _np_norm(x64, x64.mean(-1, keepdims=True), x64.var(-1, keepdims=True), g, b, 1e-3)
        return np.mean((out - y) ** 2)

    h = 1e-6
    for index, (param, grad) in enumerate(zip((gamma, beta), grads)):
        numeric = np.zeros_like(param)
        for i in np.ndindex(param.shape):
            plus, minus = param.copy(), param.copy()
            plus[i] += h
            minus[i] -= h
            args_plus = (plus, beta) if index == 0 else (gamma, plus)
            args_minus = (minus, beta) if index == 0 else (gamma, minus)
            numeric[i] = (numpy_loss(*args_plus) - numpy_loss(*args_minus)) / (2 * h)
        np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_layer_norm_input_gradient_matches_finite_differences(backend, rng):
    """The gradient through the normalization itself (mean and variance depend on the input)."""
    x = rng.standard_normal((2, 5)).astype("float32")
    w = rng.standard_normal((2, 5)).astype("float32")
    layer = LayerNormalization(epsilon=1e-3, center=False, scale=False)
    layer(x)
    x_var = unikeras.Variable(x, name="x")

    def loss_fn():
        return ops.sum(ops.multiply(layer(x_var.value), w))

    _, (grad,) = ops.value_and_grad(loss_fn, [x_var])()

    def numpy_loss(v):
        out = (v - v.mean(-1, keepdims=True)) / np.sqrt(v.var(-1, keepdims=True) + 1e-3)
        return np.sum(out * w)

    x64, h = x.astype("float64"), 1e-6
    numeric = np.zeros_like(x64)
    for i in np.ndindex(x64.shape):
        plus, minus = x64.copy(), x64.copy()
        plus[i] += h
        minus[i] -= h
        numeric[i] = (numpy_loss(plus) - numpy_loss(minus)) / (2 * h)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-4)


def test_layer_norm_config_and_symbolic_shape(backend, rng):
    layer = LayerNormalization(axis=(1, 2), epsilon=1e-5, center=False, name="ln")
    clone = LayerNormalization.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.axis == (1, 2) and clone.epsilon == 1e-5 and not clone.center
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    assert LayerNormalization()(unikeras.Input((3, 4))).shape == (None, 3, 4)
    assert tuple(ops.shape(LayerNormalization()(x))) == x.shape


# ---------------------------------------------------------------- BatchNormalization
def test_batch_norm_weights_in_keras_order(backend, rng):
    layer = BatchNormalization()
    layer(rng.standard_normal((4, 3)).astype("float32"))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    gamma, beta, mean, var = layer.get_weights()
    np.testing.assert_array_equal(gamma, np.ones(3))
    np.testing.assert_array_equal(beta, np.zeros(3))
    np.testing.assert_array_equal(mean, np.zeros(3))
    np.testing.assert_array_equal(var, np.ones(3))


def test_batch_norm_training_updates_moving_statistics(backend, rng):
    layer = BatchNormalization(momentum=0.8, epsilon=1e-3)
    batches = [(rng.standard_normal((8, 3)) * [1, 2, 3] + [0, 5, -2]).astype("float32") for _ in range(3)]
    layer(batches[0])
    _randomize(layer, rng)
    gamma, beta, moving_mean, moving_var = [w.astype("float64") for w in layer.get_weights()]
    for x in batches:
        out = ops.convert_to_numpy(layer(x, training=True))
        mean, var = x.mean(0), x.var(0)
        np.testing.assert_allclose(out, _np_norm(x, mean, var, gamma, beta, 1e-3), rtol=1e-4, atol=1e-4)
        moving_mean = moving_mean * 0.8 + mean * 0.2
        moving_var = moving_var * 0.8 + var * 0.2
    _, _, got_mean, got_var = layer.get_weights()
    np.testing.assert_allclose(got_mean, moving_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got_var, moving_var, rtol=1e-5, atol=1e-5)
    # inference (training False or None) uses the moving statistics and leaves them alone
    x = batches[0]
    expected = _np_norm(x, moving_mean, moving_var, gamma, beta, 1e-3)
    for training in (False, None):
        np.testing.assert_allclose(ops.convert_to_numpy(layer(x, training=training)), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.get_weights()[2], moving_mean, rtol=1e-5, atol=1e-5)


def test_batch_norm_channels_first_axis(backend, rng):
    x = rng.standard_normal((4, 2, 3, 3)).astype("float32") + np.array([1.0, -1.0])[None, :, None, None]
    layer = BatchNormalization(axis=1, momentum=0.5)
    out = ops.convert_to_numpy(layer(x, training=True))
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.get_weights()[2], 0.5 * mean.reshape(-1), rtol=1e-5, atol=1e-5)
    assert BatchNormalization(axis=1)(unikeras.Input((2, 3, 3))).shape == (None, 2, 3, 3)


def test_batch_norm_frozen_layer_runs_in_inference_mode(backend, rng):
    x = (rng.standard_normal((8, 2)) + 3).astype("float32")
    layer = BatchNormalization(trainable=False)
    out = ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(2))


def test_batch_norm_gradient_through_value_and_grad_keeps_moving_update(backend, rng):
    x = (rng.standard_normal((6, 3)) + 2).astype("float32")
    layer = BatchNormalization(momentum=0.9)
    layer(x)

    def loss_fn():
        return ops.mean(ops.square(layer(x, training=True)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    assert len(grads) == 2
    np.testing.assert_allclose(layer.get_weights()[2], 0.1 * x.mean(0), rtol=1e-5, atol=1e-5)


def test_batch_norm_fit_tracks_data_mean(backend, rng):
    data_mean = np.array([4.0, -3.0, 1.0], "float32")
    x = (rng.standard_normal((128, 3)) + data_mean).astype("float32")
    y = rng.standard_normal((128, 1)).astype("float32")
    model = unikeras.Sequential([unikeras.Input((3,)), BatchNormalization(momentum=0.8), unikeras.layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.01), loss="mse")
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    moving_mean = model.layers[0].get_weights()[2]
    np.testing.assert_allclose(moving_mean, data_mean, atol=0.35)
    moving_var = model.layers[0].get_weights()[3]
    np.testing.assert_allclose(moving_var, np.ones(3), atol=0.5)
    gamma, beta, mean, var = model.layers[0].get_weights()
    kernel, bias = model.layers[1].get_weights()
    expected = _np_norm(x, mean, var, gamma, beta, 1e-3) @ kernel + bias
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4)


def test_batch_norm_config_round_trip(backend):
    layer = BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, scale=False, name="bn")
    clone = BatchNormalization.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.momentum == 0.9 and clone.axis == (1,) and not clone.scale


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: BatchNormalization(momentum=1.5), "momentum"),
        (lambda: BatchNormalization(epsilon=0), "epsilon"),
        (lambda: LayerNormalization(axis="x"), "axis"),
    ],
)
def test_bad_arguments_raise(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_batch_axis_cannot_be_normalized(backend, rng):
    with pytest.raises(ValueError, match="batch axis"):
        LayerNormalization(axis=0, name="ln0")(rng.standard_normal((2, 3)).astype("float32"))
