"""DepthwiseConv1D/2D and SeparableConv1D/2D: forward against the NumPy reference, gradients against
finite differences, output shapes (eager and symbolic), config round trip, parity with Keras 3,
regularizers and constraints, argument errors, and a small model that trains."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import conv as ref
from unikeras import layers, ops
from unikeras.layers.depthwise_convolution import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution2D,
)

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

DEPTHWISE = {1: DepthwiseConv1D, 2: DepthwiseConv2D}
SEPARABLE = {1: SeparableConv1D, 2: SeparableConv2D}
KERAS_DEPTHWISE = {1: keras.layers.DepthwiseConv1D, 2: keras.layers.DepthwiseConv2D}
KERAS_SEPARABLE = {1: keras.layers.SeparableConv1D, 2: keras.layers.SeparableConv2D}

# (rank, spatial, kernel_size, strides, padding, dilation_rate, depth_multiplier, data_format)
FORWARD_CASES = [
    (1, (7,), (3,), (1,), "valid", (1,), 1, "channels_last"),
    (1, (8,), (3,), (2,), "same", (1,), 2, "channels_first"),
    (1, (9,), (2,), (2,), "same", (2,), 1, "channels_last"),  # strides together with dilation
    (2, (5, 6), (3, 2), (1, 1), "valid", (1, 1), 2, "channels_last"),
    (2, (6, 5), (3, 3), (2, 1), "same", (1, 1), 1, "channels_first"),  # unequal strides
    (2, (7, 7), (2, 3), (2, 2), "same", (2, 1), 2, "channels_last"),  # strides together with dilation
    (2, (6, 6), (3, 3), (1, 1), "same", (2, 2), 1, "channels_first"),
]


def _input(rng, spatial, channels, data_format, batch=2):
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    return rng.standard_normal(shape).astype("float32")


def _with_bias(out, bias, data_format):
    return out + (bias if data_format == "channels_last" else bias.reshape((-1,) + (1,) * (out.ndim - 2)))


def _case_id(case) -> str:
    rank, _, _, strides, padding, dilation, multiplier, data_format = case
    return (
        f"{rank}d-{padding}-s{'x'.join(map(str, strides))}-d{'x'.join(map(str, dilation))}-m{multiplier}-{data_format}"
    )


@pytest.mark.parametrize("case", FORWARD_CASES, ids=_case_id)
def test_depthwise_forward_matches_reference(backend, rng, case):
    rank, spatial, kernel_size, strides, padding, dilation, multiplier, data_format = case
    layer = DEPTHWISE[rank](
        kernel_size,
        strides=strides,
        padding=padding,
        depth_multiplier=multiplier,
        dilation_rate=dilation,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    x = _input(rng, spatial, 3, data_format)
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (*kernel_size, 3, multiplier) and bias.shape == (3 * multiplier,)
    expected = _with_bias(ref.depthwise_conv(x, kernel, strides, padding, data_format, dilation), bias, data_format)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", FORWARD_CASES, ids=_case_id)
def test_separable_forward_matches_reference(backend, rng, case):
    rank, spatial, kernel_size, strides, padding, dilation, multiplier, data_format = case
    layer = SEPARABLE[rank](
        4,
        kernel_size,
        strides=strides,
        padding=padding,
        depth_multiplier=multiplier,
        dilation_rate=dilation,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    x = _input(rng, spatial, 3, data_format)
    out = ops.convert_to_numpy(layer(x))
    depthwise, pointwise, bias = layer.get_weights()
    assert depthwise.shape == (*kernel_size, 3, multiplier)
    assert pointwise.shape == (*(1,) * rank, 3 * multiplier, 4) and bias.shape == (4,)
    expected = ref.separable_conv(x, depthwise, pointwise, strides, padding, data_format, dilation)
    expected = _with_bias(expected, bias, data_format)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_no_bias_activation_and_alias(backend, rng):
    assert SeparableConvolution2D is SeparableConv2D
    layer = DepthwiseConv2D(2, activation="relu", use_bias=False)
    x = _input(rng, (4, 4), 2, "channels_last")
    out = ops.convert_to_numpy(layer(x))
    (kernel,) = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(ref.depthwise_conv(x, kernel, (1, 1), "valid"), 0), rtol=1e-4, atol=1e-5)
    layer = SeparableConv1D(2, 3, use_bias=False)
    layer(x[:, 0])
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel"]


def _finite_difference_check(layer, x, forward, rng):
    """Gradients of a mean squared error w.r.t. every weight against central differences of ``forward``
    (the NumPy reference of the layer, float64, taking the weights in ``get_weights`` order)."""
    layer(x)
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])
    y = rng.standard_normal(ops.convert_to_numpy(layer(x)).shape).astype("float32")

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), y)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    params = [w.astype("float64") for w in layer.get_weights()]

    def numpy_loss(values):
        return np.mean((forward(x.astype("float64"), *values) - y) ** 2)

    for index, (param, grad) in enumerate(zip(params, grads)):
        numeric = np.zeros_like(param)
        for i in np.ndindex(param.shape):
            plus, minus = list(params), list(params)
            plus[index], minus[index] = param.copy(), param.copy()
            plus[index][i] += 1e-6
            minus[index][i] -= 1e-6
            numeric[i] = (numpy_loss(plus) - numpy_loss(minus)) / 2e-6
        assert ops.convert_to_numpy(grad).shape == param.shape
        np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_depthwise_gradients_match_finite_differences(backend, rng):
    # strides together with dilation: TensorFlow's path convolves densely and subsamples
    layer = DepthwiseConv2D(2, strides=2, dilation_rate=2, padding="same", depth_multiplier=2)
    x = rng.standard_normal((2, 5, 4, 2)).astype("float32")

    def forward(x, kernel, bias):
        return ref.depthwise_conv(x, kernel, (2, 2), "same", "channels_last", (2, 2)) + bias

    _finite_difference_check(layer, x, forward, rng)


def test_separable_gradients_match_finite_differences(backend, rng):
    layer = SeparableConv1D(2, 3, strides=2, padding="same", data_format="channels_first")
    x = rng.standard_normal((2, 2, 5)).astype("float32")

    def forward(x, depthwise, pointwise, bias):
        return ref.separable_conv(x, depthwise, pointwise, (2,), "same", "channels_first") + bias[:, None]

    _finite_difference_check(layer, x, forward, rng)


@pytest.mark.parametrize(
    ("layer", "input_shape", "expected"),
    [
        (DepthwiseConv1D(3, depth_multiplier=2), (None, 10, 4), (None, 8, 8)),
        (DepthwiseConv1D(3, strides=2, padding="same"), (None, 11, 4), (None, 6, 4)),
        (DepthwiseConv1D(3, dilation_rate=3), (None, None, 4), (None, None, 4)),
        (DepthwiseConv2D(3, data_format="channels_first", depth_multiplier=3), (2, 2, 6, 5), (2, 6, 4, 3)),
        (DepthwiseConv2D(2), (None, 5, 5, None), (None, 4, 4, None)),
        (SeparableConv1D(5, 3, strides=3), (None, 10, 4), (None, 3, 5)),
        (SeparableConv2D(5, 3, padding="same", data_format="channels_first"), (None, 4, 7, 6), (None, 5, 7, 6)),
    ],
)
def test_output_shape_formula(layer, input_shape, expected):
    assert layer.compute_output_shape(input_shape) == expected


def test_symbolic_output_shape_matches_real_output(backend, rng):
    inputs = unikeras.Input((9, 7, 3))
    depthwise = DepthwiseConv2D((3, 2), strides=2, padding="same", depth_multiplier=2)
    separable = SeparableConv2D(4, 3, dilation_rate=2, padding="same")
    hidden = depthwise(inputs)
    assert hidden.shape == (None, 5, 4, 6)
    assert separable(hidden).shape == (None, 5, 4, 4)
    x = rng.standard_normal((2, 9, 7, 3)).astype("float32")
    assert ops.convert_to_numpy(separable(depthwise(x))).shape == (2, 5, 4, 4)
    inputs = unikeras.Input((12, 3))
    layer = SeparableConv1D(4, 3, strides=2, padding="same", depth_multiplier=2)
    assert layer(inputs).shape == (None, 6, 4)
    assert ops.convert_to_numpy(layer(rng.standard_normal((2, 12, 3)).astype("float32"))).shape == (2, 6, 4)


@pytest.mark.parametrize("cls", [DepthwiseConv2D, SeparableConv1D])
def test_config_round_trip(backend, rng, cls):
    common = {
        "strides": 2,
        "padding": "same",
        "data_format": "channels_first",
        "depth_multiplier": 2,
        "activation": "tanh",
        "depthwise_initializer": "he_normal",
        "bias_initializer": "random_normal",
        "depthwise_regularizer": "l2",
        "depthwise_constraint": "non_neg",
        "name": "probe",
    }
    if cls is SeparableConv1D:
        layer = cls(3, 2, pointwise_regularizer="l1", pointwise_constraint="unit_norm", **common)
        x = rng.standard_normal((2, 3, 5)).astype("float32")
    else:
        layer = cls((2, 3), **common)
        x = rng.standard_normal((2, 3, 5, 4)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    config = layer.get_config()
    assert config["depthwise_regularizer"]["class_name"] == "L2"
    assert config["depthwise_constraint"]["class_name"] == "NonNeg"
    clone = cls.from_config({**config, "kernel_size": list(layer.kernel_size)})
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x)), out, rtol=1e-6, atol=1e-6)


def test_regularizers_and_constraints(backend, rng):
    layer = SeparableConv2D(
        2,
        2,
        depthwise_regularizer=unikeras.regularizers.L2(0.1),
        pointwise_regularizer="l1",
        bias_regularizer=unikeras.regularizers.L1(0.5),
        depthwise_constraint="non_neg",
        pointwise_constraint=unikeras.constraints.MaxNorm(0.5, axis=[0, 1, 2]),
        bias_constraint="non_neg",
    )
    x = rng.standard_normal((4, 3, 3, 2)).astype("float32")
    layer(x)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    depthwise, pointwise, bias = weights
    penalties = [float(ops.convert_to_numpy(p)) for p in layer.losses]
    want = [0.1 * np.sum(depthwise**2), 0.01 * np.sum(np.abs(pointwise)), 0.5 * np.sum(np.abs(bias))]
    np.testing.assert_allclose(penalties, want, rtol=1e-5)
    model = unikeras.Sequential([unikeras.Input((3, 3, 2)), layer])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, np.ones((4, 2, 2, 2), "float32"), epochs=1, verbose=0)
    depthwise, pointwise, bias = layer.get_weights()
    assert depthwise.min() >= 0 and bias.min() >= 0
    assert np.linalg.norm(pointwise.reshape(-1, 2), axis=0).max() <= 0.5 + 1e-5
    depthwise_layer = DepthwiseConv1D(2, depthwise_regularizer="l2", depthwise_constraint="non_neg")
    depthwise_layer(x[:, 0])
    assert [w.constraint is not None for w in depthwise_layer.weights] == [True, False]
    assert len(depthwise_layer.losses) == 1


@pytest.mark.parametrize(
    ("kind", "rank", "kwargs", "spatial"),
    [
        ("depthwise", 1, {"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2}, (7,)),
        ("depthwise", 2, {"kernel_size": (3, 2), "dilation_rate": 2, "padding": "same"}, (6, 5)),
        ("depthwise", 2, {"kernel_size": 2, "strides": 2, "dilation_rate": 2, "padding": "same"}, (7, 6)),
        ("separable", 1, {"filters": 4, "kernel_size": 3, "depth_multiplier": 2}, (7,)),
        (
            "separable",
            2,
            {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"},
            (6, 5),
        ),  # Keras-TF: equal strides only
    ],
)
def test_matches_keras(backend, rng, kind, rank, kwargs, spatial):
    ours = (DEPTHWISE if kind == "depthwise" else SEPARABLE)[rank](**kwargs)
    theirs = (KERAS_DEPTHWISE if kind == "depthwise" else KERAS_SEPARABLE)[rank](**kwargs)
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


def test_config_matches_keras_keys():
    for rank in (1, 2):
        ours, theirs = set(DEPTHWISE[rank](3).get_config()), set(KERAS_DEPTHWISE[rank](3).get_config())
        assert ours == theirs, (rank, ours ^ theirs)
        ours, theirs = set(SEPARABLE[rank](2, 3).get_config()), set(KERAS_SEPARABLE[rank](2, 3).get_config())
        assert ours == theirs, (rank, ours ^ theirs)


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 0}, r"DepthwiseConv2D 'bad'.*`depth_multiplier`.*0"),
        (DepthwiseConv2D, {"kernel_size": (3, 3, 3)}, r"DepthwiseConv2D 'bad'.*`kernel_size`.*tuple of 2 ints"),
        (DepthwiseConv1D, {"kernel_size": 3, "padding": "causal"}, r"DepthwiseConv1D 'bad'.*`padding`.*'causal'"),
        (DepthwiseConv1D, {"kernel_size": 3, "strides": 0}, r"DepthwiseConv1D 'bad'.*`strides`.*positive"),
        (SeparableConv2D, {"filters": -1, "kernel_size": 3}, r"SeparableConv2D 'bad'.*`filters`.*-1"),
        (SeparableConv1D, {"filters": 2, "kernel_size": 3, "data_format": "NWC"}, r"SeparableConv1D 'bad'.*`data_f"),
    ],
)
def test_rejects_bad_arguments(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(name="bad", **kwargs)


def test_rejects_wrong_input(backend, rng):
    layer = SeparableConv2D(2, 3, name="probe")
    with pytest.raises(ValueError, match=r"SeparableConv2D 'probe'.*rank 4.*\(2, 5, 3\)"):
        layer(rng.standard_normal((2, 5, 3)).astype("float32"))
    layer(rng.standard_normal((1, 5, 5, 3)).astype("float32"))
    with pytest.raises(ValueError, match=r"probe.*expected axis -1 of size 3"):
        layer(rng.standard_normal((1, 5, 5, 2)).astype("float32"))
    x = rng.standard_normal((1, 5, 3)).astype("float32")
    with pytest.raises(ValueError, match=r"depthwise_conv\(\).*axis -2.*3 channels"):
        ops.depthwise_conv(x, rng.standard_normal((2, 4, 1)).astype("float32"))


def test_small_separable_cnn_trains(backend, rng):
    x = rng.standard_normal((32, 6, 6, 2)).astype("float32")
    y = (x[:, :3].mean(axis=(1, 2, 3)) > x[:, 3:].mean(axis=(1, 2, 3))).astype("int32")
    model = unikeras.Sequential(
        [
            unikeras.Input((6, 6, 2)),
            DepthwiseConv2D(3, padding="same", depth_multiplier=2, activation="relu"),
            SeparableConv2D(4, 3, strides=2, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.01),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(x, y, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
