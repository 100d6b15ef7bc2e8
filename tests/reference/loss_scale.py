"""NumPy reference of dynamic loss scaling (Keras's LossScaleOptimizer, from its documented rule)
around SGD with momentum, in float64."""

from __future__ import annotations

import numpy as np


def sgd_momentum(w: np.ndarray, m: np.ndarray, g: np.ndarray, lr: float, momentum: float) -> tuple:
    """Keras's SGD: ``m = momentum * m - lr * g; w = w + m``."""
    m = momentum * m - lr * g
    return w + m, m


def loss_scaled_sgd(
    w: np.ndarray, grads: list[np.ndarray], lr: float, momentum: float, initial_scale: float, growth_steps: int
) -> list[dict]:
    """The state after each step for gradients ``grads`` of the *scaled* loss.

    A step whose gradients are all finite unscales them (divides by the scale), applies SGD and
    counts itself; when the count reaches ``growth_steps`` the scale doubles and the count restarts.
    A step with an inf or NaN changes neither the weights, the momentum nor the update count,
    halves the scale and restarts the count."""
    w = np.asarray(w, np.float64)
    m = np.zeros_like(w)
    scale, count, iterations = float(initial_scale), 0, 0
    states = []
    for g in grads:
        g = np.asarray(g, np.float64)
        if np.all(np.isfinite(g)):
            w, m = sgd_momentum(w, m, g / scale, lr, momentum)
            iterations += 1
            count += 1
            if count == growth_steps:
                scale, count = scale * 2.0, 0
        else:
            scale, count = scale * 0.5, 0
        states.append({"w": w.copy(), "m": m.copy(), "scale": scale, "count": count, "iterations": iterations})
    return states
