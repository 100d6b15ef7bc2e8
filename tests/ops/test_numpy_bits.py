"""Bitwise ops, shifts, gcd/lcm, cdist, erfinv and vectorize (unikeras.ops.numpy_bits) against NumPy/SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from unikeras import ops

rng0 = np.random.default_rng(6)
I = rng0.integers(-1000, 1000, (3, 4)).astype("int32")
J = rng0.integers(-1000, 1000, (3, 4)).astype("int32")
U = rng0.integers(0, 256, (5,)).astype("uint8")
W = rng0.integers(0, 256, (5,)).astype("uint8")
SHIFT = rng0.integers(0, 6, (3, 4)).astype("int32")
POS = rng0.integers(0, 60, (3, 4)).astype("int32")
P = rng0.standard_normal((4, 3)).astype("float32")
Q = rng0.standard_normal((5, 3)).astype("float32")
PROB = np.concatenate([np.linspace(-0.999, 0.999, 13), [0.0, -1.0, 1.0]]).astype("float32")

CASES = [
    ("bitwise_and", lambda o: o.bitwise_and(I, J), lambda: np.bitwise_and(I, J)),
    ("bitwise_or", lambda o: o.bitwise_or(I, J), lambda: np.bitwise_or(I, J)),
    ("bitwise_xor", lambda o: o.bitwise_xor(I, J), lambda: np.bitwise_xor(I, J)),
    ("bitwise_and_u8", lambda o: o.bitwise_and(U, W), lambda: np.bitwise_and(U, W)),
    ("bitwise_xor_u8", lambda o: o.bitwise_xor(U, W), lambda: np.bitwise_xor(U, W)),
    ("bitwise_bool", lambda o: o.bitwise_or(I > 0, J > 0), lambda: np.bitwise_or(I > 0, J > 0)),
    ("bitwise_invert", lambda o: o.bitwise_invert(I), lambda: np.invert(I)),
    ("bitwise_not_u8", lambda o: o.bitwise_not(U), lambda: np.bitwise_not(U)),
    ("left_shift", lambda o: o.left_shift(I, SHIFT), lambda: np.left_shift(I, SHIFT)),
    ("bitwise_left_shift_u8", lambda o: o.bitwise_left_shift(U, np.uint8(3)), lambda: np.left_shift(U, 3)),
    ("right_shift", lambda o: o.right_shift(I, SHIFT), lambda: np.right_shift(I, SHIFT)),
    ("bitwise_right_shift", lambda o: o.bitwise_right_shift(U, np.uint8(2)), lambda: np.right_shift(U, 2)),
    ("gcd", lambda o: o.gcd(I, J), lambda: np.gcd(I, J)),
    ("gcd_zero", lambda o: o.gcd(np.array([0, 0, 12], "int32"), np.array([0, 5, 0], "int32")), None),
    ("lcm", lambda o: o.lcm(POS, SHIFT + 1), lambda: np.lcm(POS, SHIFT + 1)),
    ("cdist", lambda o: o.cdist(P, Q), lambda: np.sqrt(((P[:, None] - Q[None]) ** 2).sum(-1))),
    ("erfinv", lambda o: o.erfinv(PROB), lambda: special.erfinv(PROB.astype("float64"))),
    ("erfinv64", lambda o: o.erfinv(PROB.astype("float64")), lambda: special.erfinv(PROB.astype("float64"))),
]
REFERENCES = {"gcd_zero": lambda: np.array([0, 5, 12])}


@pytest.mark.parametrize(("name", "call", "reference"), CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(backend, name, call, reference):
    got = ops.convert_to_numpy(call(ops))
    expected = np.asarray((reference or REFERENCES[name])())
    assert got.shape == expected.shape
    if expected.dtype.kind in "iub":
        assert got.dtype == expected.dtype or name == "gcd_zero"
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_vectorize(backend):
    def clipped_ratio(a, b):
        return ops.where(b != 0, a / ops.where(b != 0, b, 1.0), 0.0)

    x = P
    y = np.where(Q[:4] > 0, Q[:4], 0).astype("float32")
    got = ops.convert_to_numpy(ops.vectorize(clipped_ratio)(x, y))
    np.testing.assert_allclose(got, np.where(y != 0, x / np.where(y != 0, y, 1), 0), rtol=1e-5)
    rows = ops.vectorize(lambda u, v: ops.sum(u * v), signature="(n),(n)->()")(P, Q[:4])
    np.testing.assert_allclose(ops.convert_to_numpy(rows), (P * Q[:4]).sum(-1), rtol=1e-5)
    scaled = ops.vectorize(lambda u, s: u * s, excluded={1})(P[0], 3.0)
    np.testing.assert_allclose(ops.convert_to_numpy(scaled), P[0] * 3, rtol=1e-6)


def test_floats_are_rejected():
    with pytest.raises(TypeError, match="integer and boolean"):
        ops.bitwise_and(P, P)
    with pytest.raises(TypeError, match="integer and boolean"):
        ops.gcd(P, P)
