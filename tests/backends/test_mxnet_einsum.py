"""MXNet's einsum runs as transposes and batch_dot (mnp.einsum is ~150x slower): values and gradients
against NumPy's einsum, and which equations take that path."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import load_backend

# (equation, shapes): MultiHeadAttention's and EinsumDense's equations first, then the general cases
PAIRWISE = [
    ("abc,cde->abde", [(2, 3, 4), (4, 5, 6)]),  # MHA query/key/value projections
    ("aecd,abcd->acbe", [(2, 3, 4, 5), (2, 6, 4, 5)]),  # MHA scores
    ("acbe,aecd->abcd", [(2, 4, 6, 3), (2, 3, 4, 5)]),  # MHA combine
    ("abcd,cde->abe", [(2, 3, 4, 5), (4, 5, 6)]),  # MHA output projection
    ("ab,bc->ac", [(3, 4), (4, 5)]),
    ("abc,cd->abd", [(2, 3, 4), (4, 5)]),
    ("abc,bcd->ad", [(2, 3, 4), (3, 4, 5)]),
    ("...b,bc->...c", [(2, 3, 4), (4, 5)]),
    ("...b,bc->...c", [(4,), (4, 5)]),
    ("ab...,bc->...ac", [(2, 3, 4, 5), (3, 6)]),
    ("...ij,...jk->...ik", [(1, 3, 4), (5, 4, 2)]),  # the ellipsis batch broadcasts
    ("...ij,jk->...ik", [(2, 2, 3, 4), (4, 2)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # a size-1 batch letter broadcasts
    ("ij,jk->ik", [(2, 1), (3, 4)]),  # and a size-1 contracted one
    ("ij,jk->ki", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bkj->bki", [(2, 3, 4), (2, 5, 4)]),
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]),  # batch-free, two contracted letters not adjacent
    ("bi,bi->b", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,i->", [(5,), (5,)]),
    ("ab,cd->dbca", [(2, 3), (4, 5)]),
    ("abc,ad->bd", [(2, 3, 4), (2, 5)]),  # c only in the first operand: summed first
    ("abc,abd->cbd", [(2, 3, 4), (2, 3, 5)]),
    ("abc,cd,ad->ab", [(2, 3, 4), (4, 5), (2, 5)]),  # three operands, pair by pair
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 5), (5, 2)]),
    ("ij->ji", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ijk->", [(2, 3, 4)]),
    ("ij->ij", [(3, 4)]),
]
FALLBACK = [
    ("ii->i", [(3, 3)]),  # a repeated letter: a diagonal
    ("ij,jj->i", [(2, 3), (3, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ij,jk->ik", [(2, 0), (0, 4)]),  # zero-size
]


@pytest.fixture(scope="module")
def mx_backend():
    return load_backend("mxnet")


def _ids(cases):
    return [f"{eq}-{'x'.join(str(s) for s in shapes)}" for eq, shapes in cases]


def _operands(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("equation, shapes", PAIRWISE + FALLBACK, ids=_ids(PAIRWISE + FALLBACK))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_einsum_matches_numpy(mx_backend, equation, shapes, dtype):
    from unikeras.backends import mxnet as adapter

    xs = _operands(shapes, dtype)
    out = mx_backend.einsum(equation, *[mx_backend.convert_to_tensor(x) for x in xs])
    expected = np.einsum(equation, *[x.astype("float64") for x in xs])
    got = mx_backend.to_numpy(out)
    assert got.dtype == np.dtype(dtype) and got.shape == expected.shape
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-12}
    np.testing.assert_allclose(got, expected, **tol)
    # the fast path is taken exactly where the decomposition applies
    plan = adapter._EINSUM_PLANS[(equation, *(tuple(s) for s in shapes))]
    assert (plan is not None) == ((equation, shapes) in PAIRWISE)


@pytest.mark.parametrize("equation, shapes", PAIRWISE, ids=_ids(PAIRWISE))
def test_einsum_gradients_match_finite_differences(mx_backend, equation, shapes):
    """Gradient of sum(weights * einsum(...)) w.r.t. every operand against central differences
    of NumPy's einsum (float64; the function is linear in each operand, so they are exact)."""
    from mxnet import autograd

    xs = _operands(shapes, "float64", seed=1)
    weights = np.random.default_rng(2).standard_normal(np.einsum(equation, *xs).shape)
    handles = [mx_backend.convert_to_tensor(x) for x in xs]
    for h in handles:
        h.attach_grad()
    with autograd.record():
        out = mx_backend.einsum(equation, *handles)
        loss = mx_backend.sum(mx_backend.multiply(out, mx_backend.convert_to_tensor(weights)))
    loss.backward()
    step = 1e-3
    for i, x in enumerate(xs):
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = [a.copy() for a in xs], [a.copy() for a in xs]
            up[i][idx] += step
            down[i][idx] -= step
            numeric[idx] = (
                np.sum(weights * np.einsum(equation, *up)) - np.sum(weights * np.einsum(equation, *down))
            ) / (2 * step)
        np.testing.assert_allclose(handles[i].grad.asnumpy(), numeric, rtol=1e-7, atol=1e-9)


def test_attention_sized_einsums_match_numpy(mx_backend):
    """The benchmark's attention shapes (batch 32, 64 steps, 4 heads of 16) through every equation."""
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((32, 64, 4, 16)).astype("float32") for _ in range(3))
    t = [mx_backend.convert_to_tensor(a) for a in (q, k, v)]
    scores = mx_backend.einsum("aecd,abcd->acbe", t[1], t[0])
    np.testing.assert_allclose(
        mx_backend.to_numpy(scores), np.einsum("aecd,abcd->acbe", k.astype("float64"), q), rtol=1e-4, atol=1e-5
    )
    probs = rng.random((32, 4, 64, 64)).astype("float32")
    combined = mx_backend.einsum("acbe,aecd->abcd", mx_backend.convert_to_tensor(probs), t[2])
    np.testing.assert_allclose(
        mx_backend.to_numpy(combined), np.einsum("acbe,aecd->abcd", probs.astype("float64"), v), rtol=1e-4, atol=1e-5
    )


def test_non_float_einsum_keeps_mxnet_s_kernel(mx_backend):
    x = np.arange(6, dtype="int32").reshape(2, 3)
    y = np.arange(12, dtype="int32").reshape(3, 4)
    out = mx_backend.einsum("ij,jk->ik", mx_backend.convert_to_tensor(x), mx_backend.convert_to_tensor(y))
    np.testing.assert_array_equal(mx_backend.to_numpy(out), x @ y)
