"""The NumPy ops added in unikeras.ops.numpy_extra against NumPy itself, on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops

rng0 = np.random.default_rng(0)
X = rng0.standard_normal((3, 4)).astype("float32")
Y = rng0.standard_normal((3, 4)).astype("float32")
POS = rng0.uniform(0.5, 3.0, (3, 4)).astype("float32")
UNIT = rng0.uniform(-0.9, 0.9, (3, 4)).astype("float32")
V = rng0.standard_normal(4).astype("float32")
W = rng0.standard_normal(3).astype("float32")
CUBE = rng0.standard_normal((2, 3, 4)).astype("float32")
NAN = X.copy()
NAN[0, 1] = NAN[2, 3] = np.nan
SPECIAL = np.array([-np.inf, -2.5, -0.0, 0.0, 1.5, np.inf, np.nan], "float32")
NUDGE = (1e-6 * (Y > 0) + 1e-3 * (Y > 1)).astype("float32")
INTS = np.array([[0, 3, 0], [1, 0, 2]], "int32")

# (id, unikeras call, NumPy call)
CASES = [
    ("cosh", lambda o: o.cosh(X), lambda: np.cosh(X)),
    ("sinh", lambda o: o.sinh(X), lambda: np.sinh(X)),
    ("tan", lambda o: o.tan(UNIT), lambda: np.tan(UNIT)),
    ("arcsinh", lambda o: o.arcsinh(X), lambda: np.arcsinh(X)),
    ("arccosh", lambda o: o.arccosh(POS + 1), lambda: np.arccosh(POS + 1)),
    ("arctanh", lambda o: o.arctanh(UNIT), lambda: np.arctanh(UNIT)),
    ("log2", lambda o: o.log2(POS), lambda: np.log2(POS)),
    ("log10", lambda o: o.log10(POS), lambda: np.log10(POS)),
    ("exp2", lambda o: o.exp2(X), lambda: np.exp2(X)),
    ("logaddexp", lambda o: o.logaddexp(X * 30, Y), lambda: np.logaddexp(X * 30, Y)),
    ("logaddexp2", lambda o: o.logaddexp2(X, Y), lambda: np.logaddexp2(X, Y)),
    ("reciprocal", lambda o: o.reciprocal(POS), lambda: np.reciprocal(POS)),
    ("true_divide", lambda o: o.true_divide(X, POS), lambda: np.true_divide(X, POS)),
    ("trunc", lambda o: o.trunc(X * 3), lambda: np.trunc(X * 3)),
    ("fabs", lambda o: o.fabs(X), lambda: np.fabs(X)),
    ("deg2rad", lambda o: o.deg2rad(X), lambda: np.deg2rad(X)),
    ("rad2deg", lambda o: o.rad2deg(X), lambda: np.rad2deg(X)),
    ("hypot", lambda o: o.hypot(X, Y), lambda: np.hypot(X, Y)),
    ("cbrt", lambda o: o.cbrt(X), lambda: np.cbrt(X)),
    ("signbit", lambda o: o.signbit(SPECIAL[:-1]), lambda: np.signbit(SPECIAL[:-1])),
    ("isinf", lambda o: o.isinf(SPECIAL), lambda: np.isinf(SPECIAL)),
    ("isposinf", lambda o: o.isposinf(SPECIAL), lambda: np.isposinf(SPECIAL)),
    ("isneginf", lambda o: o.isneginf(SPECIAL), lambda: np.isneginf(SPECIAL)),
    ("isreal", lambda o: o.isreal(X), lambda: np.isreal(X)),
    ("real", lambda o: o.real(X), lambda: np.real(X)),
    ("imag", lambda o: o.imag(X), lambda: np.imag(X)),
    ("conj", lambda o: o.conj(X), lambda: np.conj(X)),
    ("conjugate", lambda o: o.conjugate(X), lambda: np.conjugate(X)),
    ("heaviside", lambda o: o.heaviside(np.round(X), 0.5), lambda: np.heaviside(np.round(X), 0.5)),
    ("fmod", lambda o: o.fmod(X * 5, POS), lambda: np.fmod(X * 5, POS)),
    ("fmax", lambda o: o.fmax(NAN, Y), lambda: np.fmax(NAN, Y)),
    ("fmin", lambda o: o.fmin(Y, NAN), lambda: np.fmin(Y, NAN)),
    ("logical_xor", lambda o: o.logical_xor(X > 0, Y > 0), lambda: np.logical_xor(X > 0, Y > 0)),
    ("divide_no_nan", lambda o: o.divide_no_nan(X, np.where(Y > 0, Y, 0)), None),
    ("sinc", lambda o: o.sinc(np.append(V, 0.0)), lambda: np.sinc(np.append(V, 0.0))),
    ("nan_to_num", lambda o: o.nan_to_num(SPECIAL, nan=7.0), lambda: np.nan_to_num(SPECIAL, nan=7.0)),
    ("nan_to_num_bounds", lambda o: o.nan_to_num(SPECIAL, posinf=9.0, neginf=-9.0), None),
    ("isclose", lambda o: o.isclose(X, X + NUDGE), lambda: np.isclose(X, X + NUDGE)),
    ("isclose_nan", lambda o: o.isclose(SPECIAL, SPECIAL, equal_nan=True), None),
    ("allclose", lambda o: o.allclose(X, X * (1 + 1e-7)), lambda: np.allclose(X, X * (1 + 1e-7))),
    ("ravel", lambda o: o.ravel(CUBE), lambda: np.ravel(CUBE)),
    ("swapaxes", lambda o: o.swapaxes(CUBE, 0, -1), lambda: np.swapaxes(CUBE, 0, -1)),
    ("moveaxis", lambda o: o.moveaxis(CUBE, 0, -1), lambda: np.moveaxis(CUBE, 0, -1)),
    ("moveaxis_many", lambda o: o.moveaxis(CUBE, [0, 1], [2, 0]), lambda: np.moveaxis(CUBE, [0, 1], [2, 0])),
    ("hstack", lambda o: o.hstack([X, Y]), lambda: np.hstack([X, Y])),
    ("hstack_1d", lambda o: o.hstack([V, W]), lambda: np.hstack([V, W])),
    ("vstack", lambda o: o.vstack([X, V]), lambda: np.vstack([X, V])),
    ("dstack", lambda o: o.dstack([X, Y]), lambda: np.dstack([X, Y])),
    ("append", lambda o: o.append(X, V), lambda: np.append(X, V)),
    ("append_axis", lambda o: o.append(X, Y, axis=1), lambda: np.append(X, Y, axis=1)),
    ("array_split", lambda o: o.array_split(CUBE, 3, axis=2), lambda: np.array_split(CUBE, 3, axis=2)),
    ("array_split_at", lambda o: o.array_split(X, [1, 3], axis=1), lambda: np.array_split(X, [1, 3], axis=1)),
    ("hsplit", lambda o: o.hsplit(X, 2), lambda: np.hsplit(X, 2)),
    ("vsplit", lambda o: o.vsplit(X, [1]), lambda: np.vsplit(X, [1])),
    ("dsplit", lambda o: o.dsplit(CUBE, 2), lambda: np.dsplit(CUBE, 2)),
    ("fliplr", lambda o: o.fliplr(X), lambda: np.fliplr(X)),
    ("flipud", lambda o: o.flipud(X), lambda: np.flipud(X)),
    ("rot90", lambda o: o.rot90(X), lambda: np.rot90(X)),
    ("rot90_k", lambda o: o.rot90(CUBE, k=3, axes=(1, 2)), lambda: np.rot90(CUBE, k=3, axes=(1, 2))),
    ("rot90_2", lambda o: o.rot90(X, k=-2), lambda: np.rot90(X, k=-2)),
    ("diff", lambda o: o.diff(CUBE, n=2, axis=1), lambda: np.diff(CUBE, n=2, axis=1)),
    ("outer", lambda o: o.outer(V, W), lambda: np.outer(V, W)),
    ("inner", lambda o: o.inner(X, Y), lambda: np.inner(X, Y)),
    ("vdot", lambda o: o.vdot(X, Y), lambda: np.vdot(X, Y)),
    ("dot", lambda o: o.dot(CUBE, X.T), lambda: np.dot(CUBE, X.T)),
    ("dot_vector", lambda o: o.dot(X, V), lambda: np.dot(X, V)),
    ("kron", lambda o: o.kron(X[:2, :2], Y[:2]), lambda: np.kron(X[:2, :2], Y[:2])),
    ("tri", lambda o: o.tri(3, 5, k=1), lambda: np.tri(3, 5, k=1, dtype="float32")),
    ("tril", lambda o: o.tril(CUBE, k=-1), lambda: np.tril(CUBE, k=-1)),
    ("triu", lambda o: o.triu(X, k=1), lambda: np.triu(X, k=1)),
    ("identity", lambda o: o.identity(3), lambda: np.identity(3, dtype="float32")),
    ("diagonal", lambda o: o.diagonal(CUBE, offset=1, axis1=1, axis2=2), lambda: np.diagonal(CUBE, 1, 1, 2)),
    ("diagonal_neg", lambda o: o.diagonal(X, offset=-1), lambda: np.diagonal(X, -1)),
    ("trace", lambda o: o.trace(X, offset=1), lambda: np.trace(X, offset=1)),
    ("diag_matrix", lambda o: o.diag(X, k=-1), lambda: np.diag(X, k=-1)),
    ("diag_vector", lambda o: o.diag(V, k=2), lambda: np.diag(V, k=2)),
    ("diagflat", lambda o: o.diagflat(X[:2, :2], k=-1), lambda: np.diagflat(X[:2, :2], k=-1)),
    ("array", lambda o: o.array([[1.0, 2.0]]), lambda: np.array([[1.0, 2.0]], "float32")),
    ("full_like", lambda o: o.full_like(X, 3.5), lambda: np.full_like(X, 3.5)),
    ("empty", lambda o: o.empty((2, 3)).shape, lambda: (2, 3)),
    ("empty_like", lambda o: o.empty_like(INTS).shape, lambda: (2, 3)),
    ("linspace", lambda o: o.linspace(-1.0, 2.0, 7), lambda: np.linspace(-1.0, 2.0, 7, dtype="float32")),
    ("linspace_open", lambda o: o.linspace(0.0, 1.0, 4, endpoint=False), lambda: np.linspace(0, 1, 4, False)),
    ("linspace_vec", lambda o: o.linspace(V, W[:1], 3, axis=1), lambda: np.linspace(V, W[:1], 3, axis=1)),
    ("logspace", lambda o: o.logspace(0.0, 2.0, 5), lambda: np.logspace(0.0, 2.0, 5)),
    ("logspace_base", lambda o: o.logspace(1.0, 3.0, 3, base=2.0), lambda: np.logspace(1.0, 3.0, 3, base=2.0)),
    ("geomspace", lambda o: o.geomspace(1.0, 1000.0, 4), lambda: np.geomspace(1.0, 1000.0, 4)),
    ("geomspace_neg", lambda o: o.geomspace(-2.0, -32.0, 5), lambda: np.geomspace(-2.0, -32.0, 5)),
    ("meshgrid", lambda o: o.meshgrid(V, W), lambda: np.meshgrid(V, W)),
    ("meshgrid_ij", lambda o: o.meshgrid(V, W, V[:2], indexing="ij"), lambda: np.meshgrid(V, W, V[:2], indexing="ij")),
    ("vander", lambda o: o.vander(V, 3), lambda: np.vander(V, 3)),
    ("vander_inc", lambda o: o.vander(V, increasing=True), lambda: np.vander(V, increasing=True)),
    ("count_nonzero", lambda o: o.count_nonzero(INTS), lambda: np.count_nonzero(INTS)),
    ("count_nonzero_axis", lambda o: o.count_nonzero(INTS, axis=0), lambda: np.count_nonzero(INTS, axis=0)),
    ("ptp", lambda o: o.ptp(X, axis=1), lambda: np.ptp(X, axis=1)),
    ("average", lambda o: o.average(X), lambda: np.average(X)),
    ("average_weights", lambda o: o.average(X, axis=1, weights=V * V), lambda: np.average(X, 1, V * V)),
    ("nansum", lambda o: o.nansum(NAN, axis=1), lambda: np.nansum(NAN, axis=1)),
    ("nanprod", lambda o: o.nanprod(NAN), lambda: np.nanprod(NAN)),
    ("nanmean", lambda o: o.nanmean(NAN, axis=0, keepdims=True), lambda: np.nanmean(NAN, 0, keepdims=True)),
    ("nanvar", lambda o: o.nanvar(NAN, axis=1), lambda: np.nanvar(NAN, axis=1)),
    ("nanstd", lambda o: o.nanstd(NAN), lambda: np.nanstd(NAN)),
    ("nanmax", lambda o: o.nanmax(NAN, axis=1), lambda: np.nanmax(NAN, axis=1)),
    ("nanmin", lambda o: o.nanmin(NAN, axis=0), lambda: np.nanmin(NAN, axis=0)),
    ("nanargmax", lambda o: o.nanargmax(NAN, axis=1), lambda: np.nanargmax(NAN, axis=1)),
    ("nanargmin", lambda o: o.nanargmin(NAN), lambda: np.nanargmin(NAN)),
    ("nancumsum", lambda o: o.nancumsum(NAN, axis=1), lambda: np.nancumsum(NAN, axis=1)),
    ("nancumprod", lambda o: o.nancumprod(NAN, axis=0), lambda: np.nancumprod(NAN, axis=0)),
    ("quantile", lambda o: o.quantile(CUBE, [0.1, 0.5, 1.0], axis=2), lambda: np.quantile(CUBE, [0.1, 0.5, 1], 2)),
    ("quantile_all", lambda o: o.quantile(X, 0.3), lambda: np.quantile(X, 0.3)),
    ("quantile_axes", lambda o: o.quantile(CUBE, 0.7, axis=(0, 2), keepdims=True), None),
    ("percentile", lambda o: o.percentile(X, 25, axis=0), lambda: np.percentile(X, 25, axis=0)),
    ("percentile_method", lambda o: o.percentile(X, [10, 60], axis=1, method="midpoint"), None),
    ("median", lambda o: o.median(X, axis=1), lambda: np.median(X, axis=1)),
    ("trapezoid", lambda o: o.trapezoid(X, dx=0.5), lambda: np.trapz(X, dx=0.5)),
    ("trapezoid_x", lambda o: o.trapezoid(X, x=np.cumsum(POS[0]), axis=1), lambda: np.trapz(X, np.cumsum(POS[0]))),
]

EXTRA_REFERENCES = {
    "divide_no_nan": lambda: np.where(Y > 0, X / np.where(Y > 0, Y, 1), 0),
    "nan_to_num_bounds": lambda: np.nan_to_num(SPECIAL, posinf=9.0, neginf=-9.0),
    "isclose_nan": lambda: np.isclose(SPECIAL, SPECIAL, equal_nan=True),
    "quantile_axes": lambda: np.quantile(CUBE, 0.7, axis=(0, 2), keepdims=True),
    "percentile_method": lambda: np.percentile(X, [10, 60], axis=1, method="midpoint"),
}


def _numpy(value):
    if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (int, float)):
        return [_numpy(v) for v in value]
    if isinstance(value, tuple):
        return value
    return ops.convert_to_numpy(value)


@pytest.mark.parametrize(("name", "call", "reference"), CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(backend, name, call, reference):
    got = _numpy(call(ops))
    expected = (reference or EXTRA_REFERENCES[name])()
    if isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected)
    for g, e in zip(
        got if isinstance(expected, list) else [got], expected if isinstance(expected, list) else [expected]
    ):
        e = np.asarray(e)
        assert np.shape(g) == e.shape, (np.shape(g), e.shape)
        if e.dtype == bool:
            np.testing.assert_array_equal(g, e)
        else:
            np.testing.assert_allclose(np.asarray(g, "float64"), e.astype("float64"), rtol=1e-4, atol=1e-5)


def test_float32_in_float32_out(backend):
    for fn in (ops.cosh, ops.log2, ops.cbrt, ops.nanmean, ops.median, ops.sinc):
        assert ops.dtype(fn(X)) == "float32", fn.__name__
    assert ops.dtype(ops.count_nonzero(INTS)) == "int32"


def test_symbolic_inputs_record_nodes(backend):
    inputs = unikeras.Input((3, 4))
    model = unikeras.Model(inputs, ops.hstack([ops.cosh(inputs), ops.tril(inputs)]))
    assert model.output.shape == (None, 6, 4)
    got = ops.convert_to_numpy(model(CUBE))
    np.testing.assert_allclose(got, np.hstack([np.cosh(CUBE), np.tril(CUBE)]), rtol=1e-4)


def test_bad_arguments():
    with pytest.raises(ValueError, match="equal division"):
        ops.hsplit(X, 3)
    with pytest.raises(ValueError, match="`q` must be in the range"):
        ops.quantile(X, 1.5)
    with pytest.raises(ValueError, match="unknown method"):
        ops.quantile(X, 0.5, method="cubic")
    with pytest.raises(ValueError, match="indexing"):
        ops.meshgrid(V, W, indexing="yx")
    with pytest.raises(ValueError, match="two different axes"):
        ops.rot90(X, axes=(1, 1))
