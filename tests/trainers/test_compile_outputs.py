"""Several outputs: a loss per output, loss weights, per-output metrics, weighted metrics."""

import numpy as np
import pytest

import unikeras
from unikeras import layers, losses


def _two_headed_model():
    inputs = unikeras.Input((4,), name="features")
    hidden = layers.Dense(6, activation="tanh", name="hidden")(inputs)
    reg = layers.Dense(1, name="reg")(hidden)
    cls = layers.Dense(3, name="cls")(hidden)
    return unikeras.Model(inputs, [reg, cls])


def _data(rng, n=24):
    x = rng.normal(size=(n, 4)).astype("float32")
    y_reg = rng.normal(size=(n, 1)).astype("float32")
    y_cls = rng.integers(0, 3, size=(n,))
    return x, y_reg, y_cls


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _abs_error(y_true, y_pred):
    return unikeras.ops.mean(unikeras.ops.abs(y_true - y_pred), axis=-1)


def _reference_logs(model, x, y_reg, y_cls, reg_weight, cls_weight, sample_weight=None):
    """NumPy: each output's loss and metric from the model's own predictions."""
    pred_reg, pred_cls = (p.astype(np.float64) for p in model.predict(x, verbose=0))
    sw = np.ones(len(x)) if sample_weight is None else sample_weight
    mse = ((pred_reg - y_reg) ** 2).mean(axis=-1)
    ce = -_log_softmax(pred_cls)[np.arange(len(x)), y_cls]
    reg_loss = (mse * sw).mean()
    cls_loss = (ce * sw).mean()
    accuracy = (pred_cls.argmax(-1) == y_cls).mean()
    abs_error = np.abs(pred_reg - y_reg).mean()
    return {
        "loss": reg_weight * reg_loss + cls_weight * cls_loss,
        "reg_loss": reg_loss,
        "cls_loss": cls_loss,
        "cls_sparse_categorical_accuracy": accuracy,
        "reg__abs_error": abs_error,
    }


def test_output_names_follow_the_output_layers(backend):
    model = _two_headed_model()
    assert model.output_names == ["reg", "cls"]
    inputs = unikeras.Input((2,))
    named = unikeras.Model(inputs, {"b": layers.Dense(1)(inputs), "a": layers.Dense(2)(inputs)})
    assert named.output_names == ["b", "a"]


@pytest.mark.parametrize("form", ["dict", "list"])
def test_per_output_losses_weights_and_metrics_match_numpy(backend, rng, form):
    model = _two_headed_model()
    cls_loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    if form == "dict":
        model.compile(
            "sgd",
            loss={"reg": "mse", "cls": cls_loss},
            loss_weights={"reg": 0.5, "cls": 2.0},
            metrics={"cls": ["sparse_categorical_accuracy"], "reg": [_abs_error]},
        )
    else:
        model.compile(
            "sgd",
            loss=["mse", cls_loss],
            loss_weights=[0.5, 2.0],
            metrics=[[_abs_error], ["sparse_categorical_accuracy"]],
        )
    x, y_reg, y_cls = _data(rng)
    y = {"reg": y_reg, "cls": y_cls} if form == "dict" else [y_reg, y_cls]
    logs = model.evaluate(x, y, batch_size=24, verbose=0, return_dict=True)
    expected = _reference_logs(model, x, y_reg, y_cls, 0.5, 2.0)
    assert sorted(logs) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(logs[name], value, rtol=1e-4, atol=1e-5, err_msg=name)


def test_multi_output_fit_trains_every_head_and_logs_each_loss(backend, rng):
    model = _two_headed_model()
    model.compile(
        unikeras.optimizers.SGD(0.1),
        loss={"reg": "mse", "cls": losses.SparseCategoricalCrossentropy(from_logits=True)},
        metrics={"cls": ["accuracy"]},
    )
    x, y_reg, y_cls = _data(rng, 48)
    history = model.fit(x, {"reg": y_reg, "cls": y_cls}, batch_size=16, epochs=8, verbose=0).history
    assert {"loss", "reg_loss", "cls_loss", "cls_accuracy"} <= set(history)
    assert history["reg_loss"][-1] < history["reg_loss"][0]
    assert history["cls_loss"][-1] < history["cls_loss"][0]
    # The total is the sum of the per-output losses (weights 1), epoch by epoch.
    np.testing.assert_allclose(history["loss"], np.add(history["reg_loss"], history["cls_loss"]), rtol=1e-5, atol=1e-6)


def test_one_loss_applies_to_every_output(backend, rng):
    inputs = unikeras.Input((3,))
    model = unikeras.Model(inputs, [layers.Dense(2, name="a")(inputs), layers.Dense(2, name="b")(inputs)])
    model.compile("sgd", loss="mse")
    x = rng.normal(size=(10, 3)).astype("float32")
    ya, yb = rng.normal(size=(10, 2)).astype("float32"), rng.normal(size=(10, 2)).astype("float32")
    logs = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    pa, pb = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["a_loss"], ((pa - ya) ** 2).mean(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logs["b_loss"], ((pb - yb) ** 2).mean(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logs["loss"], logs["a_loss"] + logs["b_loss"], rtol=1e-5)


def test_an_output_without_loss_is_not_trained_and_needs_no_target(backend, rng):
    inputs = unikeras.Input((3,))
    a = layers.Dense(2, name="a")(inputs)
    b = layers.Dense(2, name="b")(inputs)
    model = unikeras.Model(inputs, [a, b])
    model.compile(unikeras.optimizers.SGD(0.1), loss={"a": "mse"})
    x = rng.normal(size=(10, 3)).astype("float32")
    before = [w.copy() for w in model.get_layer("b").get_weights()]
    model.fit(x, {"a": rng.normal(size=(10, 2)).astype("float32")}, epochs=2, verbose=0)
    for old, new in zip(before, model.get_layer("b").get_weights()):
        np.testing.assert_array_equal(old, new)


def test_weighted_metrics_use_sample_weight_and_metrics_do_not(backend, rng):
    inputs = unikeras.Input((3,))
    model = unikeras.Model(inputs, layers.Dense(2)(inputs))
    model.compile("sgd", loss="mse", metrics=[_abs_error], weighted_metrics=[_abs_error])
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    sw = rng.uniform(0.1, 2.0, size=12).astype("float32")
    logs = model.evaluate(x, y, sample_weight=sw, batch_size=12, verbose=0, return_dict=True)
    per_sample = np.abs(model.predict(x, verbose=0) - y).mean(axis=-1)
    np.testing.assert_allclose(logs["_abs_error"], per_sample.mean(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logs["weighted__abs_error"], (per_sample * sw).sum() / sw.sum(), rtol=1e-4, atol=1e-5)


def test_per_output_sample_weights(backend, rng):
    model = _two_headed_model()
    model.compile(
        "sgd",
        loss={"reg": "mse", "cls": losses.SparseCategoricalCrossentropy(from_logits=True)},
        loss_weights={"reg": 1.0, "cls": 1.0},
    )
    x, y_reg, y_cls = _data(rng)
    sw = rng.uniform(0.5, 1.5, size=len(x)).astype("float32")
    logs = model.evaluate(
        x,
        {"reg": y_reg, "cls": y_cls},
        sample_weight={"reg": sw, "cls": np.ones_like(sw)},
        batch_size=24,
        verbose=0,
        return_dict=True,
    )
    pred_reg, pred_cls = model.predict(x, verbose=0)
    reg_loss = (((pred_reg - y_reg) ** 2).mean(-1) * sw).mean()
    cls_loss = (-_log_softmax(pred_cls.astype(np.float64))[np.arange(len(x)), y_cls]).mean()
    np.testing.assert_allclose(logs["reg_loss"], reg_loss, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logs["cls_loss"], cls_loss, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("compile_kwargs", "match"),
    [
        ({"loss": {"reg": "mse", "nope": "mse"}}, r"`loss` names outputs \['nope'\]"),
        ({"loss": ["mse"]}, "`loss` holds 1 entries for a model with 2 outputs"),
        ({"loss": "mse", "loss_weights": [1.0]}, "`loss_weights` holds 1 entries"),
        ({"loss": "mse", "metrics": ["mse"]}, "`metrics` holds 1 entries for a model with 2 outputs"),
        ({"loss": "mse", "loss_weights": {"reg": "big"}}, "`loss_weights` for output 'reg' must be a number"),
    ],
)
def test_bad_multi_output_compile_arguments(backend, compile_kwargs, match):
    model = _two_headed_model()
    with pytest.raises(ValueError, match=match):
        model.compile("sgd", **compile_kwargs)


def test_bad_multi_output_targets(backend, rng):
    model = _two_headed_model()
    model.compile("sgd", loss={"reg": "mse", "cls": losses.SparseCategoricalCrossentropy(from_logits=True)})
    x, y_reg, _ = _data(rng)
    with pytest.raises(ValueError, match="The model has 2 outputs"):
        model.evaluate(x, y_reg, verbose=0)
    with pytest.raises(ValueError, match=r"keys \['other'\] that are not output names"):
        model.evaluate(x, {"reg": y_reg, "other": y_reg}, verbose=0)
    with pytest.raises(ValueError, match="output 'cls'"):
        model.evaluate(x, {"reg": y_reg, "cls": np.full(len(x), 7)}, verbose=0)


def test_compile_without_loss_trains_on_added_losses(backend, rng):
    class Penalised(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            self.add_loss(unikeras.ops.sum(unikeras.ops.square(self.w)))
            return x * self.w

    inputs = unikeras.Input((3,))
    model = unikeras.Model(inputs, Penalised()(inputs))
    model.compile(unikeras.optimizers.SGD(0.1))
    x = rng.normal(size=(8, 3)).astype("float32")
    history = model.fit(x, np.zeros((8, 3), "float32"), epochs=3, batch_size=8, verbose=0).history
    # loss = sum(w^2), w starts at ones and shrinks by (1 - 2 * 0.1) each step.
    np.testing.assert_allclose(history["loss"], [3.0, 3.0 * 0.8**2, 3.0 * 0.8**4], rtol=1e-5)
