"""Conv1DTranspose / Conv2DTranspose / Conv3DTranspose: forward against the NumPy reference, gradients
against finite differences, output shapes (eager and symbolic), config round trip, parity with Keras 3,
regularizers and constraints, argument errors, and a small model that trains."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import conv as ref
from unikeras import layers, ops
from unikeras.layers.convolution_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution2DTranspose,
)

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

CLASSES = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}
KERAS_CLASSES = {1: keras.layers.Conv1DTranspose, 2: keras.layers.Conv2DTranspose, 3: keras.layers.Conv3DTranspose}

# (rank, spatial, kernel_size, strides, padding, output_padding, dilation_rate, data_format)
FORWARD_CASES = [
    (1, (5,), (3,), (2,), "same", None, (1,), "channels_last"),
    (1, (4,), (2,), (3,), "valid", None, (1,), "channels_first"),
    (1, (5,), (3,), (1,), "same", None, (2,), "channels_last"),
    (2, (3, 4), (3, 3), (2, 2), "same", None, (1, 1), "channels_last"),
    (2, (3, 4), (3, 2), (2, 1), "valid", (1, 0), (1, 1), "channels_first"),
    (2, (4, 3), (4, 3), (2, 2), "same", (1, 0), (1, 1), "channels_last"),
    (2, (4, 4), (2, 3), (1, 1), "valid", None, (2, 1), "channels_first"),
    (3, (2, 3, 2), (2, 2, 3), (2, 1, 2), "same", None, (1, 1, 1), "channels_last"),
    (3, (2, 3, 2), (3, 2, 2), (1, 2, 1), "valid", (0, 1, 0), (1, 1, 1), "channels_first"),
]


def _input(rng, spatial, channels, data_format, batch=2):
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    return rng.standard_normal(shape).astype("float32")


def _with_bias(out, bias, data_format):
    return out + (bias if data_format == "channels_last" else bias.reshape((-1,) + (1,) * (out.ndim - 2)))


def _case_id(case) -> str:
    rank, _, _, strides, padding, output_padding, dilation, data_format = case
    op = "none" if output_padding is None else "x".join(map(str, output_padding))
    return f"{rank}d-{padding}-s{'x'.join(map(str, strides))}-op{op}-d{'x'.join(map(str, dilation))}-{data_format}"


@pytest.mark.parametrize("case", FORWARD_CASES, ids=_case_id)
def test_conv_transpose_forward_matches_reference(backend, rng, case):
    rank, spatial, kernel_size, strides, padding, output_padding, dilation, data_format = case
    layer = CLASSES[rank](
        2,
        kernel_size,
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    x = _input(rng, spatial, 3, data_format)
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (*kernel_size, 2, 3) and bias.shape == (2,)
    expected = ref.conv_transpose(x, kernel, strides, padding, output_padding, data_format, dilation)
    expected = _with_bias(expected, bias, data_format)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv_transpose_activation_no_bias_and_alias(backend, rng):
    assert Convolution2DTranspose is Conv2DTranspose
    layer = Conv2DTranspose(3, 2, strides=2, activation="relu", use_bias=False)
    x = _input(rng, (3, 3), 2, "channels_last")
    out = ops.convert_to_numpy(layer(x))
    (kernel,) = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(ref.conv_transpose(x, kernel, (2, 2), "valid"), 0), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_transpose_gradients_match_finite_differences(backend, rng, data_format):
    layer = Conv2DTranspose(2, (2, 3), strides=(2, 1), padding="same", data_format=data_format)
    x = _input(rng, (2, 3), 2, data_format)
    layer(x)
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])
    y = rng.standard_normal(ops.convert_to_numpy(layer(x)).shape).astype("float32")

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), y)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    kernel, bias = [w.astype("float64") for w in layer.get_weights()]
    x64 = x.astype("float64")

    def numpy_loss(k, b):
        return np.mean(
            (_with_bias(ref.conv_transpose(x64, k, (2, 1), "same", None, data_format), b, data_format) - y) ** 2
        )

    for index, (param, grad) in enumerate(zip((kernel, bias), grads)):
        numeric = np.zeros_like(param)
        for i in np.ndindex(param.shape):
            plus, minus = param.copy(), param.copy()
            plus[i] += 1e-6
            minus[i] -= 1e-6
            args = [(plus, bias), (minus, bias)] if index == 0 else [(kernel, plus), (kernel, minus)]
            numeric[i] = (numpy_loss(*args[0]) - numpy_loss(*args[1])) / 2e-6
        assert ops.convert_to_numpy(grad).shape == param.shape
        np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize(
    ("input_shape", "kwargs", "expected"),
    [
        ((None, 5, 3), {"kernel_size": 3}, (None, 7, 2)),
        ((None, 5, 3), {"kernel_size": 3, "strides": 2}, (None, 11, 2)),
        ((None, 4, 3), {"kernel_size": 2, "strides": 3}, (None, 12, 2)),  # output_padding None: max(s - k, 0)
        ((None, 4, 3), {"kernel_size": 2, "strides": 3, "output_padding": 2}, (None, 13, 2)),
        ((None, 5, 3), {"kernel_size": 3, "strides": 2, "padding": "same"}, (None, 10, 2)),
        ((None, 5, 3), {"kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1}, (None, 9, 2)),
        ((None, 5, 3), {"kernel_size": 3, "dilation_rate": 2}, (None, 9, 2)),
        ((None, None, 3), {"kernel_size": 3}, (None, None, 2)),
        ((4, 3, 5), {"kernel_size": 2, "strides": 2, "data_format": "channels_first"}, (4, 2, 10)),
    ],
)
def test_conv1d_transpose_output_shape_formula(input_shape, kwargs, expected):
    assert Conv1DTranspose(2, **kwargs).compute_output_shape(input_shape) == expected


def test_symbolic_output_shape_matches_real_output(backend, rng):
    inputs = unikeras.Input((3, 4, 2))
    layer = Conv2DTranspose(5, (3, 2), strides=(2, 3), padding="same", output_padding=(0, 2))
    symbolic = layer(inputs)
    assert symbolic.shape == (None, 5, 11, 5)
    real = ops.convert_to_numpy(layer(rng.standard_normal((2, 3, 4, 2)).astype("float32")))
    assert real.shape == (2,) + symbolic.shape[1:]


def test_conv_transpose_config_round_trip(backend, rng):
    layer = Conv3DTranspose(
        2,
        (2, 1, 3),
        strides=(2, 1, 2),
        padding="same",
        output_padding=(1, 0, 0),
        data_format="channels_first",
        activation="tanh",
        kernel_initializer="he_normal",
        bias_initializer="random_normal",
        kernel_regularizer="l2",
        bias_constraint="non_neg",
        name="t3",
    )
    x = rng.standard_normal((1, 3, 2, 2, 2)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    config = layer.get_config()
    assert config["output_padding"] == (1, 0, 0) and config["kernel_regularizer"]["class_name"] == "L2"
    clone = Conv3DTranspose.from_config({**config, "kernel_size": [2, 1, 3], "output_padding": [1, 0, 0]})
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x)), out, rtol=1e-6, atol=1e-6)


def test_conv_transpose_regularizers_and_constraints(backend, rng):
    layer = Conv1DTranspose(
        2,
        3,
        strides=2,
        kernel_regularizer=unikeras.regularizers.L1(0.1),
        bias_regularizer="l2",
        kernel_constraint="non_neg",
        bias_constraint=unikeras.constraints.MaxNorm(0.5),
    )
    x = rng.standard_normal((4, 3, 2)).astype("float32")
    layer(x)
    kernel, bias = rng.standard_normal((3, 2, 2)).astype("float32"), rng.standard_normal(2).astype("float32")
    layer.set_weights([kernel, bias])
    penalties = [float(ops.convert_to_numpy(p)) for p in layer.losses]
    np.testing.assert_allclose(penalties, [0.1 * np.sum(np.abs(kernel)), 0.01 * np.sum(bias**2)], rtol=1e-5)
    model = unikeras.Sequential([unikeras.Input((3, 2)), layer])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, np.ones((4, 7, 2), "float32"), epochs=1, verbose=0)
    kernel, bias = layer.get_weights()
    assert kernel.min() >= 0 and np.linalg.norm(bias) <= 0.5 + 1e-5


@pytest.mark.parametrize(
    ("rank", "kwargs", "spatial"),
    [
        (1, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (5,)),
        (2, {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3), "output_padding": (1, 2)}, (3, 4)),
        (2, {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1}, (3, 3)),
        (3, {"filters": 2, "kernel_size": 2, "strides": (1, 2, 2), "padding": "same"}, (2, 3, 2)),
    ],
)
def test_conv_transpose_matches_keras(backend, rng, rank, kwargs, spatial):
    ours, theirs = CLASSES[rank](**kwargs), KERAS_CLASSES[rank](**kwargs)
    x = rng.standard_normal((2, *spatial, 3)).astype("float32")
    ours(x)
    theirs(x)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    weights = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = keras.ops.convert_to_numpy(theirs(x))
    assert ours.compute_output_shape(x.shape) == expected.shape
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x)), expected, rtol=1e-4, atol=1e-5)


def test_conv_transpose_config_matches_keras_keys():
    for rank in (1, 2, 3):
        ours, theirs = set(CLASSES[rank](2, 3).get_config()), set(KERAS_CLASSES[rank](2, 3).get_config())
        assert ours == theirs, (rank, ours ^ theirs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": 0, "kernel_size": 3}, r"Conv2DTranspose 'bad'.*`filters` must be a positive int.*0"),
        ({"filters": 2, "kernel_size": (3, 3, 3)}, r"Conv2DTranspose 'bad'.*`kernel_size`.*tuple of 2 ints"),
        ({"filters": 2, "kernel_size": 3, "padding": "full"}, r"Conv2DTranspose 'bad'.*`padding`.*'full'"),
        ({"filters": 2, "kernel_size": 3, "output_padding": 1}, r"Conv2DTranspose 'bad'.*`output_padding`.*smaller"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": -1}, r"'bad'.*`output_padding`.*non-neg"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, r"Conv2DTranspose 'bad'.*dilation_rate"),
        ({"filters": 2, "kernel_size": 3, "data_format": "NHWC"}, r"Conv2DTranspose 'bad'.*`data_format`"),
    ],
)
def test_conv_transpose_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2DTranspose(name="bad", **kwargs)


def test_conv_transpose_rejects_wrong_input(backend, rng):
    layer = Conv2DTranspose(2, 3, name="probe")
    with pytest.raises(ValueError, match=r"Conv2DTranspose 'probe'.*rank 4.*\(2, 5, 3\)"):
        layer(rng.standard_normal((2, 5, 3)).astype("float32"))
    layer(rng.standard_normal((1, 4, 4, 3)).astype("float32"))
    with pytest.raises(ValueError, match=r"probe.*expected axis -1 of size 3"):
        layer(rng.standard_normal((1, 4, 4, 2)).astype("float32"))


def test_conv_transpose_op_rejects_mismatched_kernel(backend, rng):
    x = rng.standard_normal((1, 4, 3)).astype("float32")
    with pytest.raises(ValueError, match=r"conv_transpose\(\).*last axis.*3 channels"):
        ops.conv_transpose(x, rng.standard_normal((2, 2, 4)).astype("float32"), 2)


def test_small_autoencoder_trains(backend, rng):
    x = rng.standard_normal((16, 8, 8, 1)).astype("float32")
    model = unikeras.Sequential(
        [
            unikeras.Input((8, 8, 1)),
            layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
            Conv2DTranspose(1, 3, strides=2, padding="same"),
        ]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, x, batch_size=8, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert model.predict(x, verbose=0).shape == (16, 8, 8, 1)
