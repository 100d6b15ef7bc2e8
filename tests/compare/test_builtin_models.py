"""The built-in cnn and lstm models train in-process through the worker (the mlp runs in test_cli)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import load_backend
from unikeras import config
from unikeras.compare import builtin_models, worker

# Conv2D(16, 3) on 1 channel, Conv2D(32, 3) on 16, Dense(10) on the 2x2x32 pooled map.
CNN_PARAMS = (3 * 3 * 1 * 16 + 16) + (3 * 3 * 16 * 32 + 32) + (2 * 2 * 32 * 10 + 10)
# LSTM(32) on 8 features: 4 gates of input kernel, recurrent kernel and bias; Dense(10).
LSTM_PARAMS = 4 * (8 * 32 + 32 * 32 + 32) + (32 * 10 + 10)


@pytest.mark.parametrize("name, params", [("cnn", CNN_PARAMS), ("lstm", LSTM_PARAMS)])
def test_builtin_model_trains_one_quick_epoch(name, params):
    load_backend("torch")
    with config.use_backend("torch"):
        row = worker.run(name, epochs=1, batch_size=64, seed=0, quick=True, started_at=None)
    assert row["status"] == "ok", row["error"]
    assert row["params"] == params
    assert len(row["epoch_seconds"]) == 1 and row["epoch_seconds"][0] > 0
    assert math.isfinite(row["loss"]) and math.isfinite(row["test_loss"])
    assert row["history"]["val_loss"] == [pytest.approx(row["test_loss"], rel=1e-5)]


def test_data_shapes():
    (x_train, y_train), (x_test, y_test) = builtin_models.load_data("cnn")
    assert x_train.shape[1:] == (8, 8, 1) and x_train.dtype == np.float32
    assert 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert y_train.dtype == np.int64 and set(np.unique(y_test)) == set(range(10))
    assert builtin_models.load_data("lstm")[0][0].shape[1:] == (8, 8)


def test_unknown_builtin_model():
    with pytest.raises(ValueError, match="Unknown built-in model 'rnn'. Valid built-in models: mlp, cnn, lstm"):
        builtin_models.build_model("rnn")
