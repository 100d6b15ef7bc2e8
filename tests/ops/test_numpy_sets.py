"""ops.unique, bincount, histogram, nonzero, argpartition, nextafter and view on every backend,
against NumPy; the data-dependent sizes raise inside compiled steps unless ``size=`` fixes them."""

from __future__ import annotations

import numpy as np
import pytest

from unikeras import ops

X_INT = np.array([3, 1, 2, 1, 3, 2, 7], "int32")
X_FLOAT = np.array([[0.5, -1.0, 0.5], [2.0, -1.0, 4.0]], "float32")


def _np(t):
    return np.asarray(ops.convert_to_numpy(t))


def test_unique_matches_numpy(backend):
    values, index, inverse, counts = (_np(t) for t in ops.unique(X_FLOAT, True, True, True, True))
    for got, want in zip((values, index, inverse, counts), np.unique(X_FLOAT, True, True, True)):
        np.testing.assert_array_equal(got, want.reshape(got.shape))
    assert inverse.shape == X_FLOAT.shape and index.dtype == np.int32 and counts.dtype == np.int32
    np.testing.assert_array_equal(_np(ops.unique(X_INT)), [1, 2, 3, 7])
    rows = np.array([[1, 0], [0, 1], [1, 0]], "int32")
    np.testing.assert_array_equal(_np(ops.unique(rows, axis=0)), np.unique(rows, axis=0))


def test_unique_with_size_pads_and_truncates(backend):
    values, counts = (_np(t) for t in ops.unique(X_INT, size=6, fill_value=-1, return_counts=True))
    np.testing.assert_array_equal(values, [1, 2, 3, 7, -1, -1])
    np.testing.assert_array_equal(counts, [2, 2, 2, 1, 0, 0])
    np.testing.assert_array_equal(_np(ops.unique(X_INT, size=2)), [1, 2])
    with pytest.raises(ValueError, match="size"):
        ops.unique(X_INT, size=-1)


def test_data_dependent_sizes_raise_inside_compiled_steps(backend):
    traces = backend.name in ("jax", "tensorflow")  # torch and mxnet steps run eagerly
    fixed = backend.make_step(lambda x: ops.unique(x, size=5, return_counts=True), [], jit_compile=traces)
    values, counts = (_np(t) for t in fixed(X_INT))
    np.testing.assert_array_equal(values, [1, 2, 3, 7, 0])
    np.testing.assert_array_equal(counts, [2, 2, 2, 1, 0])
    free = backend.make_step(lambda x: ops.unique(x), [], jit_compile=traces)
    if traces:
        with pytest.raises(ValueError, match="unique: its output size depends.*size="):
            free(X_INT)
    else:
        np.testing.assert_array_equal(_np(free(X_INT)), [1, 2, 3, 7])


def test_bincount(backend):
    counts = _np(ops.bincount(X_INT, minlength=9))
    np.testing.assert_array_equal(counts, np.bincount(X_INT, minlength=9))
    assert counts.dtype == np.int32
    weights = np.linspace(0.5, 2.0, 7).astype("float32")
    np.testing.assert_allclose(_np(ops.bincount(X_INT, weights=weights)), np.bincount(X_INT, weights), rtol=1e-6)
    batch = np.array([[0, 1, 1], [2, 2, 2]], "int32")
    np.testing.assert_array_equal(_np(ops.bincount(batch)), [[1, 2, 0], [0, 0, 3]])
    with pytest.raises(ValueError, match="sparse"):
        ops.bincount(X_INT, sparse=True)
    with pytest.raises(ValueError, match="integers"):
        ops.bincount(X_FLOAT[0])


def test_histogram(backend):
    data = np.array([0.1, 0.35, -1.0, 2.0, 1.2, 0.9, 1.7, 2.0], "float32")
    for kwargs in ({"bins": 4}, {"bins": 3, "range": (0.0, 1.5)}):
        counts, edges = (_np(t) for t in ops.histogram(data, **kwargs))
        want_counts, want_edges = np.histogram(data, **kwargs)
        np.testing.assert_array_equal(counts, want_counts)
        np.testing.assert_allclose(edges, want_edges, rtol=1e-6, atol=1e-7)
    with pytest.raises(TypeError, match="bins"):
        ops.histogram(data, bins=2.5)
    with pytest.raises(ValueError, match="range"):
        ops.histogram(data, range=(2.0, 1.0))


def test_nonzero_and_argpartition(backend):
    grid = np.array([[0, 1, 0], [2, 0, 3]], "int32")
    for got, want in zip(ops.nonzero(grid), np.nonzero(grid)):
        np.testing.assert_array_equal(_np(got), want)
    x = np.array([[5.0, 1.0, 4.0, 2.0], [0.0, 3.0, -1.0, 8.0]], "float32")
    order = _np(ops.argpartition(x, 1, axis=1))
    picked = np.take_along_axis(x, order, axis=1)
    kth = np.sort(x, axis=1)[:, 1:2]
    np.testing.assert_array_equal(picked[:, 1:2], kth)
    assert np.all(picked[:, :1] <= kth) and np.all(picked[:, 2:] >= kth)
    with pytest.raises(ValueError, match="kth"):
        ops.argpartition(x, 4)


def test_nextafter_matches_numpy(backend):
    x1 = np.array([1.0, 0.0, 0.0, -1.0, 2.0, 3.0, np.nan, 1e-30], "float32")
    x2 = np.array([2.0, 1.0, -1.0, -2.0, 2.0, -np.inf, 0.0, 0.0], "float32")
    got = _np(ops.nextafter(x1, x2))
    np.testing.assert_array_equal(got.view("int32"), np.nextafter(x1, x2).view("int32"))


def test_view_reinterprets_bytes(backend):
    floats = np.array([[1.0, -2.5], [0.0, 3.0]], "float32")
    np.testing.assert_array_equal(_np(ops.view(floats, "int32")), floats.view("int32"))
    np.testing.assert_array_equal(_np(ops.view(floats.view("int32"), "float32")), floats)
    small = np.arange(8, dtype="uint8").reshape(2, 4)
    np.testing.assert_array_equal(_np(ops.view(small, "int32")), small.view("int32"))
    np.testing.assert_array_equal(_np(ops.view(floats, "uint8")), floats.view("uint8"))
    with pytest.raises(ValueError, match="view"):
        ops.view(np.arange(3, dtype="uint8"), "int32")
