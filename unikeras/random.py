"""Run-time randomness (Keras's ``keras.random``): seeded, reproducible and resumable.

A :class:`SeedGenerator` keeps a counter in a Variable; each draw uses the pair
``(base seed, counter)`` and increments the counter, so a compiled step stays pure, a run
repeats exactly from the same seed, and a saved counter resumes the same stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.utils import seeding
from unikeras.variables import Variable


class SeedGenerator:
    """A stream of seeds.

    Args:
        seed: base seed; ``None`` takes the next stream of the global seed
            (``unikeras.utils.set_random_seed``).
    """

    def __init__(self, seed: int | None = None, name: str | None = None) -> None:
        self.base = int(seed) if seed is not None else seeding.next_stream_seed()
        self.state = Variable(0, dtype="int32", trainable=False, name=name or "seed_generator_state")

    def next(self) -> tuple[int, Any]:
        """The seed pair for one draw; advances the stream."""
        b = active()
        # a copy: adapters that assign in place (torch, MXNet) would otherwise advance the
        # counter already handed out with the next draw
        counter = b.copy(self.state.value)
        self.state.assign(b.add(counter, 1))
        return (self.base, counter)


def _seed(seed: int | SeedGenerator | None) -> tuple[int, Any]:
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return (seeding.next_stream_seed(), 0)
    return (int(seed), 0)


def uniform(
    shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0, dtype: str | None = None, seed: Any = None
) -> Any:
    """Uniform draws on ``[minval, maxval)``."""
    return active().random_uniform(tuple(shape), minval, maxval, dtype or config.floatx(), _seed(seed))


def normal(
    shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: str | None = None, seed: Any = None
) -> Any:
    """Normal draws."""
    return active().random_normal(tuple(shape), mean, stddev, dtype or config.floatx(), _seed(seed))


def randint(shape: Sequence[int], minval: int, maxval: int, dtype: str = "int32", seed: Any = None) -> Any:
    """Integers on ``[minval, maxval)``."""
    return active().random_randint(tuple(shape), minval, maxval, dtype, _seed(seed))


def categorical(logits: Any, num_samples: int, dtype: str = "int32", seed: Any = None) -> Any:
    """Class draws from the rows of 2-d ``logits``."""
    b = active()
    out = b.random_categorical(logits, num_samples, _seed(seed))
    return out if dtype == "int32" else b.cast(out, dtype)


def shuffle(x: Any, axis: int = 0, seed: Any = None) -> Any:
    """``x`` with ``axis`` permuted."""
    b = active()
    if axis == 0:
        return b.random_shuffle(x, _seed(seed))
    order = list(range(len(b.shape(x))))
    order[0], order[axis] = order[axis], order[0]
    return b.transpose(b.random_shuffle(b.transpose(x, order), _seed(seed)), order)


def dropout(inputs: Any, rate: float, noise_shape: Sequence[int] | None = None, seed: Any = None) -> Any:
    """Zero entries with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    b = active()
    shape = tuple(noise_shape) if noise_shape is not None else b.shape(inputs)
    dtype = b.dtype_name(inputs)
    keep = b.greater_equal(b.random_uniform(shape, 0.0, 1.0, dtype, _seed(seed)), rate)
    return b.where(keep, b.divide(inputs, 1.0 - rate), b.zeros_like(inputs))


# Keras's other distributions, composed in their own module
from unikeras.random_distributions import beta, binomial, gamma, truncated_normal  # noqa: E402,F401
