"""TensorFlow: tf.Variables, a tf.function step with GradientTape and Adam written in TF."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.native.common import LEARNING_RATE, epoch_batches, initial_weights  # noqa: E402

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def make_epoch(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    params = [tf.Variable(a) for pair in initial_weights(seed) for a in pair]
    ms = [tf.Variable(tf.zeros_like(p)) for p in params]
    vs = [tf.Variable(tf.zeros_like(p)) for p in params]
    t = tf.Variable(0.0)

    @tf.function(reduce_retracing=True)
    def step(xb, yb):
        with tf.GradientTape() as tape:
            h = xb
            for i in range(0, len(params), 2):
                h = tf.matmul(h, params[i]) + params[i + 1]
                if i < len(params) - 2:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=h))
        grads = tape.gradient(loss, params)
        t.assign_add(1.0)
        alpha = LEARNING_RATE * tf.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        for p, g, m, v in zip(params, grads, ms, vs):
            m.assign_add((g - m) * (1 - BETA_1))
            v.assign_add((g * g - v) * (1 - BETA_2))
            p.assign_sub(alpha * m / (tf.sqrt(v) + EPSILON))
        return loss

    y = y.astype("int32")
    rng = np.random.default_rng(seed)

    def run_epoch() -> float:
        losses = [step(tf.constant(xb), tf.constant(yb)) for xb, yb in epoch_batches(x, y, batch_size, rng)]
        return float(tf.reduce_mean(tf.stack(losses)))

    return run_epoch
