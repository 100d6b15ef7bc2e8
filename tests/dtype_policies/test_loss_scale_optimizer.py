"""LossScaleOptimizer: the dynamic scaling rule against a NumPy reference (eagerly and inside each
backend's compiled step), against Keras's LossScaleOptimizer, skipped steps leaving Adam untouched,
scale_loss, config and errors, and mixed_float16 training with fit on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import loss_scale as ref
from unikeras import Variable, config, layers, ops, optimizers
from unikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

INF, NAN = np.inf, np.nan
# Gradients of the scaled loss (initial scale 8, growth after 2 good steps): a finite step, an inf
# (skip, scale 4), two finite steps (scale doubles to 8), a NaN (skip, scale 4), three finite steps.
GRADS = [
    [8.0, -4.0],
    [INF, 1.0],
    [4.0, 4.0],
    [2.0, -6.0],
    [1.0, NAN],
    [4.0, 8.0],
    [-2.0, 2.0],
    [6.0, 1.0],
]
W0 = [1.0, -2.0]
SETTINGS = {"lr": 0.1, "momentum": 0.9, "initial_scale": 8.0, "growth_steps": 2}


def _wrapped_sgd() -> LossScaleOptimizer:
    return LossScaleOptimizer(
        optimizers.SGD(SETTINGS["lr"], momentum=SETTINGS["momentum"]),
        initial_scale=SETTINGS["initial_scale"],
        dynamic_growth_steps=SETTINGS["growth_steps"],
    )


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_scaling_rule_matches_numpy_reference(backend, compiled):
    """Weights, momentum, update count, scale and step counter after every step. Compiled: the
    update runs inside the backend's own step (tf.function, jax.jit, ...), where it cannot branch
    on the gradients' values."""
    w = Variable(np.array(W0, "float32"), name="w")
    opt = _wrapped_sgd()
    opt.build([w])

    def update(grad):
        opt.apply([grad], [w])
        return opt.dynamic_scale.value

    step = backend.make_step(update, [w] + opt.variables) if compiled else update
    want = ref.loss_scaled_sgd(np.array(W0), [np.array(g) for g in GRADS], **SETTINGS)
    for grad, state in zip(GRADS, want):
        step(backend.convert_to_tensor(np.array(grad, "float32")))
        np.testing.assert_allclose(w.numpy(), state["w"], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(opt.inner_optimizer.momentums[0].numpy(), state["m"], rtol=1e-6, atol=1e-7)
        assert float(opt.dynamic_scale.numpy()) == state["scale"]
        assert int(opt.step_counter.numpy()) == state["count"]
        assert int(opt.iterations.numpy()) == state["iterations"]
    assert [s["scale"] for s in want] == [8.0, 4.0, 4.0, 8.0, 4.0, 4.0, 8.0, 8.0]  # the sequence tests both rules


def test_reference_agrees_with_keras():
    """The NumPy reference is Keras's rule: Keras's own LossScaleOptimizer on the same gradients."""
    w = keras.Variable(np.array(W0, "float32"))
    opt = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.SGD(SETTINGS["lr"], momentum=SETTINGS["momentum"]),
        initial_scale=SETTINGS["initial_scale"],
        dynamic_growth_steps=SETTINGS["growth_steps"],
    )
    want = ref.loss_scaled_sgd(np.array(W0), [np.array(g) for g in GRADS], **SETTINGS)
    for grad, state in zip(GRADS, want):
        opt.apply([keras.ops.convert_to_tensor(np.array(grad, "float32"))], [w])
        np.testing.assert_allclose(keras.ops.convert_to_numpy(w), state["w"], rtol=1e-6, atol=1e-7)
        assert float(keras.ops.convert_to_numpy(opt.dynamic_scale)) == state["scale"]
        assert int(keras.ops.convert_to_numpy(opt.step_counter)) == state["count"]
        assert int(keras.ops.convert_to_numpy(opt.iterations)) == state["iterations"]


def test_skipped_steps_leave_adam_untouched(backend, rng):
    """Adam wrapped, with non-finite steps in between, ends where plain Adam on the finite steps
    (unscaled) ends: its moments and its iteration count (bias correction) skip those steps too."""
    good = [rng.standard_normal(3).astype("float32") for _ in range(3)]
    w_wrapped = Variable(np.array([0.5, -1.0, 2.0], "float32"))
    w_plain = Variable(np.array([0.5, -1.0, 2.0], "float32"))
    wrapped = LossScaleOptimizer(optimizers.Adam(0.05), initial_scale=4.0, dynamic_growth_steps=100)
    plain = optimizers.Adam(0.05)
    bad = np.array([1.0, INF, 1.0], "float32")
    scale = 4.0
    for g in good:
        wrapped.apply([ops.convert_to_tensor(bad)], [w_wrapped])
        scale /= 2
        wrapped.apply([ops.convert_to_tensor(g * scale)], [w_wrapped])
        plain.apply([ops.convert_to_tensor(g)], [w_plain])
    np.testing.assert_allclose(w_wrapped.numpy(), w_plain.numpy(), rtol=1e-6, atol=1e-7)
    assert int(wrapped.iterations.numpy()) == int(plain.iterations.numpy()) == 3
    assert float(wrapped.dynamic_scale.numpy()) == 0.5


def test_scale_loss(backend):
    opt = _wrapped_sgd()
    loss = ops.convert_to_tensor(np.array(1.5, "float32"))
    assert float(backend.to_numpy(opt.scale_loss(loss))) == 12.0  # initial_scale before build
    w = Variable(np.zeros(2, "float32"))
    opt.apply([ops.convert_to_tensor(np.array([INF, 0.0], "float32"))], [w])
    assert float(backend.to_numpy(opt.scale_loss(loss))) == 6.0  # the current scale
    half = opt.scale_loss(ops.convert_to_tensor(np.array(1.5, "float16")))
    assert backend.dtype_name(half) == "float32" and float(backend.to_numpy(half)) == 6.0
    assert float(opt.learning_rate) == pytest.approx(0.1)
    opt.learning_rate = 0.5
    assert float(opt.inner_optimizer.learning_rate) == 0.5


def test_config_matches_keras_keys_and_round_trips():
    ours = _wrapped_sgd().get_config()
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), initial_scale=8.0).get_config()
    assert set(ours) == set(theirs)
    assert (ours["initial_scale"], ours["dynamic_growth_steps"]) == (8.0, 2)
    clone = LossScaleOptimizer.from_config(ours)
    assert clone.get_config() == ours
    assert isinstance(clone.inner_optimizer, optimizers.SGD) and clone.inner_optimizer.momentum == 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial_scale": 0.0}, "`initial_scale` must be a positive finite float, received 0.0"),
        ({"initial_scale": INF}, "`initial_scale` must be a positive finite float, received inf"),
        ({"dynamic_growth_steps": 0}, "`dynamic_growth_steps` must be a positive int, received 0"),
        ({"dynamic_growth_steps": 2.5}, "`dynamic_growth_steps` must be a positive int, received 2.5"),
        ({"dynamic": False}, "`dynamic=False` is not supported"),
        ({"learning_rate": 0.1}, "does not take `learning_rate`; set it on the inner optimizer"),
        ({"momentum": 0.1}, "unexpected arguments \\['momentum'\\]"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match="LossScaleOptimizer: " + message):
        LossScaleOptimizer(optimizers.SGD(), **kwargs)


def test_inner_optimizer_must_be_an_optimizer():
    with pytest.raises(ValueError, match="`inner_optimizer` must be an Optimizer instance, received 'sgd'"):
        LossScaleOptimizer("sgd")
    with pytest.raises(ValueError, match="already a LossScaleOptimizer"):
        LossScaleOptimizer(_wrapped_sgd())


def _mixed_classifier() -> unikeras.Sequential:
    return unikeras.Sequential(
        [
            unikeras.Input((6, 6, 2)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(2),
            layers.Activation("softmax", dtype="float32"),  # Keras's advice: the output in float32
        ]
    )


def test_fit_under_mixed_float16_trains(backend, rng):
    config.set_dtype_policy("mixed_float16")
    x = rng.standard_normal((64, 6, 6, 2)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("int32")
    model = _mixed_classifier()
    model.compile(optimizer=LossScaleOptimizer(optimizers.SGD(0.1)), loss="sparse_categorical_crossentropy")
    losses = model.fit(x, y, epochs=3, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < losses[0] and np.all(np.isfinite(losses))
    assert {w.dtype for w in model.weights} == {"float32"}
    assert backend.dtype_name(model(x[:3])) == "float32"
    assert int(model.optimizer.iterations.numpy()) == 12  # no step skipped at the default scale
    # a scale too large for float16: the overflowing steps are skipped and the scale halved until finite
    model = _mixed_classifier()
    model.compile(
        optimizer=LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=2.0**20), loss="sparse_categorical_crossentropy"
    )
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert float(model.optimizer.dynamic_scale.numpy()) < 2.0**20
    assert 0 < int(model.optimizer.iterations.numpy()) < 16
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
