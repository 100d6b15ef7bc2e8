"""EinsumDense: forward against NumPy, gradients against finite differences, output shapes (eager and
symbolic), config round trip, weight layout and outputs against Keras 3, argument and input errors,
Keras's fan rule for the kernel initializer, and a small model that trains."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import attention as ref
from unikeras import layers, ops
from unikeras.layers.einsum_dense import EinsumDense

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

# (equation, output_shape, bias_axes, input shape, expected kernel shape, expected bias shape)
CASES = [
    ("ab,bc->ac", 3, "c", (2, 4), (4, 3), (3,)),
    ("abc,cd->abd", (None, 3), "d", (2, 5, 4), (4, 3), (3,)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 5, 4), (4, 2, 3), (2, 3)),
    ("abc,cde->abde", (5, 2, 3), "d", (2, 5, 4), (4, 2, 3), (2, 1)),
    ("abcd,cde->abe", (None, 3), "e", (2, 5, 2, 4), (2, 4, 3), (3,)),
    ("...b,bc->...c", 3, "c", (2, 5, 4), (4, 3), (3,)),
    ("...cd,cde->...e", 3, None, (2, 5, 2, 4), (2, 4, 3), None),
    ("ab...,bc->ac...", 3, "c", (2, 4, 5), (4, 3), (3, 1)),
    ("abc,cd->abd", (5, 3), "b", (2, 5, 4), (4, 3), (5, 1)),
]


def _np(x) -> np.ndarray:
    return ops.convert_to_numpy(x)


def _ids(case) -> str:
    return f"{case[0]}|{case[2]}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_forward_matches_reference(backend, rng, case):
    equation, output_shape, bias_axes, shape, kernel_shape, bias_shape = case
    layer = EinsumDense(
        equation, output_shape, bias_axes=bias_axes, activation="tanh", bias_initializer="random_normal"
    )
    x = rng.standard_normal(shape).astype("float32")
    out = _np(layer(x))
    weights = layer.get_weights()
    assert [w.shape for w in weights] == [kernel_shape] + ([bias_shape] if bias_shape else [])
    expected = ref.einsum_dense(x, weights[0], weights[1] if bias_shape else None, equation, np.tanh)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    assert out.shape == layer.compute_output_shape(shape)


@pytest.mark.parametrize("case", [CASES[2], CASES[5], CASES[7]], ids=_ids)
def test_symbolic_shape_matches_real_output(backend, rng, case):
    equation, output_shape, bias_axes, shape, _, _ = case
    layer = EinsumDense(equation, output_shape, bias_axes=bias_axes)
    symbolic = layer(unikeras.Input(shape[1:]))
    real = _np(layer(rng.standard_normal(shape).astype("float32")))
    assert symbolic.shape == (None,) + real.shape[1:]
    assert layer.compute_output_shape((None,) + shape[1:]) == symbolic.shape


def test_gradients_match_finite_differences(backend, rng):
    equation = "abc,cde->abde"
    layer = EinsumDense(equation, (None, 2, 3), bias_axes="de", activation="tanh", bias_initializer="random_normal")
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    target = rng.standard_normal((2, 3, 2, 3)).astype("float32")
    layer(x)

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer(x), target)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    params = [w.astype("float64") for w in layer.get_weights()]

    def numpy_loss(kernel, bias):
        return np.mean((ref.einsum_dense(x, kernel, bias, equation, np.tanh) - target) ** 2)

    h = 1e-6
    for index, grad in enumerate(grads):
        numeric = np.zeros_like(params[index])
        for i in np.ndindex(params[index].shape):
            plus = [p.copy() for p in params]
            minus = [p.copy() for p in params]
            plus[index][i] += h
            minus[index][i] -= h
            numeric[i] = (numpy_loss(*plus) - numpy_loss(*minus)) / (2 * h)
        np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("case", [CASES[2], CASES[3], CASES[6], CASES[7]], ids=_ids)
def test_matches_keras(backend, rng, case):
    equation, output_shape, bias_axes, shape, _, _ = case
    x = rng.standard_normal(shape).astype("float32")
    theirs = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="relu")
    theirs(x)
    theirs.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()])
    ours = EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="relu")
    ours(x)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(x)), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-4, atol=1e-5)


def test_config_round_trip(backend, rng):
    layer = EinsumDense(
        "abc,cde->abde",
        (None, 2, 3),
        activation="relu",
        bias_axes="e",
        kernel_initializer="he_normal",
        bias_initializer="ones",
        kernel_regularizer="l2",
        bias_constraint="non_neg",
        name="ed",
    )
    x = rng.standard_normal((2, 3, 4)).astype("float32")
    out = _np(layer(x))
    config = layer.get_config()
    keras_keys = set(keras.layers.EinsumDense("ab,bc->ac", 2).get_config())
    assert set(config) - {"build_input_shape"} == keras_keys - {"quantization_config"}
    assert config["output_shape"] == (None, 2, 3) and config["bias_axes"] == "e"
    clone = EinsumDense.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_np(clone(x)), out, rtol=1e-6)
    listed = EinsumDense.from_config({**config, "output_shape": [None, 2, 3]})  # as after JSON
    assert listed.partial_output_shape == (None, 2, 3)


def test_regularizer_and_constraint(backend, rng):
    layer = EinsumDense("ab,bc->ac", 3, bias_axes="c", kernel_regularizer="l2", kernel_constraint="non_neg")
    x = rng.standard_normal((8, 4)).astype("float32")
    layer(x)
    kernel = layer.get_weights()[0].astype("float64")
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(_np(layer.losses[0])), 0.01 * np.sum(kernel**2), rtol=1e-5)
    model = unikeras.Sequential([unikeras.Input((4,)), layer])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, rng.standard_normal((8, 3)).astype("float32"), epochs=1, batch_size=8, verbose=0)
    assert layer.get_weights()[0].min() >= 0.0


def test_kernel_initializer_counts_fans_over_input_and_output_axes():
    unikeras.utils.set_random_seed(3)
    layer = EinsumDense("abc,cde->abde", (None, 4, 8))
    layer.build((None, 5, 64))
    kernel = layer.get_weights()[0]
    # Keras's rule: fan_in = 64 (input axis c), fan_out = 4 * 8 (output axes d, e): limit sqrt(6 / 96) = 0.25.
    # The Dense/Conv convention would read (64, 4, 8) as a conv kernel: limit sqrt(6 / 768) ~ 0.088.
    assert 0.2 < np.abs(kernel).max() <= 0.25


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("abc,cd", 3), r"EinsumDense 'bad'.*invalid `equation` 'abc,cd'"),
        (("ab,bc,cd->ad", 3), r"invalid `equation`"),
        (("a1,bc->ac", 3), r"invalid `equation`"),
        (("...ab,bc->ac...", 3), r"same end"),
        (("ab,bc->ad", 3), r"output dimension 'd'"),
        (("ab,bcx->ac", 3), r"kernel dimension 'x'"),
        (("abb,bc->ac", 3), r"repeats a letter"),
        ((42, 3), r"invalid `equation` 42"),
        (("ab,bc->ac", 0), r"`output_shape` entries must be positive"),
        (("ab,bc->ac", "3"), r"`output_shape` must be an int or a sequence"),
    ],
)
def test_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        EinsumDense(*args, name="bad")


def test_rejects_bad_shapes_and_inputs(backend, rng):
    with pytest.raises(ValueError, match=r"EinsumDense 'e1': `output_shape` must have 2 entries.*received \(2, 3, 4\)"):
        EinsumDense("abc,cd->abd", (2, 3, 4), name="e1").build((None, 2, 4))
    with pytest.raises(ValueError, match=r"`bias_axes` 'x' names 'x', which is not in the output"):
        EinsumDense("ab,bc->ac", 3, bias_axes="x").build((None, 4))
    with pytest.raises(ValueError, match=r"shared dimension 'b'.*input has 5.*asks for 6"):
        EinsumDense("abc,cd->abd", (6, 3)).build((None, 5, 4))
    with pytest.raises(ValueError, match=r"expects an input of rank 3, received shape \(None, 4\)"):
        EinsumDense("abc,cd->abd", (None, 3)).build((None, 4))
    with pytest.raises(ValueError, match=r"cannot infer the kernel shape"):
        EinsumDense("abc,cd->abd", (None, None)).build((None, 5, 4))
    layer = EinsumDense("abc,cd->abd", (None, 3), name="built")
    layer(rng.standard_normal((2, 5, 4)).astype("float32"))
    with pytest.raises(ValueError, match=r"'built'.*expected axis -1 of size 4.*\(2, 5, 6\)"):
        layer(rng.standard_normal((2, 5, 6)).astype("float32"))
    with pytest.raises(ValueError, match=r"EinsumDense 'built': expected an input of rank 3.*\(2, 4\)"):
        layer(rng.standard_normal((2, 4)).astype("float32"))


def test_small_model_trains(backend, rng):
    x = rng.standard_normal((64, 3, 4)).astype("float32")
    y = np.tanh(x.sum(axis=(1, 2)) / 3.0)[:, None].astype("float32")
    model = unikeras.Sequential(
        [
            unikeras.Input((3, 4)),
            EinsumDense("abc,cde->abde", (None, 2, 4), bias_axes="de", activation="tanh"),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=unikeras.optimizers.Adam(0.02), loss="mse")
    losses = model.fit(x, y, batch_size=16, epochs=6, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.7 * losses[0], losses
