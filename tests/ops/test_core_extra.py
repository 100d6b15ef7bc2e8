"""Control flow, scatter/segment reductions and slicing ops (unikeras.ops.core_extra) against keras and NumPy."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import unikeras
from unikeras import ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(4)
X = rng0.standard_normal((4, 3)).astype("float32")
DATA = rng0.standard_normal((6, 2)).astype("float32")
IDS = np.array([0, 2, 0, 1, 2, 2], "int32")
SIGNAL = rng0.standard_normal((2, 10)).astype("float32")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# (id, unikeras/keras call with `o` the ops module) — both results compared
CASES = [
    ("erfc", lambda o: o.erfc(X)),
    ("saturate_cast", lambda o: o.saturate_cast(X * 200, "uint8")),
    ("saturate_cast_int8", lambda o: o.saturate_cast(X * 100, "int8")),
    ("unstack", lambda o: o.unstack(X, axis=1)),
    ("slice_update", lambda o: o.slice_update(X, (1, 1), np.ones((2, 2), "float32"))),
    (
        "scatter",
        lambda o: o.scatter(np.array([[0, 1], [2, 0], [0, 1]], "int32"), np.array([1.0, 2.0, 3.0], "float32"), (3, 2)),
    ),
    ("scatter_rows", lambda o: o.scatter(np.array([[1], [3]], "int32"), X[:2], (4, 3))),
    ("segment_sum", lambda o: o.segment_sum(DATA, IDS, num_segments=3)),
    ("segment_sum_inferred", lambda o: o.segment_sum(DATA, IDS)),
    ("segment_max", lambda o: o.segment_max(DATA, IDS, num_segments=3)),
    ("segment_min", lambda o: o.segment_min(DATA, IDS, num_segments=3)),
    ("segment_prod", lambda o: o.segment_prod(DATA, IDS, num_segments=4)),
    ("in_top_k", lambda o: o.in_top_k(np.array([0, 2, 1, 0], "int32"), X, 2)),
    ("extract_sequences", lambda o: o.extract_sequences(SIGNAL, 4, 3)),
    ("map", lambda o: o.map(lambda row: o.sum(row * row), X)),
    ("vectorized_map", lambda o: o.vectorized_map(lambda row: o.flip(row, 0) * 2.0, X)),
    ("associative_scan", lambda o: o.associative_scan(lambda a, b: a + b, X, axis=1)),
    ("associative_scan_rev", lambda o: o.associative_scan(lambda a, b: a * b, X, reverse=True)),
    ("scan", lambda o: o.scan(lambda c, x: (c + x, c * x), o.zeros(3), X)),
    ("scan_reverse", lambda o: o.scan(lambda c, x: (c + x, c), o.ones(3), X, reverse=True)),
    ("scan_length", lambda o: o.scan(lambda c, _: (c * 2.0, c), o.ones(2), length=4)[1]),
    ("fori_loop", lambda o: o.fori_loop(0, 5, lambda i, v: v + i, o.zeros(2))),
    ("while_loop", lambda o: o.while_loop(lambda a, b: a < 10, lambda a, b: (a + 3, b * 2), (1, 1.0))),
    ("while_loop_max", lambda o: o.while_loop(lambda a: a < 100, lambda a: a + 1, 0, maximum_iterations=7)),
    ("cond", lambda o: o.cond(o.sum(X) > 0, lambda: X * 2, lambda: X - 1)),
    ("switch", lambda o: o.switch(5, [lambda a: a + 1, lambda a: a * 3], X)),
]


def _compare(ours, theirs):
    if isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _compare(a, b)
        return
    np.testing.assert_allclose(_np(ours).astype("float64"), np.asarray(theirs).astype("float64"), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("name", "call"), CASES, ids=[c[0] for c in CASES])
def test_matches_keras(backend, name, call):
    _compare(call(ops), call(keras.ops))


def test_segment_sum_against_numpy(backend):
    expected = np.zeros((3, 2))
    np.add.at(expected, IDS, DATA)
    np.testing.assert_allclose(_np(ops.segment_sum(DATA, IDS, 3)), expected, rtol=1e-5)


def test_scan_carries_nested_structures(backend):
    def step(carry, x):
        total, count = carry["total"], carry["count"]
        return {"total": total + x["v"], "count": count + 1.0}, (total, x["v"] * 2)

    carry, (totals, doubled) = ops.scan(step, {"total": ops.zeros(3), "count": 0.0}, {"v": X})
    np.testing.assert_allclose(_np(carry["total"]), X.sum(0), rtol=1e-5)
    assert float(_np(carry["count"])) == 4.0
    np.testing.assert_allclose(_np(totals), np.concatenate([np.zeros((1, 3)), np.cumsum(X, 0)[:-1]]), rtol=1e-5)
    np.testing.assert_allclose(_np(doubled), X * 2, rtol=1e-5)


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_traced_predicates_raise_a_clear_error(name):
    # only JAX and TensorFlow trace a compiled step (torch and MXNet run it eagerly: the predicate is known)
    from unikeras import config

    with config.use_backend(name):
        flip = unikeras.layers.Lambda(lambda t: ops.cond(ops.sum(t) > 0, lambda: t, lambda: -t))
        model = unikeras.Sequential([unikeras.Input((3,)), flip])
        model.compile(optimizer="sgd", loss="mse", jit_compile=True)
        with pytest.raises(ValueError, match="compiled step.*ops.where"):
            model.fit(X, X, epochs=1, verbose=0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`num`"):
        ops.unstack(X, num=3)
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(X, (3, 2), np.ones((2, 2), "float32"))
    with pytest.raises(ValueError, match="`xs` or `length`"):
        ops.scan(lambda c, x: (c, x), 0.0)
    with pytest.raises(ValueError, match="must not be empty"):
        ops.switch(0, [])
    assert math.isclose(float(_np(ops.erfc(0.0))), 1.0)
