"""Normalization (preprocessing): adapt() statistics against NumPy and Keras 3, forward and invert against
NumPy, given mean/variance, Keras's weight layout, config round trip, a model that trains after adapt, errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import normalization as ref
from unikeras import ops
from unikeras.layers.preprocessing import Normalization

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _np(x):
    return ops.convert_to_numpy(x)


def _data(rng, shape):
    """Values with a different mean and spread for every index of every axis."""
    scale = 1 + rng.random(shape[1:]) * 3
    offset = rng.standard_normal(shape[1:]) * 5
    return (rng.standard_normal(shape) * scale + offset).astype("float32")


ADAPT_CASES = {
    "features": ((40, 3), -1),
    "scalar": ((40, 3), None),
    "two_axes": ((20, 3, 4), (1, 2)),
    "middle_axis": ((20, 3, 4), 1),
    "batch_of_scalars": ((6,), -1),
}


@pytest.mark.parametrize("case", list(ADAPT_CASES.values()), ids=list(ADAPT_CASES))
def test_adapt_statistics_and_output_match_numpy(backend, rng, case):
    shape, axis = case
    data = _data(rng, shape)
    layer = Normalization(axis=axis)
    layer.adapt(data)
    mean, variance, count = layer.get_weights()
    want_mean, want_variance, want_count = ref.kept_statistics(data, axis)
    np.testing.assert_allclose(mean, want_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variance, want_variance, rtol=1e-5, atol=1e-6)
    assert int(count) == want_count
    x = _data(rng, shape)
    expected = ref.normalization(x, want_mean, want_variance, axis)
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_adapt_from_batches_equals_whole_array(backend, rng):
    data = _data(rng, (50, 2, 3))
    want_mean, want_variance, _ = ref.kept_statistics(data, -1)
    sources = {
        "list": [data[:7], data[7:30], data[30:]],
        "generator": (data[i : i + 9] for i in range(0, 50, 9)),
        "xy_tuples": [(data[:25], np.zeros(25)), (data[25:], np.zeros(25))],
        "tensors": [ops.convert_to_tensor(data[:20]), ops.convert_to_tensor(data[20:])],
    }
    for name, source in sources.items():
        layer = Normalization()
        layer.adapt(source)
        mean, variance, count = layer.get_weights()
        np.testing.assert_allclose(mean, want_mean, rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(variance, want_variance, rtol=1e-5, atol=1e-6, err_msg=name)
        assert int(count) == 50 * 2, name
    layer = Normalization()
    layer.adapt(data, batch_size=8)
    np.testing.assert_allclose(layer.get_weights()[1], want_variance, rtol=1e-5, atol=1e-6)


def test_adapt_steps_uses_only_the_first_batches(backend, rng):
    data = _data(rng, (40, 3))
    layer = Normalization()
    layer.adapt(data, batch_size=10, steps=2)
    want_mean, want_variance, want_count = ref.kept_statistics(data[:20], -1)
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, want_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variance, want_variance, rtol=1e-5, atol=1e-6)
    assert int(count) == want_count == 20
    layer.adapt(iter([data[:5], data[5:], data]), steps=1)  # adapting again starts afresh
    np.testing.assert_allclose(layer.get_weights()[0], data[:5].astype("float64").mean(0), rtol=1e-5, atol=1e-6)


def test_invert_denormalizes(backend, rng):
    data = _data(rng, (30, 4))
    forward, backward = Normalization(), Normalization(invert=True)
    forward.adapt(data)
    backward.adapt(data)
    mean, variance, _ = forward.get_weights()
    z = rng.standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(_np(backward(z)), ref.normalization(z, mean, variance, -1, invert=True), rtol=1e-4)
    np.testing.assert_allclose(_np(backward(forward(data))), data, rtol=1e-4, atol=1e-4)


def test_given_mean_and_variance_broadcast_against_kept_axes(backend, rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    layer = Normalization(axis=(1, 2), mean=[1.0, 2.0, 3.0, 4.0], variance=[1.0, 4.0, 9.0, 0.25])
    out = _np(layer(x))
    assert layer.weights == []
    expected = ref.normalization(x, [1.0, 2.0, 3.0, 4.0], [1.0, 4.0, 9.0, 0.25], (1, 2))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    scalar = Normalization(mean=3.0, variance=2.0, invert=True)
    np.testing.assert_allclose(_np(scalar(x)), 3.0 + x.astype("float64") * np.sqrt(2.0), rtol=1e-5)
    zero = Normalization(mean=0.0, variance=0.0)  # the standard deviation is floored at epsilon
    np.testing.assert_allclose(_np(zero(np.ones((1, 2), "float32"))), 1e7, rtol=1e-5)


def test_int_inputs_are_cast_to_the_layer_dtype(backend):
    layer = Normalization(mean=1.0, variance=4.0)
    out = layer(ops.convert_to_tensor(np.array([[3, 5]], "int32")))
    assert ops.dtype(out) == "float32"
    np.testing.assert_allclose(_np(out), [[1.0, 2.0]], rtol=1e-6)


def test_input_gradient_matches_finite_differences(backend, rng):
    data = _data(rng, (20, 3))
    layer = Normalization()
    layer.adapt(data)
    mean, variance, _ = layer.get_weights()
    x = rng.standard_normal((2, 3)).astype("float32")
    w = rng.standard_normal((2, 3)).astype("float32")
    x_var = unikeras.Variable(x, name="x")
    _, (grad,) = ops.value_and_grad(lambda: ops.sum(ops.square(ops.multiply(layer(x_var.value), w))), [x_var])()

    def numpy_loss(v):
        return np.sum((ref.normalization(v, mean, variance, -1) * w) ** 2)

    x64, h = x.astype("float64"), 1e-6
    numeric = np.zeros_like(x64)
    for i in np.ndindex(x.shape):
        plus, minus = x64.copy(), x64.copy()
        plus[i] += h
        minus[i] -= h
        numeric[i] = (numpy_loss(plus) - numpy_loss(minus)) / (2 * h)
    np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)


# ---------------------------------------------------------------- Keras
@pytest.mark.parametrize("axis", [-1, None, (1, 2)])
def test_adapt_matches_keras(backend, rng, axis):
    data = _data(rng, (30, 3, 4))
    theirs = keras.layers.Normalization(axis=axis)
    theirs.adapt(data)
    ours = Normalization(axis=axis)
    ours.adapt(data)
    their_weights, our_weights = theirs.get_weights(), ours.get_weights()
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights] == ["mean", "variance", "count"]
    assert [np.shape(w) for w in our_weights] == [np.shape(w) for w in their_weights]
    assert [np.asarray(w).dtype for w in our_weights] == [np.asarray(w).dtype for w in their_weights]
    assert not any(w.trainable for w in ours.weights)
    for got, want in zip(our_weights[:2], their_weights[:2]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    x = _data(rng, (4, 3, 4))
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)
    # Keras's weights (count included) load as they are
    copied = Normalization(axis=axis)
    copied.build((None, 3, 4))
    copied.set_weights(their_weights)
    np.testing.assert_allclose(_np(copied(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)


def test_invert_and_given_statistics_match_keras(backend, rng):
    x = rng.standard_normal((3, 2, 4)).astype("float32")
    kwargs = {"axis": (1, 2), "mean": [0.5, -1.0, 2.0, 0.0], "variance": [2.0, 0.5, 1.0, 3.0], "invert": True}
    theirs, ours = keras.layers.Normalization(**kwargs), Normalization(**kwargs)
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)
    keras_config = {k: v for k, v in theirs.get_config().items() if k not in ("name", "trainable", "dtype")}
    ours_config = ours.get_config()
    assert {k: ours_config[k] for k in keras_config} == keras_config


# ---------------------------------------------------------------- config, shapes, training
def test_config_round_trip(backend, rng):
    data = _data(rng, (20, 3))
    layer = Normalization(axis=-1, invert=True, name="norm")
    layer.adapt(data)
    config = layer.get_config()
    assert config["axis"] == (-1,) and config["invert"] is True and config["mean"] is None
    clone = Normalization.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone.build((None, 3))
    clone.set_weights(layer.get_weights())
    x = rng.standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(_np(clone(x)), _np(layer(x)), rtol=1e-6)
    given = Normalization(axis=None, mean=2.0, variance=3.0)
    clone = Normalization.from_config(given.get_config())
    assert clone.get_config() == given.get_config()
    np.testing.assert_allclose(_np(clone(x)), _np(given(x)), rtol=1e-6)


def test_output_shapes_symbolic_and_real(backend, rng):
    layer = Normalization(axis=(1, 2))
    assert layer(unikeras.Input((3, 4))).shape == (None, 3, 4)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    assert [w.shape for w in layer.weights] == [(3, 4), (3, 4), ()]
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    assert _np(layer(x)).shape == x.shape


def test_model_with_adapted_normalization_trains(backend, rng):
    x = _data(rng, (96, 3)) * 50  # features far from zero mean and unit variance
    y = (x @ np.array([[0.02], [-0.01], [0.03]]) + 1).astype("float32")
    norm = Normalization()
    model = unikeras.Sequential([unikeras.Input((3,)), norm, unikeras.layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")  # fast only on normalized inputs
    norm.adapt(x)  # the layer was built with the model: adapt fills its weights in place
    before = norm.get_weights()
    np.testing.assert_allclose(before[0], x.astype("float64").mean(0), rtol=1e-5)
    losses = model.fit(x, y, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.1 * losses[0], losses
    for got, want in zip(norm.get_weights(), before):  # non-trainable: fit leaves the statistics alone
        np.testing.assert_array_equal(got, want)
    assert len(model.trainable_weights) == 2


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mean": 1.0}, "`mean` and `variance` must be given together"),
        ({"variance": 1.0}, "`mean` and `variance` must be given together"),
        ({"mean": [1.0, 2.0], "variance": [1.0]}, "same shape"),
        ({"axis": -1, "mean": [[1.0]], "variance": [[1.0]]}, "rank of `mean`"),
        ({"axis": "last"}, "`axis` must be an int"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Normalization(name="norm", **kwargs)


def test_bad_inputs_raise(backend, rng):
    with pytest.raises(ValueError, match=r"Normalization 'n1': every axis in \(2,\) must be in \[-2, 2\)"):
        Normalization(axis=2, name="n1")(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Normalization 'n2'.*do not broadcast"):
        Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0], name="n2")(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Normalization 'n3'.*known sizes"):
        Normalization(axis=1, name="n3")(unikeras.Input((None, 3)))
    layer = Normalization(name="n4")
    layer.adapt(_data(rng, (10, 3)))
    with pytest.raises(ValueError, match=r"Normalization 'n4': adapt\(\) expected batches of rank 2 with sizes"):
        layer.adapt(_data(rng, (10, 4)))
    with pytest.raises(ValueError, match="expected axis 1 of size 3"):
        layer(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"Normalization 'n4': expected an input of rank 2"):
        layer(np.ones((2, 5, 3), "float32"))
    scalar = Normalization(axis=None, mean=0.0, variance=1.0, name="n6")
    scalar(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"Normalization 'n6': expected an input of rank 2"):
        scalar(unikeras.Input((3, 4)))
    given = Normalization(mean=0.0, variance=1.0, name="n5")
    with pytest.raises(ValueError, match=r"Normalization 'n5': adapt\(\) cannot change a layer created with"):
        given.adapt(np.ones((2, 3), "float32"))


@pytest.mark.parametrize(
    "data, kwargs, match",
    [
        ([], {}, "received no data"),
        ([1.0, 2.0], {}, "every batch to be an array or a tensor"),
        (5, {}, "expects an array, a tensor or an iterable"),
        (np.ones((4, 2)), {"steps": 0}, "`steps` must be a positive int"),
        (np.ones((4, 2)), {"batch_size": 1.5}, "`batch_size` must be a positive int"),
        ([np.ones((4, 2))], {"batch_size": 2}, "applies to arrays only"),
    ],
)
def test_bad_adapt_data_raise(backend, data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Normalization(name="norm").adapt(data, **kwargs)
