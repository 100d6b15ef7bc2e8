"""keras.random's truncated_normal, gamma, beta and binomial: distributions (Kolmogorov-Smirnov against
scipy.stats), seeding, dtypes and bad arguments on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy import stats

from unikeras import ops, random

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

N = 3000

# (draw, the same distribution in scipy.stats)
CASES = {
    "truncated_normal": (
        lambda seed: random.truncated_normal((N,), mean=1.0, stddev=2.0, seed=seed),
        stats.truncnorm(-2, 2, loc=1.0, scale=2.0),
    ),
    "gamma_small_alpha": (lambda seed: random.gamma((N,), alpha=0.4, seed=seed), stats.gamma(0.4)),
    "gamma": (lambda seed: random.gamma((N,), alpha=2.5, seed=seed), stats.gamma(2.5)),
    "beta": (lambda seed: random.beta((N,), alpha=2.0, beta=0.7, seed=seed), stats.beta(2.0, 0.7)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_draws_follow_the_distribution(backend, name):
    draw, reference = CASES[name]
    x = ops.convert_to_numpy(draw(7)).astype("float64")
    assert x.shape == (N,) and np.isfinite(x).all()
    # seeded, so the statistic is fixed per backend: a wrong distribution fails, a right one passes
    assert stats.kstest(x, reference.cdf).pvalue > 1e-3
    assert np.all(x >= reference.support()[0]) and np.all(x <= reference.support()[1])


def test_binomial_follows_the_distribution(backend):
    counts = np.array([[3.0], [20.0]])
    probabilities = np.array([0.2, 0.5, 0.9])
    x = ops.convert_to_numpy(random.binomial((2, 3), counts, probabilities, seed=1))
    assert x.shape == (2, 3) and x.dtype == np.float32
    many = ops.convert_to_numpy(random.binomial((N,), 12, 0.3, seed=5))
    assert set(np.unique(many)) <= set(range(13))
    observed = np.bincount(many.astype(int), minlength=13)
    expected = stats.binom(12, 0.3).pmf(np.arange(13)) * N
    keep = expected > 5
    chi2 = stats.chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum())
    assert chi2.pvalue > 1e-3
    assert np.all(ops.convert_to_numpy(random.binomial((50,), 4, 1.0, seed=2)) == 4)
    assert np.all(ops.convert_to_numpy(random.binomial((5,), 0, 0.5, seed=2)) == 0)


def test_seeds_repeat_and_seed_generators_advance(backend):
    # the shapes and parameters of the other tests: JAX compiles each op once per shape
    for fn, args in [
        (random.truncated_normal, ((N,), 1.0, 2.0)),
        (random.gamma, ((N,), 2.5)),
        (random.beta, ((N,), 2.0, 0.7)),
        (random.binomial, ((N,), 12, 0.3)),
    ]:
        a = ops.convert_to_numpy(fn(*args, seed=11))
        np.testing.assert_array_equal(a, ops.convert_to_numpy(fn(*args, seed=11)))
        assert not np.array_equal(a, ops.convert_to_numpy(fn(*args, seed=12)))
        generator = random.SeedGenerator(3)
        first, second = ops.convert_to_numpy(fn(*args, seed=generator)), ops.convert_to_numpy(fn(*args, seed=generator))
        assert not np.array_equal(first, second)
        replay = random.SeedGenerator(3)
        np.testing.assert_array_equal(first, ops.convert_to_numpy(fn(*args, seed=replay)))


def test_dtypes_and_shapes(backend):
    for x, dtype in (
        (random.truncated_normal((N,), 1.0, 2.0, seed=1), "float32"),
        (random.gamma((N,), 2.5, dtype="float64", seed=1), "float64"),
        (random.binomial((N,), 12, 0.3, seed=1), "float32"),
    ):
        assert ops.shape(x) == (N,) and ops.dtype(x) == dtype
    # one scalar draw (on MXNet the accept-reject pick then runs on a vector)
    for x in (random.gamma((), 2.5, seed=1), random.beta((), 2.0, 3.0, seed=1), random.truncated_normal((), seed=1)):
        assert ops.shape(x) == () and np.isfinite(ops.convert_to_numpy(x))
    assert 0.0 <= float(ops.convert_to_numpy(random.beta((), 2.0, 3.0, seed=2))) <= 1.0


def test_alpha_may_be_an_array(backend):
    # shape (N,) as the other gamma draws: JAX compiles each op once per shape
    alpha = np.repeat(np.array([0.5, 4.0, 30.0], dtype="float32"), N // 3)
    x = ops.convert_to_numpy(random.gamma((N,), alpha, seed=4)).astype("float64").reshape(3, N // 3)
    for row, a in zip(x, (0.5, 4.0, 30.0)):
        assert stats.kstest(row, stats.gamma(a).cdf).pvalue > 1e-3


def test_bad_arguments():
    with pytest.raises(ValueError):
        keras.random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="must be a float dtype"):
        random.gamma((2,), 1.0, dtype="int32")
    with pytest.raises(ValueError, match="`alpha` must be positive"):
        random.gamma((2,), 0.0)
    with pytest.raises(ValueError, match="`beta` must be positive"):
        random.beta((2,), 1.0, -1.0)
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        random.binomial((2,), 2.5, 0.5)
    with pytest.raises(ValueError, match="`seed` must be an int"):
        random.truncated_normal((2,), seed="seven")


def test_truncated_normal_matches_keras_moments():
    ours = ops.convert_to_numpy(random.truncated_normal((N,), 0.5, 0.1, seed=3)).astype("float64")
    theirs = np.asarray(keras.random.truncated_normal((N,), 0.5, 0.1, seed=3)).astype("float64")
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3


def test_seeds_taken_before_drawing_stay_distinct(backend):
    """Two draws whose seeds are taken from one generator before either draws differ, and beta with
    a generator is not stuck at 0.5 (its two gamma draws must not share a counter)."""
    generator = random.SeedGenerator(3)
    first, second = generator.next(), generator.next()
    a = ops.convert_to_numpy(backend.random_uniform((4,), 0.0, 1.0, "float32", first))
    b = ops.convert_to_numpy(backend.random_uniform((4,), 0.0, 1.0, "float32", second))
    assert not np.array_equal(a, b)
    draws = ops.convert_to_numpy(random.beta((200,), 2.0, 2.0, seed=generator))
    assert draws.std() > 0.1 and abs(draws.mean() - 0.5) < 0.1
