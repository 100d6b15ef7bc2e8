"""unikeras.ops.linalg (Gauss-Jordan and Cholesky composed from the contract) against NumPy and keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

from unikeras import ops
from unikeras.variables import Variable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(5)
A = rng0.standard_normal((2, 4, 4)).astype("float32")
A[0, 0, 0] = 0.0  # the first pivot needs a row swap
SPD = (A @ A.transpose(0, 2, 1) + 4 * np.eye(4)).astype("float32")
B = rng0.standard_normal((2, 4, 3)).astype("float32")
TRI = (A + 4 * np.eye(4)).astype("float32")  # non-zero diagonal: both triangles invertible
V = rng0.standard_normal((2, 4)).astype("float32")
TALL = rng0.standard_normal((6, 3)).astype("float32")
WIDE = rng0.standard_normal((3, 5)).astype("float32")
M = rng0.standard_normal((3, 5)).astype("float32")
L_SPD = np.linalg.cholesky(SPD).astype("float32")

CASES = [
    ("det", lambda o: o.det(A), lambda: np.linalg.det(A)),
    ("inv", lambda o: o.inv(A), lambda: np.linalg.inv(A)),
    ("solve", lambda o: o.solve(A, B), lambda: np.linalg.solve(A, B)),
    ("solve_vector", lambda o: o.solve(A[0], V[0]), lambda: np.linalg.solve(A[0], V[0])),
    ("slogdet", lambda o: o.slogdet(A), lambda: np.linalg.slogdet(A)),
    ("logdet", lambda o: o.logdet(SPD), lambda: np.linalg.slogdet(SPD)[1]),
    ("cholesky", lambda o: o.cholesky(SPD), lambda: np.linalg.cholesky(SPD)),
    ("cholesky_upper", lambda o: o.cholesky(SPD, upper=True), lambda: np.linalg.cholesky(SPD).transpose(0, 2, 1)),
    ("cholesky_inverse", lambda o: o.cholesky_inverse(L_SPD), lambda: np.linalg.inv(SPD)),
    (
        "cholesky_inverse_upper",
        lambda o: o.cholesky_inverse(L_SPD.transpose(0, 2, 1), upper=True),
        lambda: np.linalg.inv(SPD),
    ),
    ("solve_triangular", lambda o: o.solve_triangular(TRI, B, lower=True), lambda: np.linalg.solve(np.tril(TRI), B)),
    ("solve_triangular_up", lambda o: o.solve_triangular(TRI, B), lambda: np.linalg.solve(np.triu(TRI), B)),
    (
        "lstsq_tall",
        lambda o: o.lstsq(TALL, V[0, :2].repeat(3)),
        lambda: np.linalg.lstsq(TALL, V[0, :2].repeat(3), rcond=None)[0],
    ),
    ("lstsq_wide", lambda o: o.lstsq(WIDE, B[0, :3]), lambda: np.linalg.lstsq(WIDE, B[0, :3], rcond=None)[0]),
    ("norm", lambda o: o.norm(M), lambda: np.linalg.norm(M)),
    ("norm_vec", lambda o: o.norm(M, axis=1), lambda: np.linalg.norm(M, axis=1)),
    ("norm_l1", lambda o: o.norm(M, ord=1, axis=0, keepdims=True), lambda: np.linalg.norm(M, 1, 0, True)),
    ("norm_inf_vec", lambda o: o.norm(V, ord=np.inf, axis=-1), lambda: np.linalg.norm(V, np.inf, -1)),
    ("norm_p", lambda o: o.norm(V, ord=3, axis=-1), lambda: np.linalg.norm(V, 3, -1)),
    ("norm_zero", lambda o: o.norm(np.array([0.0, 2.0, 0.0, -1.0]), ord=0), lambda: 2.0),
    ("norm_fro", lambda o: o.norm(A, ord="fro", axis=(1, 2)), lambda: np.linalg.norm(A, "fro", (1, 2))),
    ("norm_mat_1", lambda o: o.norm(M, ord=1), lambda: np.linalg.norm(M, 1)),
    ("norm_mat_inf", lambda o: o.norm(A, ord=-np.inf, axis=(-2, -1)), lambda: np.linalg.norm(A, -np.inf, (-2, -1))),
]


@pytest.mark.parametrize(("name", "call", "reference"), CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(backend, name, call, reference):
    got, expected = call(ops.linalg if hasattr(ops.linalg, name.split("_")[0]) else ops), reference()
    pairs = zip(got, expected) if isinstance(expected, tuple) else [(got, expected)]
    for g, e in pairs:
        np.testing.assert_allclose(ops.convert_to_numpy(g), np.asarray(e, "float64"), rtol=1e-4, atol=1e-4)


def test_agrees_with_keras(backend):
    for name, args in (("det", (A,)), ("inv", (A,)), ("solve", (A, B)), ("cholesky", (SPD,)), ("norm", (M,))):
        ours = ops.convert_to_numpy(getattr(ops, name)(*args))
        theirs = np.asarray(getattr(keras.ops, name)(*args))
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


def test_det_gradient_is_det_times_inverse_transpose(backend):
    var = Variable(A[1], name="a")
    _, (grad,) = ops.value_and_grad(lambda: ops.det(var.value), [var])()
    a64 = A[1].astype("float64")
    np.testing.assert_allclose(
        ops.convert_to_numpy(grad), np.linalg.det(a64) * np.linalg.inv(a64).T, rtol=1e-3, atol=1e-4
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match="square matrices"):
        ops.det(M)
    with pytest.raises(ValueError, match="must have 4 rows"):
        ops.solve(A, B[:, :3])
    with pytest.raises(ValueError, match="singular values"):
        ops.norm(M, ord="nuc")
    with pytest.raises(ValueError, match="2-D"):
        ops.lstsq(A, B)
