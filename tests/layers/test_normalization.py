"""LayerNormalization, BatchNormalization, GroupNormalization, UnitNormalization: forward against NumPy,
gradients against finite differences, moving statistics (eager and inside each backend's compiled fit
step), regularizers and constraints, parity with Keras 3 on copied weights, config, errors."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import unikeras
from tests.reference import normalization as ref
from unikeras import constraints, ops, regularizers
from unikeras.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
)

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


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


# ---------------------------------------------------------------- helpers
def _np(x):
    return ops.convert_to_numpy(x)


def _finite_difference(fn, arrays, index, h=1e-6):
    """Central differences of the float64 scalar ``fn(*arrays)`` w.r.t. ``arrays[index]``."""
    arrays = [a.astype("float64") for a in arrays]
    numeric = np.zeros_like(arrays[index])
    for i in np.ndindex(numeric.shape):
        plus, minus = list(arrays), list(arrays)
        plus[index], minus[index] = arrays[index].copy(), arrays[index].copy()
        plus[index][i] += h
        minus[index][i] -= h
        numeric[i] = (fn(*plus) - fn(*minus)) / (2 * h)
    return numeric


def _keras_config_keys(layer):
    return set(layer.get_config()) - {"name", "trainable", "dtype"}


# ---------------------------------------------------------------- GroupNormalization
GROUP_CASES = {
    "groups_1_layer_norm": ((2, 3, 4, 6), 1, -1),
    "instance_norm": ((2, 3, 4, 6), 6, -1),
    "instance_norm_minus_1": ((2, 3, 4, 6), -1, -1),
    "rank3_between": ((3, 5, 6), 3, -1),
    "channels_first_rank4": ((2, 6, 3, 4), 2, 1),
    "rank2": ((4, 8), 4, -1),
}


@pytest.mark.parametrize("case", list(GROUP_CASES.values()), ids=list(GROUP_CASES))
def test_group_norm_forward_matches_numpy(backend, rng, case):
    shape, groups, axis = case
    x = (rng.standard_normal(shape) * 2 + 1).astype("float32")
    layer = GroupNormalization(groups=groups, axis=axis, epsilon=1e-3)
    out = _np(layer(x))
    _randomize(layer, rng)
    gamma, beta = layer.get_weights()
    channels = shape[axis]
    assert gamma.shape == beta.shape == (channels,)
    resolved = channels if groups == -1 else groups
    np.testing.assert_allclose(out, ref.group_norm(x, resolved, axis), rtol=1e-4, atol=1e-5)
    expected = ref.group_norm(x, resolved, axis, gamma, beta, 1e-3)
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_group_norm_one_group_equals_layer_norm_over_all_but_batch(backend, rng):
    x = rng.standard_normal((2, 3, 4, 5)).astype("float32")
    group = GroupNormalization(groups=1, center=False, scale=False)
    layer = LayerNormalization(axis=(1, 2, 3), center=False, scale=False)
    np.testing.assert_allclose(_np(group(x)), _np(layer(x)), rtol=1e-4, atol=1e-5)


def test_group_norm_shapes_symbolic_and_real(backend, rng):
    layer = GroupNormalization(groups=2, axis=1)
    symbolic = layer(unikeras.Input((4, 3, 5)))
    assert symbolic.shape == (None, 4, 3, 5)
    assert layer.compute_output_shape((None, 4, 3, 5)) == (None, 4, 3, 5)
    x = rng.standard_normal((2, 4, 3, 5)).astype("float32")
    assert _np(layer(x)).shape == x.shape
    assert [w.name for w in layer.weights] == ["gamma", "beta"]


def test_group_norm_matches_keras_with_copied_weights(backend, rng):
    x = rng.standard_normal((3, 5, 6)).astype("float32")
    theirs = keras.layers.GroupNormalization(groups=3, epsilon=1e-4)
    theirs.build(x.shape)
    theirs.set_weights([rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()])
    ours = GroupNormalization(groups=3, epsilon=1e-4)
    ours(x)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)
    assert _keras_config_keys(theirs) <= set(ours.get_config())


def test_group_norm_config_round_trip(backend, rng):
    layer = GroupNormalization(
        groups=2,
        axis=1,
        epsilon=1e-5,
        center=False,
        gamma_initializer="random_normal",
        gamma_regularizer=regularizers.L2(0.1),
        beta_regularizer="l1",
        gamma_constraint=constraints.NonNeg(),
        beta_constraint="max_norm",
        name="gn",
    )
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    out = _np(layer(x))
    config = layer.get_config()
    assert config["groups"] == 2 and config["axis"] == 1
    assert config["gamma_regularizer"] == {"class_name": "L2", "config": {"l2": 0.1}}
    assert config["gamma_constraint"] == {"class_name": "NonNeg", "config": {}}
    clone = GroupNormalization.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_np(clone(x)), out, rtol=1e-6, atol=1e-6)


def test_group_norm_minus_one_groups_resolves_at_build(backend, rng):
    layer = GroupNormalization(groups=-1)
    assert layer.get_config()["groups"] == -1
    layer(rng.standard_normal((2, 5)).astype("float32"))
    assert layer.groups == 5  # as Keras: the channel count once built


@pytest.mark.parametrize(
    "kwargs, shape, match",
    [
        ({"groups": 4}, (2, 3, 6), r"GroupNormalization 'gn'.*channels \(6\).*divisible by `groups` \(4\)"),
        ({"groups": 8}, (2, 6), r"GroupNormalization 'gn'.*cannot be more than the number of channels \(6\)"),
        ({"groups": 2, "axis": 0}, (2, 6), "batch axis"),
        ({"groups": 2, "axis": 3}, (2, 6), "invalid axis 3"),
        ({"groups": 2}, (6,), "rank >= 2"),
    ],
)
def test_group_norm_rejects_bad_inputs(backend, kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        GroupNormalization(name="gn", **kwargs)(np.ones(shape, "float32"))


def test_group_norm_rejects_inputs_of_another_shape_after_build(backend, rng):
    layer = GroupNormalization(groups=2, name="gn")
    layer(rng.standard_normal((2, 3, 4)).astype("float32"))
    with pytest.raises(ValueError, match="expected axis 2 of size 4"):
        layer(rng.standard_normal((2, 3, 6)).astype("float32"))
    with pytest.raises(ValueError, match=r"GroupNormalization 'gn': expected an input of rank 3"):
        layer(rng.standard_normal((2, 4)).astype("float32"))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"groups": 0}, "`groups` must be a positive int"),
        ({"groups": 2.0}, "`groups` must be a positive int"),
        ({"groups": 2, "axis": [1, 2]}, "`axis` must be an int"),
        ({"groups": 2, "epsilon": -1.0}, "epsilon"),
    ],
)
def test_group_norm_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GroupNormalization(**kwargs)


def test_group_norm_model_trains(backend, rng):
    x = rng.standard_normal((64, 4, 6)).astype("float32")
    y = (ref.group_norm(x, 3).reshape(64, -1) @ rng.standard_normal((24, 1))).astype("float32")  # learnable
    model = unikeras.Sequential(
        [unikeras.Input((4, 6)), GroupNormalization(groups=3), unikeras.layers.Flatten(), unikeras.layers.Dense(1)]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, batch_size=16, epochs=6, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0], losses


# ---------------------------------------------------------------- UnitNormalization
@pytest.mark.parametrize("axis", [-1, (1, 2)])
def test_unit_norm_forward_matches_numpy(backend, rng, axis):
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    out = _np(UnitNormalization(axis=axis)(x))
    np.testing.assert_allclose(out, ref.unit_norm(x, axis), rtol=1e-4, atol=1e-5)
    axes = (axis,) if isinstance(axis, int) else axis
    np.testing.assert_allclose(np.sum(out**2, axis=axes), 1.0, rtol=1e-5)


def test_unit_norm_zero_input_and_int_input(backend):
    x = np.zeros((2, 3), "float32")
    x[1] = [3.0, 0.0, 4.0]
    np.testing.assert_allclose(_np(UnitNormalization()(x)), [[0, 0, 0], [0.6, 0, 0.8]], rtol=1e-6, atol=1e-7)
    ints = ops.convert_to_tensor(np.array([[3, 4]], "int32"))
    out = UnitNormalization()(ints)
    assert ops.dtype(out) == "float32"
    np.testing.assert_allclose(_np(out), [[0.6, 0.8]], rtol=1e-6)


def test_unit_norm_input_gradient_matches_finite_differences(backend, rng):
    x = rng.standard_normal((2, 3, 2)).astype("float32")
    w = rng.standard_normal(x.shape).astype("float32")
    layer = UnitNormalization(axis=[1, 2])
    x_var = unikeras.Variable(x, name="x")

    def loss_fn():
        return ops.sum(ops.multiply(layer(x_var.value), w))

    _, (grad,) = ops.value_and_grad(loss_fn, [x_var])()
    numeric = _finite_difference(lambda v: np.sum(ref.unit_norm(v, (1, 2)) * w), [x], 0)
    np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)
    zero = unikeras.Variable(np.zeros((1, 3), "float32"), name="zero")
    _, (grad,) = ops.value_and_grad(lambda: ops.sum(UnitNormalization()(zero.value)), [zero])()
    assert np.all(np.isfinite(_np(grad)))


def test_unit_norm_matches_keras_shapes_and_config(backend, rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    theirs = keras.layers.UnitNormalization(axis=[1, 2])
    ours = UnitNormalization(axis=[1, 2], name="un")
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)
    assert ours.weights == [] and theirs.get_weights() == []
    assert ours.get_config()["axis"] == theirs.get_config()["axis"] == [1, 2]
    assert UnitNormalization().get_config()["axis"] == -1
    clone = UnitNormalization.from_config(ours.get_config())
    assert clone.get_config() == {k: v for k, v in ours.get_config().items() if k != "build_input_shape"}
    np.testing.assert_allclose(_np(clone(x)), _np(ours(x)), rtol=1e-6)
    assert ours.compute_output_shape((None, 3, 4)) == (None, 3, 4)
    assert UnitNormalization()(unikeras.Input((3, 4))).shape == (None, 3, 4)


def test_unit_norm_errors():
    with pytest.raises(ValueError, match="`axis` must be an int"):
        UnitNormalization(axis="last")
    with pytest.raises(ValueError, match=r"UnitNormalization 'un': axis 3 is out of bounds"):
        UnitNormalization(axis=3, name="un").compute_output_shape((None, 4, 5))


# ---------------------------------------------------------------- regularizers, constraints, rms_scaling
@pytest.mark.parametrize("cls", [LayerNormalization, BatchNormalization, GroupNormalization])
def test_regularizers_add_penalties_to_losses(backend, rng, cls):
    kwargs = {"groups": 2} if cls is GroupNormalization else {}
    layer = cls(gamma_regularizer=regularizers.L2(0.3), beta_regularizer=regularizers.L1(0.2), **kwargs)
    layer(rng.standard_normal((3, 4)).astype("float32"))
    _randomize(layer, rng)
    gamma, beta = layer.get_weights()[:2]
    penalties = sorted(float(_np(p)) for p in layer.losses)
    expected = sorted([0.3 * np.sum(gamma.astype("float64") ** 2), 0.2 * np.sum(np.abs(beta.astype("float64")))])
    np.testing.assert_allclose(penalties, expected, rtol=1e-5)
    assert cls(**kwargs).losses == []


@pytest.mark.parametrize("cls", [LayerNormalization, BatchNormalization, GroupNormalization])
def test_constraints_project_weights_after_updates(backend, rng, cls):
    kwargs = {"groups": 1} if cls is GroupNormalization else {}
    layer = cls(gamma_constraint="non_neg", beta_constraint=constraints.MaxNorm(0.5), **kwargs)
    layer(rng.standard_normal((3, 4)).astype("float32"))
    optimizer = unikeras.optimizers.SGD(1.0)
    grads = [ops.convert_to_tensor(np.full(w.shape, 2.0, "float32")) for w in layer.trainable_weights]
    optimizer.apply_gradients(zip(grads, layer.trainable_weights))
    gamma, beta = layer.get_weights()[:2]
    np.testing.assert_array_equal(gamma, np.zeros(4))  # 1 - 2 = -1, projected to 0
    np.testing.assert_allclose(np.sqrt(np.sum(beta**2)), 0.5, rtol=1e-5)  # (-2, ...) scaled to norm 0.5


@pytest.mark.parametrize("cls", [LayerNormalization, BatchNormalization])
def test_regularizer_and_constraint_config_round_trip(backend, cls):
    layer = cls(gamma_regularizer="l2", beta_regularizer=None, beta_constraint="non_neg", axis=1, name="n")
    config = layer.get_config()
    assert config["gamma_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert config["beta_regularizer"] is None and config["gamma_constraint"] is None
    assert config["beta_constraint"] == {"class_name": "NonNeg", "config": {}}
    clone = cls.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.beta_constraint, constraints.NonNeg)


def test_layer_norm_rms_scaling_matches_numpy_and_keras(backend, rng):
    x = (rng.standard_normal((3, 4, 5)) + 2).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling"):
        ours = LayerNormalization(axis=(1, 2), rms_scaling=True, scale=False)
    ours(x)
    assert [w.name for w in ours.weights] == ["gamma"]  # gamma even with scale=False, no beta
    _randomize(ours, rng)
    (gamma,) = ours.get_weights()
    expected = ref.layer_norm(x, (1, 2), gamma, None, 1e-3, rms_scaling=True)
    np.testing.assert_allclose(_np(ours(x)), expected, rtol=1e-4, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = keras.layers.LayerNormalization(axis=[1, 2], rms_scaling=True, scale=False)
        theirs.build(x.shape)
        clone = LayerNormalization.from_config(ours.get_config())
        theirs.set_weights(ours.get_weights())
        expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(_np(ours(x)), expected, rtol=1e-4, atol=1e-5)
    assert clone.rms_scaling and ours.get_config()["rms_scaling"] is True


def test_layer_norm_matches_keras_with_copied_weights(backend, rng):
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    theirs = keras.layers.LayerNormalization(axis=[1, 2], epsilon=1e-4, gamma_regularizer="l2")
    theirs.build(x.shape)
    theirs.set_weights([rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()])
    ours = LayerNormalization(axis=[1, 2], epsilon=1e-4, gamma_regularizer="l2")
    ours(x)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)
    gamma, beta = ours.get_weights()
    np.testing.assert_allclose(_np(ours(x)), ref.layer_norm(x, (1, 2), gamma, beta, 1e-4), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(float(_np(ours.losses[0])), float(theirs.losses[0]), rtol=1e-5)
    assert _keras_config_keys(theirs) <= set(ours.get_config())


def test_batch_norm_matches_keras_with_copied_weights(backend, rng):
    x = rng.standard_normal((4, 3, 5)).astype("float32")
    theirs = keras.layers.BatchNormalization(axis=1, epsilon=1e-4)
    theirs.build(x.shape)
    weights = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    weights[3] = np.abs(weights[3]) + 0.5  # a variance
    theirs.set_weights(weights)
    ours = BatchNormalization(axis=1, epsilon=1e-4)
    ours(x)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    expected = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_allclose(_np(ours(x, training=False)), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(ours(x)), ref.batch_norm_inference(x, 1, *weights, 1e-4), rtol=1e-4, atol=1e-5)
    ignored = {"synchronized", "renorm", "renorm_clipping", "renorm_momentum"}  # not supported here
    assert _keras_config_keys(theirs) - ignored <= set(ours.get_config())
