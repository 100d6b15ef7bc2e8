"""Creation ops and shapes given as Keras allows them: an int for a 1-D shape, dtypes inferred."""

from __future__ import annotations

import numpy as np
import pytest

from unikeras import ops


def _np(x):
    return ops.convert_to_numpy(x)


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (lambda: ops.ones(2), np.ones(2, "float32")),
        (lambda: ops.zeros(3), np.zeros(3, "float32")),
        (lambda: ops.full(3, 1.5), np.full(3, 1.5, "float32")),
        (lambda: ops.ones((2, 3), dtype="int32"), np.ones((2, 3), "int32")),
        (lambda: ops.arange(0.0, 1.0, 0.25), np.arange(0.0, 1.0, 0.25, dtype="float32")),
        (lambda: ops.arange(5), np.arange(5, dtype="int32")),
        (lambda: ops.arange(1, 7, 2), np.arange(1, 7, 2, dtype="int32")),
        (lambda: ops.arange(0, 2, 0.5), np.arange(0, 2, 0.5, dtype="float32")),
    ],
)
def test_creation_matches_numpy(backend, made, expected):
    got = _np(made())
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_reshape_accepts_an_int_and_pad_nested_widths(backend, rng):
    x = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_array_equal(_np(ops.reshape(x, -1)), x.reshape(-1))
    np.testing.assert_array_equal(_np(ops.reshape(x, (3, -1))), x.reshape(3, -1))
    np.testing.assert_array_equal(_np(ops.pad(x, [[1, 1], [0, 2]])), np.pad(x, [[1, 1], [0, 2]]))
    np.testing.assert_array_equal(_np(ops.pad(x, (1, 2))), np.pad(x, (1, 2)))
