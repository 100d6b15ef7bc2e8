"""NumPy (float64) references for Keras 3's optimizers and learning-rate schedules.

Written from the update rules Keras documents (the optimizers' docstrings and the papers they
cite), independently of unikeras. Every optimizer follows Keras's order within one update:
clip the gradients (``clipnorm``, else ``global_clipnorm``, else ``clipvalue``), decay the weights
(``w -= w * weight_decay * lr``), apply the optimizer's rule with the rate of this step, then
count the step. ``learning_rate`` is a float or a function ``step -> rate`` (``step`` counting the
updates already applied, from 0), as a schedule is evaluated at the optimizer's ``iterations``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


class ReferenceOptimizer:
    """Clipping, weight decay and the step counter; subclasses give ``slots`` and ``rule``."""

    def __init__(
        self,
        learning_rate: float | Callable[[int], float] = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
    ) -> None:
        self.learning_rate = learning_rate
        self.weight_decay, self.clipnorm, self.clipvalue, self.global_clipnorm = (
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
        )
        self.iterations = 0
        self.state: list[dict[str, np.ndarray]] | None = None

    def rate(self) -> float:
        lr = self.learning_rate
        return float(lr(self.iterations)) if callable(lr) else float(lr)

    def clip(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        if self.clipnorm:
            return [g * self.clipnorm / max(np.sqrt(np.sum(g**2)), self.clipnorm) for g in grads]
        if self.global_clipnorm:
            norm = np.sqrt(sum(np.sum(g**2) for g in grads))
            return [g * self.global_clipnorm / max(norm, self.global_clipnorm) for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def step(self, weights: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The weights after one update with ``grads`` (inputs are left unchanged)."""
        weights = [np.array(w, dtype=np.float64) for w in weights]
        grads = self.clip([np.array(g, dtype=np.float64) for g in grads])
        if self.state is None:
            self.state = [self.slots(w) for w in weights]
        lr = self.rate()
        if self.weight_decay is not None:
            weights = [w - w * self.weight_decay * lr for w in weights]
        t = self.iterations + 1  # 1-based number of this update
        self.begin_step(t)
        weights = [self.rule(w, g, s, lr, t) for w, g, s in zip(weights, grads, self.state)]
        self.iterations += 1
        return weights

    def slots(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def begin_step(self, t: int) -> None:
        """Per-update work shared by all variables (Nadam's momentum product)."""

    def rule(self, w: np.ndarray, g: np.ndarray, s: dict[str, np.ndarray], lr: float, t: int) -> np.ndarray:
        raise NotImplementedError


class SGD(ReferenceOptimizer):
    """``velocity = momentum * velocity - lr * g``; ``w += velocity``, or with Nesterov
    ``w += momentum * velocity - lr * g``; without momentum ``w -= lr * g``."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum, self.nesterov = momentum, nesterov

    def slots(self, w):
        return {"velocity": np.zeros_like(w)}

    def rule(self, w, g, s, lr, t):
        if self.momentum == 0:
            return w - lr * g
        s["velocity"] = self.momentum * s["velocity"] - lr * g
        if self.nesterov:
            return w + self.momentum * s["velocity"] - lr * g
        return w + s["velocity"]


class Adam(ReferenceOptimizer):
    """Kingma & Ba, Algorithm 1 with the "efficient" ordering Keras uses: epsilon is added to
    ``sqrt(v)`` and the bias corrections are folded into the step size
    ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``. AMSGrad divides by the running maximum of ``v``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def slots(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "v_max": np.zeros_like(w)}

    def rule(self, w, g, s, lr, t):
        s["m"] = self.beta_1 * s["m"] + (1 - self.beta_1) * g
        s["v"] = self.beta_2 * s["v"] + (1 - self.beta_2) * g**2
        v = s["v"]
        if self.amsgrad:
            s["v_max"] = v = np.maximum(s["v_max"], s["v"])
        alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        return w - alpha * s["m"] / (np.sqrt(v) + self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (``weight_decay`` defaults to 0.004)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class RMSprop(ReferenceOptimizer):
    """``v = rho * v + (1 - rho) * g**2``; centered: ``a = rho * a + (1 - rho) * g`` and the
    denominator is ``sqrt(v - a**2 + epsilon)``, else ``sqrt(v + epsilon)``; ``step = lr * g /
    denominator``; with momentum ``mom = momentum * mom + step``, ``w -= mom``, else ``w -= step``."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def slots(self, w):
        return {"v": np.zeros_like(w), "a": np.zeros_like(w), "mom": np.zeros_like(w)}

    def rule(self, w, g, s, lr, t):
        s["v"] = self.rho * s["v"] + (1 - self.rho) * g**2
        mean_square = s["v"]
        if self.centered:
            s["a"] = self.rho * s["a"] + (1 - self.rho) * g
            mean_square = mean_square - s["a"] ** 2
        step = lr * g / np.sqrt(mean_square + self.epsilon)
        if self.momentum > 0:
            s["mom"] = self.momentum * s["mom"] + step
            step = s["mom"]
        return w - step


class Adagrad(ReferenceOptimizer):
    """``acc += g**2`` (starting at ``initial_accumulator_value``); ``w -= lr * g / sqrt(acc + epsilon)``."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def slots(self, w):
        return {"acc": np.full_like(w, self.initial_accumulator_value)}

    def rule(self, w, g, s, lr, t):
        s["acc"] = s["acc"] + g**2
        return w - lr * g / np.sqrt(s["acc"] + self.epsilon)


class Adadelta(ReferenceOptimizer):
    """Zeiler's Adadelta with a learning rate: ``E[g2] = rho E[g2] + (1 - rho) g**2``;
    ``dx = -sqrt(E[dx2] + eps) / sqrt(E[g2] + eps) * g``; ``E[dx2] = rho E[dx2] + (1 - rho) dx**2``;
    ``w += lr * dx``."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def slots(self, w):
        return {"g2": np.zeros_like(w), "dx2": np.zeros_like(w)}

    def rule(self, w, g, s, lr, t):
        s["g2"] = self.rho * s["g2"] + (1 - self.rho) * g**2
        dx = -np.sqrt(s["dx2"] + self.epsilon) / np.sqrt(s["g2"] + self.epsilon) * g
        s["dx2"] = self.rho * s["dx2"] + (1 - self.rho) * dx**2
        return w + lr * dx


class Adamax(ReferenceOptimizer):
    """Adam with the infinity norm: ``m = beta_1 m + (1 - beta_1) g``; ``u = max(beta_2 u, |g|)``;
    ``w -= lr * m / ((1 - beta_1**t) * (u + epsilon))``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def slots(self, w):
        return {"m": np.zeros_like(w), "u": np.zeros_like(w)}

    def rule(self, w, g, s, lr, t):
        s["m"] = self.beta_1 * s["m"] + (1 - self.beta_1) * g
        s["u"] = np.maximum(self.beta_2 * s["u"], np.abs(g))
        return w - lr * s["m"] / ((1 - self.beta_1**t) * (s["u"] + self.epsilon))


class Nadam(ReferenceOptimizer):
    """Dozat's Nadam with the momentum schedule ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)``:
    ``m_hat = mu_{t+1} m / (1 - prod_{i<=t+1} mu_i) + (1 - mu_t) g / (1 - prod_{i<=t} mu_i)``,
    ``v_hat = v / (1 - beta_2**t)``, ``w -= lr * m_hat / (sqrt(v_hat) + epsilon)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.mu_product = 1.0

    def mu(self, t):
        return self.beta_1 * (1 - 0.5 * 0.96**t)

    def slots(self, w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def begin_step(self, t):
        self.mu_product *= self.mu(t)

    def rule(self, w, g, s, lr, t):
        s["m"] = self.beta_1 * s["m"] + (1 - self.beta_1) * g
        s["v"] = self.beta_2 * s["v"] + (1 - self.beta_2) * g**2
        mu_t, mu_next = self.mu(t), self.mu(t + 1)
        m_hat = mu_next * s["m"] / (1 - self.mu_product * mu_next) + (1 - mu_t) * g / (1 - self.mu_product)
        v_hat = s["v"] / (1 - self.beta_2**t)
        return w - lr * m_hat / (np.sqrt(v_hat) + self.epsilon)


class Lion(ReferenceOptimizer):
    """Chen et al.'s Lion: ``w -= lr * sign(beta_1 m + (1 - beta_1) g)``, then
    ``m = beta_2 m + (1 - beta_2) g``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2

    def slots(self, w):
        return {"m": np.zeros_like(w)}

    def rule(self, w, g, s, lr, t):
        w = w - lr * np.sign(self.beta_1 * s["m"] + (1 - self.beta_1) * g)
        s["m"] = self.beta_2 * s["m"] + (1 - self.beta_2) * g
        return w


OPTIMIZERS = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion)}


# ---------------------------------------------------------------------- learning-rate schedules
# Closed forms of Keras's schedules at an integer step (float64).


def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
    p = step / decay_steps
    return initial_learning_rate * decay_rate ** (math.floor(p) if staircase else p)


def piecewise_constant_decay(step, boundaries, values, name=None):
    for boundary, value in zip(boundaries, values):
        if step <= boundary:
            return value
    return values[-1]


def polynomial_decay(
    step, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False, name=None
):
    if cycle:
        # the first multiple of decay_steps at or above step (decay_steps itself at step 0)
        decay_steps = decay_steps * max(1, math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (initial_learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power + end_learning_rate


def inverse_time_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
    p = step / decay_steps
    return initial_learning_rate / (1 + decay_rate * (math.floor(p) if staircase else p))


def _cosine(fraction, alpha):
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None, warmup_steps=0):
    if warmup_target is None:
        return initial_learning_rate * _cosine(min(step, decay_steps) / decay_steps, alpha)
    if step < warmup_steps:
        return initial_learning_rate + (warmup_target - initial_learning_rate) * step / warmup_steps
    return warmup_target * _cosine(min(step - warmup_steps, decay_steps) / decay_steps, alpha)


def cosine_decay_restarts(step, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name=None):
    """SGDR: walk the periods (lengths ``first_decay_steps * t_mul**i``) until ``step`` falls in one."""
    start, length, restart = 0.0, float(first_decay_steps), 0
    while step >= start + length:
        start, length, restart = start + length, length * t_mul, restart + 1
    fraction = (step - start) / length
    return initial_learning_rate * ((1 - alpha) * 0.5 * m_mul**restart * (1 + math.cos(math.pi * fraction)) + alpha)


SCHEDULES = {
    "ExponentialDecay": exponential_decay,
    "PiecewiseConstantDecay": piecewise_constant_decay,
    "PolynomialDecay": polynomial_decay,
    "InverseTimeDecay": inverse_time_decay,
    "CosineDecay": cosine_decay,
    "CosineDecayRestarts": cosine_decay_restarts,
}


def schedule(class_name: str, **config) -> Callable[[int], float]:
    """The reference of Keras schedule ``class_name`` with ``config``, as ``step -> rate``."""
    fn = SCHEDULES[class_name]
    return lambda step: fn(step, **config)
