"""JAX: the suite's workloads as pure functions, one jitted training step with Adam written in JAX (no optax).

The step donates the parameters and optimizer state (updated in place where XLA can); the LSTM
projects all time steps' inputs in one matmul and scans the recurrence with ``lax.scan``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from benchmarks.native.common import epoch_batches, suite_params
from benchmarks.workloads import BETA_1, BETA_2, EPSILON, LAYER_NORM_EPSILON, LEARNING_RATE, WORKLOADS


def _conv(x, w, b):
    return lax.conv_general_dilated(x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")) + b


def _max_pool(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def _layer_norm(x, gamma, beta):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) * lax.rsqrt(var + LAYER_NORM_EPSILON) * gamma + beta


def _lstm(p, x):
    projected = jnp.swapaxes(x @ p["lstm_w"] + p["lstm_b"], 0, 1)  # (time, batch, 4 units)

    def cell(carry, z):
        h, c = carry
        i, f, g, o = jnp.split(z + h @ p["lstm_u"], 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], p["lstm_u"].shape[0]), x.dtype)
    (h, _), _ = lax.scan(cell, (zeros, zeros), projected)
    return h


def _transformer(p, x):
    q = jnp.einsum("btd,dhk->bhtk", x, p["q_w"]) + p["q_b"][:, None, :]
    k = jnp.einsum("btd,dhk->bhtk", x, p["k_w"]) + p["k_b"][:, None, :]
    v = jnp.einsum("btd,dhk->bhtk", x, p["v_w"]) + p["v_b"][:, None, :]
    scale = q.shape[-1] ** -0.5  # a Python float: stays float32 under jax_enable_x64 (a NumPy scalar would not)
    weights = jax.nn.softmax(jnp.einsum("bhqk,bhsk->bhqs", q, k) * scale, axis=-1)
    attended = jnp.einsum("bhtk,hkd->btd", jnp.einsum("bhqs,bhsk->bhqk", weights, v), p["o_w"]) + p["o_b"]
    h = _layer_norm(x + attended, p["ln1_g"], p["ln1_b"])
    ffn = jax.nn.relu(h @ p["f1_w"] + p["f1_b"]) @ p["f2_w"] + p["f2_b"]
    h = _layer_norm(h + ffn, p["ln2_g"], p["ln2_b"])
    return jnp.mean(h, axis=1) @ p["h_w"] + p["h_b"]


def forward(name: str, p: dict, x: jax.Array) -> jax.Array:
    if name == "mlp":
        h = jax.nn.relu(x @ p["d0_w"] + p["d0_b"])
        h = jax.nn.relu(h @ p["d1_w"] + p["d1_b"])
        return h @ p["d2_w"] + p["d2_b"]
    if name == "cnn":
        h = _max_pool(jax.nn.relu(_conv(x, p["c0_w"], p["c0_b"])))
        h = _max_pool(jax.nn.relu(_conv(h, p["c1_w"], p["c1_b"])))
        h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p["d0_w"] + p["d0_b"])
        return h @ p["d1_w"] + p["d1_b"]
    if name == "lstm":
        return _lstm(p, x) @ p["d_w"] + p["d_b"]
    if name == "transformer":
        return _transformer(p, x)
    raise ValueError(f"unknown workload {name!r}; expected one of {sorted(WORKLOADS)}")


def _loss(name, p, x, y):
    logits = forward(name, p, x)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


@partial(jax.jit, static_argnums=0, donate_argnums=(1, 2, 3, 4))
def _train_step(name, params, m, v, t, x, y):
    loss, grads = jax.value_and_grad(partial(_loss, name))(params, x, y)
    t = t + 1
    alpha = LEARNING_RATE * jnp.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    m = jax.tree_util.tree_map(lambda m, g: m + (g - m) * (1 - BETA_1), m, grads)
    v = jax.tree_util.tree_map(lambda v, g: v + (g * g - v) * (1 - BETA_2), v, grads)
    params = jax.tree_util.tree_map(lambda p, m, v: p - alpha * m / (jnp.sqrt(v) + EPSILON), params, m, v)
    return params, m, v, t, loss


@partial(jax.jit, static_argnums=0)
def _predict_step(name, params, x):
    return forward(name, params, x)


class Native:
    """One workload's parameters, Adam state and data: ``train_epoch()`` and ``predict()``."""

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, seed: int = 0) -> None:
        self.name, self.workload = name, WORKLOADS[name]
        self.params = {k: jnp.asarray(a) for k, a in suite_params(name, seed).items()}
        self.m = jax.tree_util.tree_map(jnp.zeros_like, self.params)
        self.v = jax.tree_util.tree_map(jnp.zeros_like, self.params)
        self.t = jnp.zeros((), jnp.float32)
        self.x, self.y = x, y.astype(np.int32)
        self.rng = np.random.default_rng(seed)

    def num_params(self) -> int:
        return sum(int(np.prod(a.shape)) for a in self.params.values())

    def train_epoch(self, on_first_step: Callable[[], None] | None = None, max_steps: int | None = None) -> float:
        losses = []
        params, m, v, t = self.params, self.m, self.v, self.t
        for xb, yb in epoch_batches(self.x, self.y, self.workload.batch_size, self.rng, max_steps):
            params, m, v, t, loss = _train_step(self.name, params, m, v, t, xb, yb)
            losses.append(loss)
            if on_first_step is not None:
                float(loss)
                on_first_step()
                on_first_step = None
        self.params, self.m, self.v, self.t = params, m, v, t
        return float(jnp.mean(jnp.stack(losses)))

    def predict(self, max_samples: int | None = None) -> np.ndarray:
        """Logits of the training set (its first ``max_samples``), in large batches."""
        x, size = self.x[:max_samples], self.workload.predict_batch_size
        outputs = [_predict_step(self.name, self.params, x[i : i + size]) for i in range(0, len(x), size)]
        return np.asarray(jnp.concatenate(outputs))
