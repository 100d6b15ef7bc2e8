"""Conv1D / Conv2D / Conv3D: forward against the NumPy reference, gradients against finite
differences, output shapes, config round trip, argument errors, and a small CNN that trains.

Note: TensorFlow's 3-D ``"SAME"`` convolution is wrong when a stride exceeds the kernel size, so
the 3-D cases keep strides <= kernel size."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.reference import conv as ref
from unikeras import layers, ops
from unikeras.layers.convolution import Conv1D, Conv2D, Conv3D
from unikeras.layers.pooling import MaxPooling2D

CONV = {1: Conv1D, 2: Conv2D, 3: Conv3D}

# (rank, spatial, kernel_size, strides, padding, dilation_rate, data_format)
FORWARD_CASES = [
    (1, (7,), (3,), (1,), "valid", (1,), "channels_last"),
    (1, (7,), (3,), (2,), "same", (1,), "channels_last"),
    (1, (9,), (3,), (1,), "same", (2,), "channels_first"),
    (2, (5, 6), (3, 2), (1, 1), "valid", (1, 1), "channels_last"),
    (2, (5, 7), (3, 3), (2, 2), "same", (1, 1), "channels_last"),
    (2, (7, 6), (2, 3), (1, 1), "valid", (2, 1), "channels_last"),
    (2, (5, 5), (3, 3), (2, 1), "same", (1, 1), "channels_first"),
    (2, (6, 6), (3, 3), (1, 1), "same", (2, 2), "channels_first"),
    (3, (4, 5, 3), (2, 2, 2), (1, 1, 1), "valid", (1, 1, 1), "channels_last"),
    (3, (5, 5, 3), (3, 3, 2), (2, 2, 2), "same", (1, 1, 1), "channels_last"),
    (3, (5, 4, 4), (2, 2, 2), (1, 1, 1), "valid", (2, 1, 1), "channels_first"),
]


def _input(rng, spatial, channels, data_format, batch=2):
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    return rng.standard_normal(shape).astype("float32")


def _expected(x, kernel, bias, strides, padding, data_format, dilation):
    out = ref.conv(x, kernel, strides, padding, data_format, dilation).astype("float64")
    bias_shape = (-1,) if data_format == "channels_last" else (-1,) + (1,) * (x.ndim - 2)
    return out + bias.reshape(bias_shape)


def _case_id(case) -> str:
    rank, _, _, strides, padding, dilation, data_format = case
    join = "x".join
    return f"{rank}d-{padding}-s{join(map(str, strides))}-d{join(map(str, dilation))}-{data_format}"


@pytest.mark.parametrize("case", FORWARD_CASES, ids=_case_id)
def test_conv_forward_matches_reference(backend, rng, case):
    rank, spatial, kernel_size, strides, padding, dilation, data_format = case
    layer = CONV[rank](
        4,
        kernel_size,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        data_format=data_format,
        bias_initializer="random_normal",
    )
    x = _input(rng, spatial, 3, data_format)
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (*kernel_size, 3, 4) and bias.shape == (4,)
    expected = _expected(x, kernel, bias, strides, padding, data_format, dilation)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv_activation_and_no_bias(backend, rng):
    layer = Conv2D(2, 3, padding="same", activation="relu", use_bias=False)
    x = _input(rng, (4, 4), 3, "channels_last")
    out = ops.convert_to_numpy(layer(x))
    assert len(layer.weights) == 1
    (kernel,) = layer.get_weights()
    expected = np.maximum(ref.conv(x, kernel, (1, 1), "same"), 0.0)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv_default_data_format_follows_config(backend, rng):
    assert Conv2D(2, 3).data_format == unikeras.config.image_data_format()
    previous = unikeras.config.image_data_format()
    unikeras.config.set_image_data_format("channels_first")
    try:
        layer = Conv2D(2, 3)
    finally:
        unikeras.config.set_image_data_format(previous)
    assert layer.data_format == "channels_first"
    assert layer.compute_output_shape((None, 3, 8, 8)) == (None, 2, 6, 6)


@pytest.mark.parametrize(
    ("input_shape", "kwargs", "expected"),
    [
        ((None, 10, 3), {"kernel_size": 3}, (None, 8, 5)),
        ((None, 10, 3), {"kernel_size": 3, "strides": 3}, (None, 3, 5)),
        ((None, 10, 3), {"kernel_size": 3, "dilation_rate": 3}, (None, 4, 5)),
        ((None, 11, 3), {"kernel_size": 4, "strides": 2, "padding": "same"}, (None, 6, 5)),
        ((None, None, 3), {"kernel_size": 3}, (None, None, 5)),
        ((4, 2, 3), {"kernel_size": 3}, (4, 0, 5)),
    ],
)
def test_conv1d_output_shape_formula(input_shape, kwargs, expected):
    assert Conv1D(5, **kwargs).compute_output_shape(input_shape) == expected


def test_symbolic_output_shape_matches_real_output(backend, rng):
    inputs = unikeras.Input((9, 7, 3))
    layer = Conv2D(4, (3, 2), strides=2, padding="same")
    symbolic = layer(inputs)
    assert symbolic.shape == (None, 5, 4, 4)
    real = ops.convert_to_numpy(layer(rng.standard_normal((2, 9, 7, 3)).astype("float32")))
    assert real.shape == (2,) + symbolic.shape[1:]


def test_conv2d_gradients_match_finite_differences(backend, rng):
    layer = Conv2D(2, (2, 2), strides=(1, 2), padding="same", bias_initializer="random_normal")
    x = rng.standard_normal((2, 3, 4, 2)).astype("float32")
    layer(x)
    y = rng.standard_normal(ops.convert_to_numpy(layer(x)).shape).astype("float32")

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), y)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    kernel, bias = [w.astype("float64") for w in layer.get_weights()]
    x64 = x.astype("float64")

    def numpy_loss(k, b):
        return np.mean((ref.conv(x64, k, (1, 2), "same") + b - y) ** 2)

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
        assert ops.convert_to_numpy(grad).shape == param.shape
        np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_small_cnn_trains(backend, rng):
    x = rng.standard_normal((32, 6, 6, 1)).astype("float32")
    y = (x[:, :3].mean(axis=(1, 2, 3)) > x[:, 3:].mean(axis=(1, 2, 3))).astype("int32")
    model = unikeras.Sequential(
        [
            unikeras.Input((6, 6, 1)),
            Conv2D(4, 3, padding="same", activation="relu"),
            MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    assert model.layers[0].get_weights()[0].shape == (3, 3, 1, 4)
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.01),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert model.predict(x, verbose=0).shape == (32, 2)


def test_conv_config_round_trip(backend, rng):
    layer = Conv3D(
        3,
        (2, 3, 1),
        strides=(1, 2, 1),
        padding="same",
        data_format="channels_first",
        activation="tanh",
        use_bias=False,
        kernel_initializer="he_normal",
        name="c3",
    )
    layer(rng.standard_normal((1, 2, 3, 4, 2)).astype("float32"))
    config = layer.get_config()
    clone = Conv3D.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    assert clone.kernel_size == (2, 3, 1) and clone.strides == (1, 2, 1) and clone.dilation_rate == (1, 1, 1)
    assert clone.activation is unikeras.activations.tanh and clone.data_format == "channels_first"
    # lists, as after a JSON round trip, are accepted too
    listed = Conv3D.from_config({**config, "kernel_size": [2, 3, 1], "build_input_shape": [1, 2, 3, 4, 2]})
    assert listed.kernel_size == (2, 3, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": 0, "kernel_size": 3}, r"Conv2D 'bad'.*`filters` must be a positive int.*0"),
        ({"filters": 2.5, "kernel_size": 3}, r"Conv2D 'bad'.*`filters`"),
        ({"filters": 2, "kernel_size": (3, 3, 3)}, r"Conv2D 'bad'.*`kernel_size`.*tuple of 2 ints"),
        ({"filters": 2, "kernel_size": 0}, r"Conv2D 'bad'.*`kernel_size`.*positive"),
        ({"filters": 2, "kernel_size": 3, "padding": "causal"}, r"Conv2D 'bad'.*`padding`.*'causal'"),
        ({"filters": 2, "kernel_size": 3, "strides": -1}, r"Conv2D 'bad'.*`strides`"),
        ({"filters": 2, "kernel_size": 3, "data_format": "nhwc"}, r"Conv2D 'bad'.*`data_format`"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, r"Conv2D 'bad'.*dilation_rate"),
    ],
)
def test_conv_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(name="bad", **kwargs)


def test_conv_rejects_wrong_input_rank_and_channels(backend, rng):
    layer = Conv2D(2, 3, name="probe")
    with pytest.raises(ValueError, match=r"Conv2D 'probe'.*rank 4.*\(2, 5, 3\)"):
        layer(rng.standard_normal((2, 5, 3)).astype("float32"))
    layer(rng.standard_normal((1, 5, 5, 3)).astype("float32"))
    with pytest.raises(ValueError, match=r"probe.*expected axis -1 of size 3"):
        layer(rng.standard_normal((1, 5, 5, 4)).astype("float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'probe'.*rank 4"):
        layer(rng.standard_normal((1, 5, 5, 5, 3)).astype("float32"))


# ---------------------------------------------------------------------- groups, causal padding
# (rank, spatial, kernel_size, strides, padding, dilation_rate, data_format, in channels, filters, groups)
GROUPED_CASES = [
    (1, (7,), (3,), (2,), "same", (1,), "channels_last", 4, 6, 2),
    (2, (5, 6), (3, 2), (1, 1), "valid", (2, 1), "channels_first", 6, 3, 3),
    (2, (6, 5), (3, 3), (2, 1), "same", (1, 1), "channels_last", 4, 8, 4),
    (3, (4, 4, 3), (2, 2, 2), (1, 1, 1), "same", (1, 1, 1), "channels_first", 4, 2, 2),
]


@pytest.mark.parametrize("case", GROUPED_CASES, ids=lambda c: f"{c[0]}d-g{c[-1]}-{c[4]}-{c[6]}")
def test_grouped_conv_forward_matches_reference(backend, rng, case):
    rank, spatial, kernel_size, strides, padding, dilation, data_format, cin, filters, groups = case
    layer = CONV[rank](
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        dilation_rate=dilation,
        data_format=data_format,
        groups=groups,
        bias_initializer="random_normal",
    )
    x = _input(rng, spatial, cin, data_format)
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (*kernel_size, cin // groups, filters)
    bias_shape = (-1,) if data_format == "channels_last" else (-1,) + (1,) * rank
    expected = ref.grouped_conv(x, kernel, strides, padding, data_format, dilation, groups) + bias.reshape(bias_shape)
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv1d_causal_padding(backend, rng, data_format):
    layer = Conv1D(3, 3, padding="causal", dilation_rate=2, data_format=data_format, bias_initializer="random_normal")
    x = _input(rng, (6,), 2, data_format)
    out = ops.convert_to_numpy(layer(x))
    kernel, bias = layer.get_weights()
    axis = 1 if data_format == "channels_last" else 2
    padded = np.pad(x, [(0, 0)] * axis + [(4, 0)] + [(0, 0)] * (2 - axis))
    expected = ref.conv(padded, kernel, (1,), "valid", data_format, (2,)) + (bias if axis == 1 else bias[:, None])
    assert out.shape == expected.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    # step t depends on steps <= t only
    later = x.copy()
    later[(slice(None), slice(None), slice(4, None)) if axis == 2 else (slice(None), slice(4, None))] += 1.0
    changed = ops.convert_to_numpy(layer(later))
    head = (slice(None), slice(None), slice(0, 4)) if axis == 2 else (slice(None), slice(0, 4))
    np.testing.assert_allclose(changed[head], out[head], rtol=1e-6, atol=1e-6)


def test_grouped_conv_gradients_match_finite_differences(backend, rng):
    layer = Conv1D(4, 2, strides=2, padding="same", groups=2, data_format="channels_first")
    x = rng.standard_normal((2, 4, 5)).astype("float32")
    layer(x)
    layer.set_weights([rng.standard_normal(w.shape).astype("float32") for w in layer.get_weights()])
    y = rng.standard_normal(ops.convert_to_numpy(layer(x)).shape).astype("float32")

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), y)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    kernel, bias = [w.astype("float64") for w in layer.get_weights()]

    def numpy_loss(k, b):
        return np.mean(
            (ref.grouped_conv(x.astype("float64"), k, (2,), "same", "channels_first", (1,), 2) + b[:, None] - y) ** 2
        )

    for index, (param, grad) in enumerate(zip((kernel, bias), grads)):
        numeric = np.zeros_like(param)
        for i in np.ndindex(param.shape):
            plus, minus = param.copy(), param.copy()
            plus[i] += 1e-6
            minus[i] -= 1e-6
            args = [(plus, bias), (minus, bias)] if index == 0 else [(kernel, plus), (kernel, minus)]
            numeric[i] = (numpy_loss(*args[0]) - numpy_loss(*args[1])) / 2e-6
        np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"filters": 6, "kernel_size": 3, "groups": 0}, r"Conv2D 'bad'.*`groups` must be a positive int.*0"),
        ({"filters": 6, "kernel_size": 3, "groups": 4}, r"Conv2D 'bad'.*`filters` must be a multiple of `groups`.*4"),
    ],
)
def test_conv_rejects_bad_groups(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(name="bad", **kwargs)


def test_conv_rejects_channels_not_divisible_by_groups(backend, rng):
    layer = Conv2D(4, 3, groups=2, name="probe")
    with pytest.raises(ValueError, match=r"Conv2D 'probe'.*multiple of `groups`=2.*3 channels"):
        layer(rng.standard_normal((1, 5, 5, 3)).astype("float32"))


def test_causal_padding_only_for_conv1d():
    assert Conv1D(2, 3, padding="causal").compute_output_shape((None, 7, 2)) == (None, 7, 2)
    assert Conv1D(2, 3, strides=2, padding="causal").compute_output_shape((None, 7, 2)) == (None, 4, 2)
    with pytest.raises(ValueError, match=r"Conv3D 'bad'.*`padding`.*'causal'"):
        Conv3D(2, 3, padding="causal", name="bad")


# ---------------------------------------------------------------------- regularizers, constraints
def test_conv_regularizers_and_constraints(backend, rng):
    layer = Conv2D(
        3,
        2,
        groups=1,
        kernel_regularizer=unikeras.regularizers.L2(0.1),
        bias_regularizer="l1",
        kernel_constraint=unikeras.constraints.MaxNorm(0.5, axis=[0, 1, 2]),
        bias_constraint="non_neg",
    )
    x = rng.standard_normal((4, 4, 4, 2)).astype("float32")
    layer(x)
    kernel, bias = rng.standard_normal((2, 2, 2, 3)).astype("float32"), rng.standard_normal(3).astype("float32")
    layer.set_weights([kernel, bias])
    penalties = [float(ops.convert_to_numpy(p)) for p in layer.losses]
    np.testing.assert_allclose(penalties, [0.1 * np.sum(kernel**2), 0.01 * np.sum(np.abs(bias))], rtol=1e-5)
    config = layer.get_config()
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["kernel_constraint"]["class_name"] == "MaxNorm"
    assert config["bias_constraint"]["class_name"] == "NonNeg"
    config.pop("build_input_shape")
    assert Conv2D.from_config(config).get_config() == config
    model = unikeras.Sequential([unikeras.Input((4, 4, 2)), layer])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, np.ones((4, 3, 3, 3), "float32"), epochs=1, verbose=0)
    kernel, bias = layer.get_weights()
    assert bias.min() >= 0
    assert np.linalg.norm(kernel.reshape(-1, 3), axis=0).max() <= 0.5 + 1e-5


# ---------------------------------------------------------------------- Keras parity
def _keras_conv(rank):
    import keras

    return {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}[rank]


@pytest.mark.parametrize(
    ("rank", "kwargs", "spatial", "channels"),
    [
        (1, {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (7,), 3),
        (2, {"filters": 6, "kernel_size": (3, 2), "strides": 2, "padding": "same", "groups": 3}, (6, 5), 3),
        (3, {"filters": 4, "kernel_size": 2, "groups": 2}, (3, 4, 3), 4),
    ],
)
def test_conv_matches_keras(backend, rng, rank, kwargs, spatial, channels):
    ours = CONV[rank](**kwargs)
    theirs = _keras_conv(rank)(**kwargs)
    x = rng.standard_normal((2, *spatial, channels)).astype("float32")
    ours(x)
    theirs(x)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    weights = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x)), np.asarray(theirs(x)), rtol=1e-4, atol=1e-5)


def test_conv_config_matches_keras_keys():
    for rank in (1, 2, 3):
        ours, theirs = set(CONV[rank](2, 3).get_config()), set(_keras_conv(rank)(2, 3).get_config())
        assert ours == theirs, (rank, ours ^ theirs)


def test_conv_op_infers_groups_and_rejects_mismatched_kernel(backend, rng):
    x = rng.standard_normal((1, 6, 4)).astype("float32")
    kernel = rng.standard_normal((3, 2, 6)).astype("float32")
    expected = ref.grouped_conv(x, kernel, (1,), "valid", "channels_last", (1,), 2)
    np.testing.assert_allclose(ops.convert_to_numpy(ops.conv(x, kernel)), expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"conv\(\).*4 channels.*multiple of the kernel's 3 input channels"):
        ops.conv(x, rng.standard_normal((3, 3, 6)).astype("float32"))
    with pytest.raises(ValueError, match=r"conv\(\).*kernel's 5 output channels"):
        ops.conv(x, rng.standard_normal((3, 2, 5)).astype("float32"))
