"""ops.linalg decompositions (svd, qr, eigh, eig, lu_factor) and what is composed from them (pinv,
matrix_rank), tested through invariants (reconstruction, orthogonality, the eigen-equation, values
against numpy.linalg), since signs and orders of the factors are free; gradients of gauge-invariant
functions against central finite differences of numpy.linalg."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from unikeras import ops
from unikeras.backends.base import BackendError
from unikeras.variables import Variable

rng0 = np.random.default_rng(7)
TALL = rng0.standard_normal((2, 4, 3)).astype("float32")  # a batch of tall matrices
WIDE = rng0.standard_normal((3, 5)).astype("float32")
SQUARE = rng0.standard_normal((3, 3)).astype("float32")
SQUARE[0, 0] = 0.0  # lu_factor needs a row swap at the first column
SYM = (SQUARE + SQUARE.T).astype("float32")
ATOL = 1e-5


def _np(t):
    return np.asarray(ops.convert_to_numpy(t))


def _swap(a):
    return np.swapaxes(a, -1, -2)


def _orthonormal_columns(q):
    k = q.shape[-1]
    np.testing.assert_allclose(_swap(q) @ q, np.broadcast_to(np.eye(k), (*q.shape[:-2], k, k)), atol=1e-5)


@pytest.mark.parametrize("x", [TALL, WIDE], ids=["tall_batch", "wide"])
def test_svd_reduced_reconstructs_and_matches_numpy(backend, x):
    u, s, vh = (_np(t) for t in ops.svd(x, full_matrices=False))
    k = min(x.shape[-2:])
    assert u.shape == (*x.shape[:-1], k) and vh.shape == (*x.shape[:-2], k, x.shape[-1])
    np.testing.assert_allclose(s, np.linalg.svd(x, compute_uv=False), rtol=1e-4, atol=ATOL)
    np.testing.assert_allclose((u * s[..., None, :]) @ vh, x, rtol=1e-4, atol=ATOL)
    _orthonormal_columns(u)
    _orthonormal_columns(_swap(vh))
    np.testing.assert_allclose(_np(ops.svd(x, compute_uv=False)), np.linalg.svd(x, compute_uv=False), atol=ATOL)


def test_svd_full_matrices(backend):
    if backend.name == "mxnet":
        with pytest.raises(BackendError, match="mxnet.*full_matrices=False"):
            ops.svd(TALL, full_matrices=True)
        u, s, vh = (_np(t) for t in ops.svd(SQUARE))  # square: the reduced factors are the full ones
        np.testing.assert_allclose((u * s) @ vh, SQUARE, atol=ATOL)
        return
    u, s, vh = (_np(t) for t in ops.svd(TALL))
    assert u.shape == (2, 4, 4) and vh.shape == (2, 3, 3)
    _orthonormal_columns(u)
    _orthonormal_columns(vh)
    np.testing.assert_allclose((u[..., :3] * s[..., None, :]) @ vh, TALL, rtol=1e-4, atol=ATOL)


@pytest.mark.parametrize("x", [TALL, WIDE, SQUARE], ids=["tall_batch", "wide", "square"])
def test_qr_reduced(backend, x):
    q, r = (_np(t) for t in ops.qr(x))
    k = min(x.shape[-2:])
    assert q.shape == (*x.shape[:-1], k) and r.shape == (*x.shape[:-2], k, x.shape[-1])
    _orthonormal_columns(q)
    np.testing.assert_array_equal(np.tril(r, -1), 0.0)
    np.testing.assert_allclose(q @ r, x, rtol=1e-4, atol=ATOL)


def test_qr_complete(backend):
    if backend.name == "mxnet":
        with pytest.raises(BackendError, match="mxnet.*mode='reduced'"):
            ops.qr(TALL, mode="complete")
        return
    q, r = (_np(t) for t in ops.qr(TALL, mode="complete"))
    assert q.shape == (2, 4, 4) and r.shape == (2, 4, 3)
    _orthonormal_columns(q)
    np.testing.assert_allclose(q @ r, TALL, rtol=1e-4, atol=ATOL)


def test_eigh(backend):
    w, v = (_np(t) for t in ops.eigh(SYM))
    np.testing.assert_allclose(w, np.linalg.eigvalsh(SYM), rtol=1e-4, atol=ATOL)
    np.testing.assert_allclose(SYM @ v, v * w, atol=1e-5)
    _orthonormal_columns(v)


def test_eig(backend):
    x = np.array([[0.0, -2.0, 1.0], [2.0, 0.0, 0.5], [0.0, 0.0, 3.0]], "float32")  # a complex pair and 3
    if backend.name == "mxnet":
        with pytest.raises(BackendError, match="mxnet.*eigh"):
            ops.eig(x)
        return
    w, v = (_np(t) for t in ops.eig(x))
    assert np.iscomplexobj(w) and np.iscomplexobj(v)
    expected = np.linalg.eigvals(x.astype("float64"))
    np.testing.assert_allclose(np.sort_complex(w), np.sort_complex(expected), atol=1e-5)
    np.testing.assert_allclose(x @ v, v * w, atol=1e-5)


def test_lu_factor(backend):
    lu, pivots = (_np(t) for t in ops.lu_factor(SQUARE))
    assert pivots.dtype == np.int32 and pivots[0] != 0  # the zero pivot was swapped away
    lower, upper = np.tril(lu, -1) + np.eye(3), np.triu(lu)
    permuted = SQUARE.copy()
    for i, p in enumerate(pivots):  # LAPACK's row interchanges, in order
        permuted[[i, p]] = permuted[[p, i]]
    np.testing.assert_allclose(lower @ upper, permuted, rtol=1e-4, atol=ATOL)
    assert np.all(np.abs(np.tril(lu, -1)) <= 1.0 + 1e-6)  # partial pivoting: multipliers at most 1


def test_pinv_and_matrix_rank(backend):
    np.testing.assert_allclose(_np(ops.pinv(TALL)), np.linalg.pinv(TALL), rtol=1e-4, atol=1e-5)
    deficient = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5, 2.0]).astype("float32")  # rank 1
    np.testing.assert_allclose(_np(ops.pinv(deficient)), np.linalg.pinv(deficient), rtol=1e-4, atol=1e-5)
    rank = _np(ops.matrix_rank(np.stack([TALL[0], TALL[1] * 0.0])))
    assert rank.dtype == np.int32
    np.testing.assert_array_equal(rank, [3, 0])
    assert int(_np(ops.matrix_rank(deficient))) == 1
    assert int(_np(ops.matrix_rank(SYM, tol=1e6))) == 0


def test_decomposition_errors(backend):
    with pytest.raises(ValueError, match="mode"):
        ops.qr(SQUARE, mode="full")
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.svd(np.ones(3, "float32"))
    with pytest.raises(ValueError, match="eigh.*square"):
        ops.eigh(WIDE)
    with pytest.raises(ValueError, match="lu_factor.*square"):
        ops.lu_factor(WIDE)
    assert ops.linalg.jvp is ops.jvp


# --- gradients of gauge-invariant functions of the factors ---------------------------------------------
X0 = np.random.default_rng(3).standard_normal((3, 3)).astype("float32")
WEIGHT = np.arange(1.0, 10.0).reshape(3, 3)


def _eigh_fn(x, lib):
    w = lib.eigh(ops.add(x, ops.transpose(x)))[0] if lib is not np else np.linalg.eigvalsh(x + x.T)
    return (
        (w**2 * np.array([1.0, 2.0, 3.0])).sum()
        if lib is np
        else ops.sum(ops.multiply(w**2, np.array([1.0, 2.0, 3.0], "float32")))
    )


def _svd_fn(x, lib):
    s = np.linalg.svd(x, compute_uv=False) if lib is np else lib.svd(x, compute_uv=False)
    return (s**3).sum() if lib is np else ops.sum(s**3)


def _qr_fn(x, lib):
    r = np.linalg.qr(x)[1] if lib is np else lib.qr(x)[1]  # r**2 is blind to the rows' signs
    return (WEIGHT * r**2).sum() if lib is np else ops.sum(ops.multiply(r**2, WEIGHT.astype("float32")))


@functools.cache
def _finite_differences(name):
    fn = {"eigh": _eigh_fn, "svd": _svd_fn, "qr": _qr_fn}[name]
    x, h, grad = X0.astype("float64"), 1e-6, np.zeros((3, 3))
    for idx in np.ndindex(3, 3):
        step = np.zeros((3, 3))
        step[idx] = h
        grad[idx] = (fn(x + step, np) - fn(x - step, np)) / (2 * h)
    return grad


@pytest.mark.parametrize("name", ["eigh", "svd", "qr"])
def test_decomposition_gradients_match_finite_differences(backend, name):
    fn = {"eigh": _eigh_fn, "svd": _svd_fn, "qr": _qr_fn}[name]
    variable = Variable(X0.copy())
    _, grads = ops.value_and_grad(lambda: fn(variable.value, ops), [variable])()
    np.testing.assert_allclose(_np(grads[0]), _finite_differences(name), rtol=1e-3, atol=1e-4)
