"""Lamb against a NumPy reference, against Keras, config round trip and saved slots."""

from __future__ import annotations

import numpy as np
import pytest

from tests.optimizers import composed_check as check
from unikeras import optimizers


def reference(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, zero_first=False):
    """Lamb (You et al., 2019) as Keras states it, in float64: Adam's bias-corrected direction
    scaled per variable by ||w|| / ||direction|| (1 when a norm is zero)."""
    start, grads = check.problem()
    weights = [w.astype("float64") for w in start]
    if zero_first:
        weights[0] = np.zeros_like(weights[0])
    ms = [np.zeros_like(w) for w in weights]
    vs = [np.zeros_like(w) for w in weights]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            g = g.astype("float64")
            ms[i] = beta_1 * ms[i] + (1 - beta_1) * g
            vs[i] = beta_2 * vs[i] + (1 - beta_2) * g**2
            direction = (ms[i] / (1 - beta_1**t)) / (np.sqrt(vs[i] / (1 - beta_2**t)) + epsilon)
            w_norm, d_norm = np.linalg.norm(weights[i]), np.linalg.norm(direction)
            ratio = w_norm / d_norm if w_norm > 0 and d_norm > 0 else 1.0
            weights[i] = weights[i] - lr * ratio * direction
    return weights


@pytest.mark.parametrize("kwargs", [{"learning_rate": 0.01}, {"learning_rate": 0.05, "beta_1": 0.8, "epsilon": 1e-3}])
def test_lamb_matches_numpy_and_keras(backend, kwargs):
    got = check.run_unikeras(optimizers.Lamb(**kwargs))
    rule = {k: v for k, v in kwargs.items() if k != "learning_rate"}
    check.assert_weights_close(got, reference(kwargs["learning_rate"], **rule))
    check.assert_weights_close(got, check.run_keras("Lamb", **kwargs))


def test_lamb_zero_weights_take_the_plain_step(backend):
    """A variable that is all zeros has no trust ratio: the ratio is 1."""
    start, grads = check.problem()
    variables = [check.Variable(np.zeros_like(start[0]) if i == 0 else w.copy()) for i, w in enumerate(start)]
    optimizer = optimizers.Lamb(learning_rate=0.01)
    for g in grads:
        optimizer.apply(g, variables)
    check.assert_weights_close([v.numpy() for v in variables], reference(0.01, zero_first=True))


def test_lamb_config_and_save(backend, tmp_path):
    optimizer = optimizers.Lamb(learning_rate=0.02, beta_2=0.99, weight_decay=0.01)
    check.assert_config_round_trip(optimizer)
    check.assert_slots_survive_save_and_load(optimizer, tmp_path)
