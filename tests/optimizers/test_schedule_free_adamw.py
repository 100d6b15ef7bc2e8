"""ScheduleFreeAdamW against a NumPy reference, against Keras (first step: see below), config round
trip and saved slots."""

from __future__ import annotations

import numpy as np
import pytest

from tests.optimizers import composed_check as check
from unikeras import optimizers


def reference(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0, weight_decay=0.0, steps=check.STEPS):
    """Schedule-free AdamW (Defazio et al., 2024) in float64: z takes Adam-normalized steps, x is
    the running average of the z iterates, the model weight is y = (1 - beta_1) z + beta_1 x
    (x recovered from y and the previous z)."""
    start, grads = check.problem()
    ys = [w.astype("float64") for w in start]
    zs = [y.copy() for y in ys]
    vs = [np.zeros_like(y) for y in ys]
    for t, step_grads in enumerate(grads[:steps], start=1):
        rate = lr * min(t / warmup_steps, 1.0) if warmup_steps else lr
        for i, g in enumerate(step_grads):
            g = g.astype("float64")
            ys[i] = ys[i] * (1 - weight_decay * lr)
            vs[i] = beta_2 * vs[i] + (1 - beta_2) * g**2
            z_old = zs[i]
            zs[i] = z_old - rate * g / (np.sqrt(vs[i] / (1 - beta_2**t)) + epsilon)
            x_old = (ys[i] - (1 - beta_1) * z_old) / beta_1
            x_new = (1 - 1 / t) * x_old + zs[i] / t
            ys[i] = (1 - beta_1) * zs[i] + beta_1 * x_new
    return ys


@pytest.mark.parametrize(
    "kwargs", [{"learning_rate": 0.01}, {"learning_rate": 0.05, "warmup_steps": 2, "weight_decay": 0.1}]
)
def test_schedule_free_adamw_matches_numpy(backend, kwargs):
    got = check.run_unikeras(optimizers.ScheduleFreeAdamW(**kwargs))
    rule = dict(kwargs)
    check.assert_weights_close(got, reference(rule.pop("learning_rate"), **rule))


def test_schedule_free_adamw_first_step_matches_keras(backend):
    """Keras's rule reads the z slot after assigning it where variables change in place (its
    TensorFlow and PyTorch backends), so from the second step on it recovers x from the new z;
    unikeras recovers it from the previous z, as the paper and Keras's JAX backend do. The first
    step (y = z either way) matches Keras."""
    start, grads = check.problem()
    variables = [check.Variable(w.copy()) for w in start]
    optimizers.ScheduleFreeAdamW(learning_rate=0.01).apply(grads[0], variables)
    keras_optimizer = check.keras.optimizers.ScheduleFreeAdamW(learning_rate=0.01)
    keras_variables = [check.keras.Variable(w) for w in start]
    keras_optimizer.apply_gradients(zip([check.keras.ops.convert_to_tensor(g) for g in grads[0]], keras_variables))
    check.assert_weights_close([v.numpy() for v in variables], [np.asarray(v) for v in keras_variables])
    check.assert_weights_close([v.numpy() for v in variables], reference(0.01, steps=1))


def test_schedule_free_adamw_config_and_save(backend, tmp_path):
    optimizer = optimizers.ScheduleFreeAdamW(learning_rate=0.01, beta_1=0.8, warmup_steps=3)
    check.assert_config_round_trip(optimizer)
    check.assert_slots_survive_save_and_load(optimizer, tmp_path)


def test_schedule_free_adamw_trains_with_fit(backend):
    """Its z slot starts as a copy of the weight: the copy must own its storage, or JAX's compiled
    step (which donates the state buffers) would receive one buffer twice."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype("float32")
    y = x @ rng.standard_normal((3, 1)).astype("float32")
    model = check.unikeras.Sequential([check.unikeras.Input((3,)), check.layers.Dense(1)])
    model.compile(optimizer=optimizers.ScheduleFreeAdamW(learning_rate=0.05), loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
