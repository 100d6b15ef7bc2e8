"""NumPy references for the layer, loss, metric and optimizer tests (written independently of unikeras)."""

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


class KerasSGD:
    """Keras's SGD rule."""

    def __init__(self, lr, momentum=0.0, nesterov=False):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.m = None

    def step(self, w, g):
        if self.momentum == 0:
            return [wi - self.lr * gi for wi, gi in zip(w, g)]
        if self.m is None:
            self.m = [np.zeros_like(wi) for wi in w]
        out = []
        for i, (wi, gi) in enumerate(zip(w, g)):
            self.m[i] = self.momentum * self.m[i] - self.lr * gi
            out.append(wi + (self.momentum * self.m[i] - self.lr * gi if self.nesterov else self.m[i]))
        return out


class KerasAdam:
    """Keras's Adam rule (epsilon added to sqrt(v), bias correction folded into the step size)."""

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
        self.lr, self.b1, self.b2, self.eps, self.amsgrad = lr, beta_1, beta_2, epsilon, amsgrad
        self.t = 0
        self.m = self.v = self.vhat = None

    def step(self, w, g):
        if self.m is None:
            self.m = [np.zeros_like(wi) for wi in w]
            self.v = [np.zeros_like(wi) for wi in w]
            self.vhat = [np.zeros_like(wi) for wi in w]
        self.t += 1
        alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        out = []
        for i, (wi, gi) in enumerate(zip(w, g)):
            self.m[i] = self.m[i] + (gi - self.m[i]) * (1 - self.b1)
            self.v[i] = self.v[i] + (gi**2 - self.v[i]) * (1 - self.b2)
            v = self.v[i]
            if self.amsgrad:
                self.vhat[i] = np.maximum(self.vhat[i], self.v[i])
                v = self.vhat[i]
            out.append(wi - alpha * self.m[i] / (np.sqrt(v) + self.eps))
        return out
