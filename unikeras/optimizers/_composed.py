"""Helpers of the optimizers whose update rules are composed from the backend contract."""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras.optimizers.optimizer import Optimizer


def scalar(optimizer: Optimizer, value: Any, dtype: str) -> Any:
    """``value`` (a Python number or a scalar tensor) as a scalar tensor of ``dtype``."""
    b = optimizer._backend
    if b.is_tensor(value):
        return b.cast(value, dtype)
    return b.convert_to_tensor(np.asarray(value, dtype=dtype))


def local_step(optimizer: Optimizer, dtype: str) -> Any:
    """``iterations + 1`` (the count of the update being made) as a scalar tensor of ``dtype``."""
    host = optimizer._host_iterations
    if host is not None:
        return scalar(optimizer, float(host + 1), dtype)
    b = optimizer._backend
    return b.cast(b.add(optimizer.iterations.value, 1), dtype)


def rms(b: Any, x: Any) -> Any:
    """``sqrt(mean(x ** 2))`` over all of ``x``."""
    return b.sqrt(b.mean(b.square(x)))
