"""NumPy references for the layer, loss and metric tests (written independently of unikeras; the
optimizers' references are in tests/reference/optimizers.py)."""

from __future__ import annotations

import numpy as np

EPS = 1e-7


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def dense(x, kernel, bias=None, activation=None):
    out = x @ kernel
    if bias is not None:
        out = out + bias
    return activation(out) if activation else out


def mse(y_true, y_pred):
    return np.mean((y_pred - y_true) ** 2, axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    y_true = y_true * (1 - label_smoothing) + 0.5 * label_smoothing
    p = sigmoid(y_pred) if from_logits else np.clip(y_pred, EPS, 1 - EPS)
    if from_logits:
        # exact log-sigmoid forms, no clipping
        log_p = -np.logaddexp(0.0, -y_pred)
        log_1mp = -np.logaddexp(0.0, y_pred)
    else:
        log_p, log_1mp = np.log(p), np.log(1 - p)
    return np.mean(-(y_true * log_p + (1 - y_true) * log_1mp), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    n = y_pred.shape[-1]
    y_true = y_true * (1 - label_smoothing) + label_smoothing / n
    if from_logits:
        logp = log_softmax(y_pred)
    else:
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        logp = np.log(np.clip(p, EPS, 1 - EPS))
    return -np.sum(y_true * logp, axis=-1)


def sparse_categorical_crossentropy(labels, y_pred, from_logits=False):
    one_hot = np.eye(y_pred.shape[-1])[labels.astype(int)]
    return categorical_crossentropy(one_hot, y_pred, from_logits=from_logits)
