"""``keras.random``'s other distributions: ``truncated_normal``, ``gamma``, ``beta``, ``binomial``.

Composed from the contract's uniform and normal draws, so they run on every backend and in a
compiled step. Rejection sampling runs a fixed number of rounds at once (no data-dependent
loop): an entry still rejected after every round (probability below 1e-10) takes the last
round's value clipped to the support.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.utils import seeding
from unikeras.variables import Variable

_ROUNDS = 8
_LOW_PRECISION = ("float16", "bfloat16")


def _seeds(seed: Any, n: int) -> list[tuple[int, Any]]:
    """``n`` independent seed pairs from one ``seed`` argument (int, SeedGenerator or None)."""
    from unikeras.random import SeedGenerator

    if isinstance(seed, SeedGenerator):
        return [seed.next() for _ in range(n)]
    if seed is None:
        return [(seeding.next_stream_seed(), 0) for _ in range(n)]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`seed` must be an int, a SeedGenerator or None. Received: seed={seed!r}")
    return [(int(seed), i) for i in range(n)]


def _float_dtype(dtype: str | None, name: str) -> tuple[str, str]:
    """(the dtype to return, the dtype to compute in: float32 for the half-precision ones)."""
    from unikeras.backend_utils import is_float_dtype, standardize_dtype

    dtype = standardize_dtype(dtype)
    if not is_float_dtype(dtype):
        raise ValueError(f"{name}(): `dtype` must be a float dtype. Received: dtype={dtype}")
    return dtype, ("float32" if dtype in _LOW_PRECISION else dtype)


def _param(value: Any, dtype: str) -> Any:
    b = active()
    if isinstance(value, Variable):
        value = value.value
    return b.cast(value, dtype) if b.is_tensor(value) else b.convert_to_tensor(np.asarray(value, dtype=dtype))


def _first_accepted(values: Any, accepted: Any, fallback: Any) -> Any:
    """Per entry, the value of the first round whose ``accepted`` is true (rounds on axis 0)."""
    b = active()
    first = b.expand_dims(b.argmax(b.cast(accepted, "int32"), axis=0), 0)
    value = b.squeeze(b.take_along_axis(values, first, axis=0), 0)
    return b.where(b.any(accepted, axis=0), value, fallback)


def truncated_normal(
    shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: str | None = None, seed: Any = None
) -> Any:
    """Normal draws with values more than two standard deviations from ``mean`` drawn again."""
    b = active()
    out_dtype, dtype = _float_dtype(dtype, "truncated_normal")
    shape = tuple(shape)
    (pair,) = _seeds(seed, 1)
    z = b.random_normal((_ROUNDS, *shape), 0.0, 1.0, dtype, pair)
    inside = b.less_equal(b.abs(z), 2.0)
    last = b.clip(b.squeeze(b.split(z, _ROUNDS, 0)[-1], 0), -2.0, 2.0)
    z = _first_accepted(z, inside, last)
    return b.cast(b.add(b.multiply(z, stddev), mean), out_dtype)


def _gamma(shape: tuple[int, ...], alpha: Any, dtype: str, seeds: list) -> Any:
    """Gamma(alpha, 1) draws (Marsaglia & Tsang, 2000); alpha < 1 through Gamma(alpha + 1) * U**(1/alpha)."""
    b = active()
    alpha = b.broadcast_to(_param(alpha, dtype), shape)
    boosted = b.where(b.less(alpha, 1.0), b.add(alpha, 1.0), alpha)
    d = b.subtract(boosted, 1.0 / 3.0)
    c = b.divide(1.0, b.sqrt(b.multiply(d, 9.0)))
    x = b.random_normal((_ROUNDS, *shape), 0.0, 1.0, dtype, seeds[0])
    u = b.random_uniform((_ROUNDS, *shape), 0.0, 1.0, dtype, seeds[1])
    v = b.power(b.add(b.multiply(x, c), 1.0), 3.0)
    positive = b.greater(v, 0.0)
    safe_v = b.where(positive, v, b.ones_like(v))
    bound = b.add(b.multiply(b.square(x), 0.5), b.multiply(d, b.add(b.subtract(1.0, safe_v), b.log(safe_v))))
    accepted = b.logical_and(positive, b.less(b.log(b.maximum(u, 1e-30)), bound))
    draws = _first_accepted(b.multiply(d, safe_v), accepted, d)
    # alpha < 1: scale by U ** (1 / alpha)
    u_small = b.random_uniform(shape, 0.0, 1.0, dtype, seeds[2])
    scale = b.exp(b.divide(b.log(b.maximum(u_small, 1e-30)), alpha))
    return b.where(b.less(alpha, 1.0), b.multiply(draws, scale), draws)


def gamma(shape: Sequence[int], alpha: float, dtype: str | None = None, seed: Any = None) -> Any:
    """Draws from the gamma distribution of shape ``alpha`` (> 0) and scale 1."""
    _positive(alpha, "gamma", "alpha")
    out_dtype, dtype = _float_dtype(dtype, "gamma")
    return active().cast(_gamma(tuple(shape), alpha, dtype, _seeds(seed, 3)), out_dtype)


def beta(shape: Sequence[int], alpha: float, beta: float, dtype: str | None = None, seed: Any = None) -> Any:
    """Draws from the beta distribution with parameters ``alpha`` and ``beta`` (both > 0), on [0, 1]."""
    _positive(alpha, "beta", "alpha")
    _positive(beta, "beta", "beta")
    b = active()
    out_dtype, dtype = _float_dtype(dtype, "beta")
    seeds = _seeds(seed, 6)
    x = _gamma(tuple(shape), alpha, dtype, seeds[:3])
    y = _gamma(tuple(shape), beta, dtype, seeds[3:])
    return b.cast(b.divide(x, b.add(x, y)), out_dtype)


def binomial(shape: Sequence[int], counts: Any, probabilities: Any, dtype: str | None = None, seed: Any = None) -> Any:
    """Number of successes in ``counts`` trials of success probability ``probabilities``.

    ``counts`` must be known when called (a number or an array, not a tensor traced in a
    compiled step): the draw sums ``max(counts)`` Bernoulli trials per entry.
    """
    b = active()
    out_dtype, dtype = _float_dtype(dtype, "binomial")
    shape = tuple(shape)
    try:
        counts_np = np.asarray(b.to_numpy(counts) if b.is_tensor(counts) else counts, dtype="float64")
    except Exception as err:  # noqa: BLE001 - a traced tensor cannot become NumPy
        raise ValueError(
            f"binomial() on backend {config.backend()!r} needs `counts` known when called (a number or a NumPy "
            "array), not a traced tensor: draw it outside the compiled step."
        ) from err
    if (counts_np < 0).any() or not np.isfinite(counts_np).all() or (counts_np != np.round(counts_np)).any():
        raise ValueError(f"binomial(): `counts` must be non-negative whole numbers. Received: counts={counts}")
    trials = int(counts_np.max()) if counts_np.size else 0
    if trials == 0:
        return b.zeros(shape, out_dtype)
    (pair,) = _seeds(seed, 1)
    u = b.random_uniform((trials, *shape), 0.0, 1.0, dtype, pair)
    success = b.less(u, _param(probabilities, dtype))
    index = b.reshape(b.arange(trials, dtype=dtype), (trials,) + (1,) * len(shape))
    counted = b.logical_and(success, b.less(index, _param(counts_np, dtype)))
    return b.cast(b.sum(b.cast(counted, dtype), axis=0), out_dtype)


def _positive(value: Any, fn: str, name: str) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (math.isnan(value) or value <= 0):
        raise ValueError(f"{fn}(): `{name}` must be positive. Received: {name}={value}")


__all__ = ["beta", "binomial", "gamma", "truncated_normal"]
