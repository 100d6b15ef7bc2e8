"""TerminateOnNaN: a NaN or infinite loss stops ``fit`` cleanly, and the model (weights and optimizer
state) is exactly as it was before the bad batch, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

from tests.callbacks import helpers
from unikeras import callbacks


class _States(callbacks.Callback):
    """Records, before every batch, the weights and optimizer state; after it, the running loss."""

    def __init__(self):
        super().__init__()
        self.before, self.losses = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.before.append((self.model.get_weights(), [v.numpy() for v in self.model.optimizer.variables]))

    def on_train_batch_end(self, batch, logs=None):
        self.losses.append(float(logs["loss"]))


def _assert_state(model, state):
    weights, optimizer_state = state
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(model.optimizer.variables, optimizer_state):
        np.testing.assert_array_equal(got.numpy(), want)


def test_poisoned_batch_stops_fit_with_the_weights_from_before_it(backend, rng, capsys):
    x, y = helpers.data(rng, 32)
    clean = x.copy()
    x[20, 1] = np.nan  # in batch 2 of 4
    model = helpers.model("mlp")
    model.fit(clean, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # a healthy first epoch
    states = _States()
    terminate = callbacks.TerminateOnNaN()
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[states, terminate])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert history.epoch == [0] and np.isnan(history.history["loss"][0])
    assert model.stop_training
    assert (
        (terminate.stopped_epoch, terminate.stopped_batch)
        == (terminate.restored_epoch, terminate.restored_batch)
        == (0, 2)
    )
    first_bad = next(i for i, loss in enumerate(states.losses) if not np.isfinite(loss))
    assert first_bad == 2
    _assert_state(model, states.before[first_bad])
    assert int(model.optimizer.iterations.numpy()) == 4 + 2
    # Training can go on from the restored state.
    history = model.fit(clean, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_diverging_training_raises_with_the_last_good_weights_kept(backend, rng):
    """A huge learning rate makes the loss overflow; raise_error=True raises after restoring."""
    x, y = helpers.data(rng, 32)
    model = helpers.model("mlp", learning_rate=1e30)
    states = _States()
    with pytest.raises(RuntimeError, match=r"NaN or Inf loss encountered at batch \d+.*restored the weights"):
        model.fit(
            x, y, batch_size=8, epochs=20, shuffle=False, verbose=0, callbacks=[states, callbacks.TerminateOnNaN(True)]
        )
    first_bad = next(i for i, loss in enumerate(states.losses) if not np.isfinite(loss))
    good = next(
        i for i in range(first_bad, -1, -1) if all(np.all(np.isfinite(w)) for w in states.before[i][0])
    )  # the state before the bad batch, or the one before that when the weights went bad first
    assert good >= first_bad - 1
    _assert_state(model, states.before[good])


def test_terminate_on_nan_changes_nothing_in_a_healthy_run(backend, rng):
    x, y = helpers.data(rng, 32)
    results = []
    for extra in ([], [callbacks.TerminateOnNaN()]):
        model = helpers.model("mlp")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=extra)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="TerminateOnNaN: `raise_error` must be a bool"):
        callbacks.TerminateOnNaN(raise_error="yes")
