"""ReLU, LeakyReLU, ELU, Softmax and PReLU layers against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


def _keras_relu(x, max_value=None, negative_slope=0.0, threshold=0.0):
    out = np.where(x >= threshold, x, negative_slope * (x - threshold))
    return out if max_value is None else np.minimum(out, max_value)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"max_value": 1.0}, {"negative_slope": 0.1, "threshold": 0.5}, {"max_value": 2.0, "negative_slope": 0.2}],
)
def test_relu_layer(backend, rng, kwargs):
    x = (rng.standard_normal((4, 5)) * 2).astype("float32")
    out = ops.convert_to_numpy(layers.ReLU(**kwargs)(x))
    np.testing.assert_allclose(out, _keras_relu(x, **kwargs), rtol=1e-6, atol=1e-6)


def test_leaky_relu_elu_softmax(backend, rng):
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(layers.LeakyReLU()(x)), np.where(x >= 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(
        ops.convert_to_numpy(layers.ELU(alpha=0.5)(x)), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5, atol=1e-6
    )
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(
        ops.convert_to_numpy(layers.Softmax(axis=(1, 2))(x)),
        e / e.sum(axis=(1, 2), keepdims=True),
        rtol=1e-5,
        atol=1e-7,
    )
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(
        ops.convert_to_numpy(layers.Softmax(axis=1)(x)), e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7
    )


def test_prelu_weights_shared_axes_and_training(backend, rng):
    layer = layers.PReLU(alpha_initializer=unikeras.initializers.Constant(0.25), shared_axes=[1])
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    assert [w.shape for w in layer.get_weights()] == [(1, 4)]
    np.testing.assert_allclose(out, np.where(x >= 0, x, 0.25 * x), rtol=1e-6)
    model = unikeras.Sequential([unikeras.Input((3, 4)), layers.PReLU()])
    model.compile(optimizer=unikeras.optimizers.SGD(0.5), loss="mse")
    x = rng.standard_normal((64, 3, 4)).astype("float32")
    target = np.where(x >= 0, x, 0.5 * x).astype("float32")
    model.fit(x, target, epochs=30, batch_size=16, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], np.full((3, 4), 0.5), atol=0.05)


def test_activation_layer_configs_round_trip(backend):
    for layer in (
        layers.ReLU(max_value=6.0),
        layers.LeakyReLU(0.1),
        layers.ELU(0.7),
        layers.Softmax(axis=1),
        layers.PReLU(shared_axes=[1, 2]),
    ):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="ReLU.*max_value.*-1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="LeakyReLU.*negative_slope"):
        layers.LeakyReLU(-0.1)
