"""The CTC loss (``losses.CTC`` / ``losses.ctc``) against keras and the NumPy forward algorithm."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import signal as ref
from unikeras import losses, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(7)
Y_PRED = rng0.standard_normal((3, 5, 4)).astype("float32")
Y_TRUE = np.array([[1, 2, 0], [3, 3, 0], [2, 0, 0]], "int32")  # 0: the blank, pads the labels


def test_ctc_matches_forward_algorithm_and_keras(backend):
    per_sample = np.asarray(ops.convert_to_numpy(losses.ctc(Y_TRUE, Y_PRED)))
    expected = [ref.ctc_loss([c for c in row if c], Y_PRED[i].astype("float64")) for i, row in enumerate(Y_TRUE)]
    np.testing.assert_allclose(per_sample, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(per_sample, np.asarray(keras.losses.ctc(Y_TRUE, Y_PRED)), rtol=1e-4, atol=1e-5)
    weights = np.array([1.0, 0.5, 2.0], "float32")
    for reduction in ("sum_over_batch_size", "sum", None):
        got = ops.convert_to_numpy(losses.CTC(reduction=reduction)(Y_TRUE, Y_PRED, sample_weight=weights))
        want = keras.losses.CTC(reduction=reduction)(Y_TRUE, Y_PRED, sample_weight=weights)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-5)


def test_get_serialize_and_config():
    loss = losses.get("ctc")
    assert isinstance(loss, losses.CTC) and loss.name == "ctc"
    config = losses.CTC(reduction="sum", name="my_ctc").get_config()
    assert config == {"name": "my_ctc", "reduction": "sum"}
    assert set(config) <= set(keras.losses.CTC().get_config())
    restored = losses.deserialize(losses.serialize(losses.CTC(reduction="sum")))
    assert isinstance(restored, losses.CTC) and restored.reduction == "sum"
    assert losses.deserialize("ctc") is losses.ctc


def test_ctc_trains_a_tiny_model(backend, rng):
    x = rng.standard_normal((8, 5, 3)).astype("float32")
    y = np.array([[1, 2, 0], [2, 0, 0]] * 4, "int32")
    model = unikeras.Sequential([unikeras.Input((5, 3)), unikeras.layers.Dense(4)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.5), loss="ctc")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_bad_shapes(backend):
    with pytest.raises(ValueError, match="y_true"):
        losses.ctc(Y_TRUE[0], Y_PRED)
    with pytest.raises(ValueError, match="y_pred"):
        losses.ctc(Y_TRUE, Y_PRED[0])
