"""Adafactor against a NumPy reference, against Keras, config round trip and saved slots."""

from __future__ import annotations

import numpy as np
import pytest

from tests.optimizers import composed_check as check
from unikeras import Variable, optimizers


def _rms(x):
    return np.sqrt(np.mean(x**2))


def reference(lr=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0):
    """Adafactor (Shazeer & Stern, 2018) as Keras states it, in float64: factored second moments for
    matrices, the step size relative to the weight's RMS and capped at 1/sqrt(t)."""
    start, grads = check.problem()
    weights = [w.astype("float64") for w in start]
    rows = [np.zeros(w.shape[:-1]) for w in weights]
    cols = [np.zeros(w.shape[:-2] + w.shape[-1:]) for w in weights]
    second = [np.zeros_like(w) for w in weights]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            g = g.astype("float64")
            w = weights[i]
            size = max(epsilon_2, _rms(w)) * min(lr, 1 / np.sqrt(t))
            g2 = g**2 + epsilon_1
            decay = 1 - t**beta_2_decay
            if w.ndim >= 2:
                rows[i] = decay * rows[i] + (1 - decay) * g2.mean(-1)
                cols[i] = decay * cols[i] + (1 - decay) * g2.mean(-2)
                second[i] = (rows[i] / rows[i].mean(-1, keepdims=True))[..., None] * cols[i][..., None, :]
            else:
                second[i] = decay * second[i] + (1 - decay) * g2
            u = g / np.sqrt(second[i])
            u = u / max(1.0, _rms(u) / clip_threshold)
            weights[i] = w - size * u
    return weights


CASES = [{"learning_rate": 0.1}, {"learning_rate": 0.01, "clip_threshold": 0.5, "beta_2_decay": -0.5}]


@pytest.mark.parametrize("kwargs", CASES, ids=["default", "clipped"])
def test_adafactor_matches_numpy_and_keras(backend, kwargs):
    got = check.run_unikeras(optimizers.Adafactor(**kwargs))
    rule = {k: v for k, v in kwargs.items() if k != "learning_rate"}
    check.assert_weights_close(got, reference(lr=kwargs["learning_rate"], **rule))
    check.assert_weights_close(got, check.run_keras("Adafactor", **kwargs))


def test_adafactor_slots_config_and_save(backend, tmp_path):
    optimizer = optimizers.Adafactor(learning_rate=0.05, epsilon_2=2e-3, relative_step=False, clipnorm=1.0)
    check.assert_config_round_trip(optimizer)
    check.assert_slots_survive_save_and_load(optimizer, tmp_path)
    # the factored moments of the (3, 4) kernel: rows (3,) and columns (4,); vectors keep a full slot
    start, _ = check.problem()
    fresh = optimizers.Adafactor()
    fresh.build([Variable(w) for w in start])
    assert [tuple(v.shape) for v in fresh.variables[2:]] == [(3,), (4,), (3, 4), (5,), (2,), (5, 2), (4,)]
