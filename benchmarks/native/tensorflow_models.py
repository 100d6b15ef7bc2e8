"""TensorFlow: the suite's workloads in TF ops on tf.Variables, a tf.function step with GradientTape and Adam in TF.

tf.keras is Keras 3 here, so the layers and Adam are written in TF ops. ``jit_compile=False``
(the suite's ``native`` way) is ``tf.function`` as a TensorFlow user writes it by default;
``jit_compile=True`` (the ``native_xla`` way) is the same loop compiled by XLA. The LSTM's 32
steps are unrolled in the traced graph.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.native.common import epoch_batches, suite_params  # noqa: E402
from benchmarks.workloads import BETA_1, BETA_2, EPSILON, LAYER_NORM_EPSILON, LEARNING_RATE, WORKLOADS  # noqa: E402


def _layer_norm(x, gamma, beta):
    mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(var + LAYER_NORM_EPSILON) * gamma + beta


def _lstm(p, x):
    projected = tf.einsum("btf,fg->btg", x, p["lstm_w"]) + p["lstm_b"]
    h = c = tf.zeros((tf.shape(x)[0], p["lstm_u"].shape[0]), x.dtype)
    for z in tf.unstack(projected, axis=1):  # one op (and one gradient op) for all steps, not a slice per step
        i, f, g, o = tf.split(z + tf.matmul(h, p["lstm_u"]), 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
    return h


def _transformer(p, x):
    q = tf.einsum("btd,dhk->bhtk", x, p["q_w"]) + p["q_b"][:, None, :]
    k = tf.einsum("btd,dhk->bhtk", x, p["k_w"]) + p["k_b"][:, None, :]
    v = tf.einsum("btd,dhk->bhtk", x, p["v_w"]) + p["v_b"][:, None, :]
    weights = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) / 4.0, axis=-1)  # sqrt(key_dim)
    attended = tf.einsum("bhqk,hkd->bqd", tf.matmul(weights, v), p["o_w"]) + p["o_b"]
    h = _layer_norm(x + attended, p["ln1_g"], p["ln1_b"])
    ffn = tf.einsum("btd,de->bte", tf.nn.relu(tf.einsum("btd,de->bte", h, p["f1_w"]) + p["f1_b"]), p["f2_w"])
    h = _layer_norm(h + ffn + p["f2_b"], p["ln2_g"], p["ln2_b"])
    return tf.matmul(tf.reduce_mean(h, axis=1), p["h_w"]) + p["h_b"]


def forward(name: str, p: dict, x: tf.Tensor) -> tf.Tensor:
    if name == "mlp":
        h = tf.nn.relu(tf.matmul(x, p["d0_w"]) + p["d0_b"])
        h = tf.nn.relu(tf.matmul(h, p["d1_w"]) + p["d1_b"])
        return tf.matmul(h, p["d2_w"]) + p["d2_b"]
    if name == "cnn":
        h = x
        for i in range(2):
            h = tf.nn.relu(tf.nn.conv2d(h, p[f"c{i}_w"], 1, "VALID") + p[f"c{i}_b"])
            h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        h = tf.nn.relu(tf.matmul(tf.reshape(h, (-1, 5 * 5 * 64)), p["d0_w"]) + p["d0_b"])
        return tf.matmul(h, p["d1_w"]) + p["d1_b"]
    if name == "lstm":
        return tf.matmul(_lstm(p, x), p["d_w"]) + p["d_b"]
    if name == "transformer":
        return _transformer(p, x)
    raise ValueError(f"unknown workload {name!r}; expected one of {sorted(WORKLOADS)}")


class Native:
    """One workload's variables, Adam state and data: ``train_epoch()`` and ``predict()``."""

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray, seed: int = 0, jit_compile: bool = False) -> None:
        self.workload = WORKLOADS[name]
        self.params = {k: tf.Variable(a, name=k) for k, a in suite_params(name, seed).items()}
        variables = list(self.params.values())
        ms = [tf.Variable(tf.zeros_like(v)) for v in variables]
        vs = [tf.Variable(tf.zeros_like(v)) for v in variables]
        t = tf.Variable(0.0)

        @tf.function(reduce_retracing=True, jit_compile=jit_compile)
        def train_step(xb, yb):
            with tf.GradientTape() as tape:
                logits = forward(name, self.params, xb)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=logits))
            grads = tape.gradient(loss, variables)
            t.assign_add(1.0)
            alpha = LEARNING_RATE * tf.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
            for var, g, m, v in zip(variables, grads, ms, vs):
                m.assign_add((g - m) * (1 - BETA_1))
                v.assign_add((g * g - v) * (1 - BETA_2))
                var.assign_sub(alpha * m / (tf.sqrt(v) + EPSILON))
            return loss

        self.train_step = train_step
        self.predict_step = tf.function(
            lambda xb: forward(name, self.params, xb), reduce_retracing=True, jit_compile=jit_compile
        )
        self.x, self.y = x, y.astype(np.int32)
        self.rng = np.random.default_rng(seed)

    def num_params(self) -> int:
        return sum(int(np.prod(v.shape)) for v in self.params.values())

    def train_epoch(self, on_first_step: Callable[[], None] | None = None, max_steps: int | None = None) -> float:
        losses = []
        for xb, yb in epoch_batches(self.x, self.y, self.workload.batch_size, self.rng, max_steps):
            loss = self.train_step(tf.constant(xb), tf.constant(yb))
            losses.append(loss)
            if on_first_step is not None:
                float(loss)
                on_first_step()
                on_first_step = None
        return float(tf.reduce_mean(tf.stack(losses)))

    def predict(self, max_samples: int | None = None) -> np.ndarray:
        """Logits of the training set (its first ``max_samples``), in large batches."""
        x, size = self.x[:max_samples], self.workload.predict_batch_size
        outputs = [self.predict_step(tf.constant(x[i : i + size])) for i in range(0, len(x), size)]
        return tf.concat(outputs, axis=0).numpy()
