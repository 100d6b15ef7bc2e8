"""Muon against a NumPy reference, against Keras, config round trip and saved slots."""

from __future__ import annotations

import numpy as np

from tests.optimizers import composed_check as check
from unikeras import optimizers


def _newton_schulz(x, steps, a=3.4445, b=-4.7750, c=2.0315):
    """The quintic iteration x <- a x + (b A + c A^2) x, A = x x^T, from x / (||x||_F + 1e-7),
    on the wide orientation."""
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def reference(
    lr,
    momentum=0.95,
    nesterov=True,
    rms_rate=0.2,
    ns_steps=5,
    weight_decay=0.004,
    adam_decay=0.004,
    adam_ratio=1.0,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-7,
    adamw_names=("bias",),
):
    """Muon (Jordan et al., 2024; Moonlight's rms scaling) on 2-D weights and AdamW on the rest,
    in float64; each weight first decays by its own weight decay times lr."""
    start, grads = check.problem()
    weights = [w.astype("float64") for w in start]
    ms = [np.zeros_like(w) for w in weights]
    vs = [np.zeros_like(w) for w in weights]
    for t, step_grads in enumerate(grads, start=1):
        for i, (g, name) in enumerate(zip(step_grads, check.NAMES)):
            g = g.astype("float64")
            adamw = weights[i].ndim != 2 or name in adamw_names
            weights[i] = weights[i] * (1 - (adam_decay if adamw else weight_decay) * lr)
            if adamw:
                ms[i] = beta_1 * ms[i] + (1 - beta_1) * g
                vs[i] = beta_2 * vs[i] + (1 - beta_2) * g**2
                alpha = lr * adam_ratio * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                weights[i] = weights[i] - alpha * ms[i] / (np.sqrt(vs[i]) + epsilon)
                continue
            ms[i] = momentum * ms[i] + g
            direction = g + momentum * ms[i] if nesterov else ms[i]
            update = lr * _newton_schulz(direction, ns_steps)
            if rms_rate is not None:
                update = update * np.sqrt(max(weights[i].shape)) * rms_rate
            weights[i] = weights[i] - update
    return weights


def test_muon_default_matches_numpy_and_keras(backend):
    got = check.run_unikeras(optimizers.Muon(learning_rate=0.01))
    check.assert_weights_close(got, reference(0.01))
    check.assert_weights_close(got, check.run_keras("Muon", learning_rate=0.01))


def test_muon_options_match_numpy_and_keras(backend):
    kwargs = {
        "learning_rate": 0.02,
        "nesterov": False,
        "rms_rate": None,
        "adam_lr_ratio": 0.5,
        "weight_decay": 0.1,
        "ns_steps": 3,
        "exclude_layers": ["recurrent"],
    }
    got = check.run_unikeras(optimizers.Muon(**kwargs))
    want = reference(
        0.02,
        nesterov=False,
        rms_rate=None,
        adam_ratio=0.5,
        weight_decay=0.1,
        ns_steps=3,
        adamw_names=("bias", "recurrent_kernel"),
    )
    check.assert_weights_close(got, want)
    check.assert_weights_close(got, check.run_keras("Muon", **kwargs))


def test_muon_slots_config_and_save(backend, tmp_path):
    optimizer = optimizers.Muon(learning_rate=0.01, exclude_layers=["d2"], adam_weight_decay=None)
    check.assert_config_round_trip(optimizer)
    assert optimizer.get_config()["weight_decay"] == 0.004
    check.assert_slots_survive_save_and_load(optimizer, tmp_path)
    start, _ = check.problem()
    fresh = optimizers.Muon()
    fresh.build([check.Variable(start[0], name="embeddings"), check.Variable(start[1], name="kernel")])
    # a momentum for each variable, a velocity for the AdamW ones only (embeddings are excluded by default)
    assert [v.name for v in fresh.variables[2:]] == ["embeddings_momentum", "kernel_momentum", "embeddings_velocity"]
