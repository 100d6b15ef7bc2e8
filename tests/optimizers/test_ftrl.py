"""Ftrl against a NumPy reference, against Keras, config round trip, saved slots and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.optimizers import composed_check as check
from unikeras import optimizers


def reference(lr, power=-0.5, initial=0.1, l1=0.0, l2=0.0, shrinkage=0.0, beta=0.0):
    """FTRL-Proximal (McMahan et al., 2013) per coordinate, in float64, with Keras's l2 shrinkage
    (added to the gradient) and ``beta / (2 lr)`` added to the l2 strength."""
    start, grads = check.problem()
    weights = [w.astype("float64") for w in start]
    accums = [np.full_like(w, initial) for w in weights]
    linears = [np.zeros_like(w) for w in weights]
    for step_grads in grads:
        for i, g in enumerate(step_grads):
            g = g.astype("float64")
            w, n = weights[i], accums[i]
            n_new = n + g**2
            sigma = (n_new ** (-power) - n ** (-power)) / lr
            linears[i] = linears[i] + g + 2 * shrinkage * w - sigma * w
            z = linears[i]
            quadratic = n_new ** (-power) / lr + 2 * (l2 + beta / (2 * lr))
            weights[i] = np.where(np.abs(z) > l1, -(z - np.sign(z) * l1) / quadratic, 0.0)
            accums[i] = n_new
    return weights


CASES = [
    {"learning_rate": 0.1},
    {
        "learning_rate": 0.2,
        "learning_rate_power": -0.7,
        "initial_accumulator_value": 0.3,
        "l1_regularization_strength": 0.05,
        "l2_regularization_strength": 0.1,
        "l2_shrinkage_regularization_strength": 0.02,
        "beta": 0.3,
    },
]
RULE_ARGS = {
    "learning_rate": "lr",
    "learning_rate_power": "power",
    "initial_accumulator_value": "initial",
    "l1_regularization_strength": "l1",
    "l2_regularization_strength": "l2",
    "l2_shrinkage_regularization_strength": "shrinkage",
    "beta": "beta",
}


@pytest.mark.parametrize("kwargs", CASES, ids=["default", "regularized"])
def test_ftrl_matches_numpy_and_keras(backend, kwargs):
    got = check.run_unikeras(optimizers.Ftrl(**kwargs))
    check.assert_weights_close(got, reference(**{RULE_ARGS[k]: v for k, v in kwargs.items()}))
    check.assert_weights_close(got, check.run_keras("Ftrl", **kwargs))


def test_ftrl_config_save_and_errors(backend, tmp_path):
    optimizer = optimizers.Ftrl(**CASES[1])
    check.assert_config_round_trip(optimizer)
    check.assert_slots_survive_save_and_load(optimizer, tmp_path)
    assert optimizer.variables[2].name.endswith("accumulator")
    for arg, value in [
        ("initial_accumulator_value", -0.1),
        ("learning_rate_power", 0.5),
        ("l1_regularization_strength", -1.0),
        ("l2_shrinkage_regularization_strength", -1.0),
    ]:
        with pytest.raises(ValueError, match=arg):
            optimizers.Ftrl(**{arg: value})
