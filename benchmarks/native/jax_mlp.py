"""JAX: a jitted step with Adam written in JAX."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.native.common import LEARNING_RATE, epoch_batches, initial_weights

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def _forward(params, x):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def _loss(params, x, y):
    logits = _forward(params, x)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


@jax.jit
def _step(params, m, v, t, x, y):
    loss, grads = jax.value_and_grad(_loss)(params, x, y)
    t = t + 1
    alpha = LEARNING_RATE * jnp.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    m = jax.tree_util.tree_map(lambda m, g: m + (g - m) * (1 - BETA_1), m, grads)
    v = jax.tree_util.tree_map(lambda v, g: v + (g * g - v) * (1 - BETA_2), v, grads)
    params = jax.tree_util.tree_map(lambda p, m, v: p - alpha * m / (jnp.sqrt(v) + EPSILON), params, m, v)
    return params, m, v, t, loss


def make_epoch(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    state = {"params": [(jnp.asarray(w), jnp.asarray(b)) for w, b in initial_weights(seed)]}
    state["m"] = jax.tree_util.tree_map(jnp.zeros_like, state["params"])
    state["v"] = jax.tree_util.tree_map(jnp.zeros_like, state["params"])
    state["t"] = jnp.zeros((), jnp.float32)
    y = y.astype("int32")
    rng = np.random.default_rng(seed)

    def run_epoch() -> float:
        losses = []
        params, m, v, t = state["params"], state["m"], state["v"], state["t"]
        for xb, yb in epoch_batches(x, y, batch_size, rng):
            params, m, v, t, loss = _step(params, m, v, t, xb, yb)
            losses.append(loss)
        state.update(params=params, m=m, v=v, t=t)
        return float(jnp.mean(jnp.stack(losses)))

    return run_epoch
