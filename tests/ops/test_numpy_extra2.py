"""Inverse trigonometry, windows, searching and NaN-aware quantiles (unikeras.ops.numpy_extra2) against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from unikeras import ops
from unikeras.variables import Variable

rng0 = np.random.default_rng(1)
X = (rng0.standard_normal((3, 5)) * 3).astype("float32")
Y = (rng0.standard_normal((3, 5)) * 3).astype("float32")
UNIT = np.concatenate([np.linspace(-1, 1, 9), rng0.uniform(-1, 1, 6)]).astype("float32")
SIGNED = np.array([0.0, -0.0, 1.0, -1.0, 0.0, -0.0, 2.0, -3.0], "float32")
SIGNED_X = np.array([1.0, 1.0, 0.0, 0.0, -1.0, -1.0, -2.0, -0.0], "float32")
NAN = X.copy()
NAN[0, 1] = NAN[1, :] = np.nan
NAN[2, 0] = np.nan
SORTED = np.array([-2.0, -1.0, 0.5, 0.5, 3.0], "float32")
V3 = rng0.standard_normal((4, 3)).astype("float32")
W3 = rng0.standard_normal((4, 3)).astype("float32")

CASES = [
    ("arctan", lambda o: o.arctan(X), lambda: np.arctan(X)),
    ("arcsin", lambda o: o.arcsin(UNIT), lambda: np.arcsin(UNIT)),
    ("arccos", lambda o: o.arccos(UNIT), lambda: np.arccos(UNIT)),
    ("arctan2", lambda o: o.arctan2(X, Y), lambda: np.arctan2(X, Y)),
    ("arctan2_signs", lambda o: o.arctan2(SIGNED, SIGNED_X), lambda: np.arctan2(SIGNED, SIGNED_X)),
    ("angle", lambda o: o.angle(SIGNED), lambda: np.angle(SIGNED)),
    ("ldexp", lambda o: o.ldexp(X, np.array([1, -2, 3, 0, 4], "int32")), None),
    ("hamming", lambda o: o.hamming(7), lambda: np.hamming(7)),
    ("hanning", lambda o: o.hanning(6), lambda: np.hanning(6)),
    ("blackman", lambda o: o.blackman(8), lambda: np.blackman(8)),
    ("bartlett", lambda o: o.bartlett(5), lambda: np.bartlett(5)),
    ("window_1", lambda o: o.hamming(1), lambda: np.hamming(1)),
    ("kaiser", lambda o: o.kaiser(9, 8.6), lambda: np.kaiser(9, 8.6)),
    ("i0", lambda o: o.i0(X), lambda: np.i0(X)),
    ("isin", lambda o: o.isin(np.round(X), [0.0, 1.0, -2.0]), lambda: np.isin(np.round(X), [0.0, 1.0, -2.0])),
    ("isin_invert", lambda o: o.isin(np.round(X), [0.0, 1.0], invert=True), None),
    ("searchsorted", lambda o: o.searchsorted(SORTED, X), lambda: np.searchsorted(SORTED, X)),
    ("searchsorted_r", lambda o: o.searchsorted(SORTED, [0.5, 3.0], side="right"), None),
    ("digitize", lambda o: o.digitize(X, SORTED), lambda: np.digitize(X, SORTED)),
    ("select", lambda o: o.select([X > 1, X < -1], [X, -X], 7.0), lambda: np.select([X > 1, X < -1], [X, -X], 7.0)),
    ("unravel_index", lambda o: o.unravel_index(np.array([0, 7, 22], "int32"), (3, 2, 4)), None),
    ("corrcoef", lambda o: o.corrcoef(X), lambda: np.corrcoef(X)),
    ("correlate", lambda o: o.correlate(X[0], Y[0, :3]), lambda: np.correlate(X[0], Y[0, :3])),
    ("correlate_full", lambda o: o.correlate(X[0], Y[1], mode="full"), lambda: np.correlate(X[0], Y[1], "full")),
    ("correlate_same", lambda o: o.correlate(X[0], Y[1, :4], mode="same"), None),
    ("correlate_swap", lambda o: o.correlate(X[0, :2], Y[1], mode="full"), None),
    ("cross", lambda o: o.cross(V3, W3), lambda: np.cross(V3, W3)),
    ("cross_2d", lambda o: o.cross(V3[:, :2], W3[:, :2]), lambda: np.cross(V3[:, :2], W3[:, :2])),
    ("cross_axis", lambda o: o.cross(V3.T, W3.T, axis=0), lambda: np.cross(V3.T, W3.T, axis=0)),
    ("nanquantile", lambda o: o.nanquantile(NAN, [0.2, 0.5], axis=1), None),
    ("nanpercentile", lambda o: o.nanpercentile(NAN, 40, axis=0, keepdims=True), None),
    ("nanmedian", lambda o: o.nanmedian(NAN), lambda: np.nanmedian(NAN)),
    ("nanquantile_lower", lambda o: o.nanquantile(NAN, 0.3, axis=1, method="lower"), None),
    ("nanquantile_mid", lambda o: o.nanquantile(NAN, 0.3, axis=1, method="midpoint"), None),
    ("get_item", lambda o: o.numpy.get_item(X, (slice(1, 3), 2)), lambda: X[1:3, 2]),
]

REFERENCES = {
    "ldexp": lambda: np.ldexp(X, np.array([1, -2, 3, 0, 4], "int32")),
    "isin_invert": lambda: np.isin(np.round(X), [0.0, 1.0], invert=True),
    "searchsorted_r": lambda: np.searchsorted(SORTED, [0.5, 3.0], side="right"),
    "unravel_index": lambda: np.unravel_index(np.array([0, 7, 22]), (3, 2, 4)),
    "correlate_same": lambda: np.correlate(X[0], Y[1, :4], "same"),
    "correlate_swap": lambda: np.correlate(X[0, :2], Y[1], "full"),
    "nanquantile": lambda: _nan_quiet(np.nanquantile, NAN, [0.2, 0.5], axis=1),
    "nanpercentile": lambda: _nan_quiet(np.nanpercentile, NAN, 40, axis=0, keepdims=True),
    "nanquantile_lower": lambda: _nan_quiet(np.nanquantile, NAN, 0.3, axis=1, method="lower"),
    "nanquantile_mid": lambda: _nan_quiet(np.nanquantile, NAN, 0.3, axis=1, method="midpoint"),
}


def _nan_quiet(fn, *args, **kwargs):
    with np.testing.suppress_warnings() as sup:
        sup.filter(RuntimeWarning)
        return fn(*args, **kwargs)


@pytest.mark.parametrize(("name", "call", "reference"), CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(backend, name, call, reference):
    got = call(ops)
    expected = (reference or REFERENCES[name])()
    got_list = [ops.convert_to_numpy(g) for g in got] if isinstance(got, tuple) else [ops.convert_to_numpy(got)]
    expected_list = list(expected) if isinstance(expected, tuple) else [np.asarray(expected)]
    assert len(got_list) == len(expected_list)
    for g, e in zip(got_list, expected_list):
        e = np.asarray(e)
        assert g.shape == e.shape, (g.shape, e.shape)
        if e.dtype == bool:
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(g.astype("float64"), e.astype("float64"), rtol=1e-4, atol=1e-5)


def test_arctan_family_gradients(backend):
    x = np.array([-3.0, -0.7, 0.1, 0.4, 2.5], "float32")
    for fn, derivative in (
        (ops.arctan, lambda v: 1 / (1 + v**2)),
        (ops.arcsin, lambda v: 1 / np.sqrt(1 - (v / 4) ** 2) / 4),
    ):
        var = Variable(x, name="x")
        scale = 0.25 if fn is ops.arcsin else 1.0

        def total(fn=fn, var=var, scale=scale):
            return ops.sum(fn(ops.multiply(var.value, scale)))

        _, (grad,) = ops.value_and_grad(total, [var])()
        np.testing.assert_allclose(ops.convert_to_numpy(grad), derivative(x.astype("float64")), rtol=1e-4, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`side` must be"):
        ops.searchsorted(SORTED, X, side="middle")
    with pytest.raises(ValueError, match="`mode` must be"):
        ops.correlate(X[0], Y[0], mode="wide")
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        ops.cross(X, Y)
    with pytest.raises(ValueError, match="same length"):
        ops.select([X > 0], [X, Y])
    with pytest.raises(ValueError, match="range"):
        ops.nanquantile(X, -0.1)
