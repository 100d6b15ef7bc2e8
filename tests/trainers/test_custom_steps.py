"""Overridden ``train_step`` / ``test_step`` / ``predict_step``, written once, run by ``fit``,
``evaluate`` and ``predict`` on every backend; and the custom-loop example."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_training_loop.py"


def _example():
    spec = importlib.util.spec_from_file_location("custom_training_loop", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The example's model: Keras's "customizing fit" train_step in backend-neutral form.
KerasStyleStep = _example().StepOwningModel


def _functional(cls, seed=3):
    unikeras.utils.set_random_seed(seed)
    inputs = unikeras.Input((5,))
    outputs = layers.Dense(3)(layers.Dense(8, activation="tanh")(inputs))
    return cls(inputs, outputs)


def _data(rng):
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.integers(0, 3, size=(64,))
    return x, y


def _compile(model):
    model.compile(
        unikeras.optimizers.SGD(0.1),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )


def test_subclass_built_from_inputs_and_outputs_is_functional_with_its_methods(backend):
    model = _functional(KerasStyleStep)
    assert isinstance(model, KerasStyleStep)
    assert type(model).__name__ == "StepOwningModel"
    assert model.output_names == [model.layers[-1].name]


def test_overridden_train_step_trains_like_the_built_in_step(backend, rng):
    x, y = _data(rng)
    custom, plain = _functional(KerasStyleStep), _functional(unikeras.Model)
    for model in (custom, plain):
        _compile(model)
    custom_history = custom.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    plain_history = plain.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    assert sorted(custom_history) == ["accuracy", "loss"]
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(custom_history[key], plain_history[key], rtol=1e-5, atol=1e-6, err_msg=key)
    for a, b in zip(custom.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert custom_history["loss"][-1] < custom_history["loss"][0]


class OwnTrackers(unikeras.Model):
    """A subclassed model with its own metrics, as in Keras's guide (no compiled loss or metrics)."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)
        self.loss_tracker = unikeras.metrics.Mean(name="my_loss")
        self.abs_error = unikeras.metrics.Mean(name="abs_error")

    def call(self, x, training=None):
        return self.dense(x)

    @property
    def metrics(self):
        return [self.loss_tracker, self.abs_error]

    def train_step(self, data):
        x, y = data

        def forward():
            return ops.mean(ops.square(self(x, training=True) - y))

        loss, grads = ops.value_and_grad(forward, self.trainable_variables)()
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.abs_error.update_state(ops.abs(self(x) - y))
        return {"my_loss": self.loss_tracker.result(), "abs_error": self.abs_error.result()}

    def test_step(self, data):
        x, y = data
        self.abs_error.update_state(ops.abs(self(x) - y))
        return {"abs_error": self.abs_error.result()}


def test_own_metrics_and_test_step(backend, rng):
    x = rng.normal(size=(32, 2)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0]], "float32") + 0.5).astype("float32")
    model = OwnTrackers()
    model.compile(unikeras.optimizers.SGD(0.1))
    history = model.fit(x, y, batch_size=32, epochs=20, verbose=0).history
    assert sorted(history) == ["abs_error", "my_loss"]
    assert history["my_loss"][-1] < 0.1 * history["my_loss"][0]
    logs = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    assert list(logs) == ["abs_error"]
    np.testing.assert_allclose(logs["abs_error"], np.abs(model.predict(x, verbose=0) - y).mean(), rtol=1e-4, atol=1e-5)


class DoubledPredictions(unikeras.Model):
    def predict_step(self, data):
        (x,) = data
        return self(x, training=False) * 2.0


def test_overridden_predict_step(backend, rng):
    model = _functional(DoubledPredictions)
    x = rng.normal(size=(10, 5)).astype("float32")
    expected = 2.0 * ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), expected, rtol=1e-5, atol=1e-6)


class ReturnsLoss(unikeras.Model):
    def train_step(self, data):
        return ops.convert_to_tensor(1.0)


def test_train_step_must_return_a_dict(backend, rng):
    model = _functional(ReturnsLoss)
    _compile(model)
    x, y = _data(rng)
    with pytest.raises(ValueError, match="must return a dict of logs"):
        model.fit(x, y, epochs=1, verbose=0)


@pytest.mark.parametrize("way", ["plain_loop", "overridden_train_step"])
def test_custom_loop_example_trains_on_every_backend(backend, way):
    losses = getattr(_example(), way)(backend.name, epochs=2, batch_size=128)
    assert len(losses) == 2 and np.all(np.isfinite(losses))
    assert losses[1] < losses[0]
