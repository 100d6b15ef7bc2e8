"""Linear algebra (Keras's ``keras.ops.linalg``), composed from the backend contract.

``det``, ``inv``, ``solve`` and their relatives run Gauss-Jordan elimination with partial pivoting
(one row swap and one elimination per column, as batched tensor ops: differentiable, and fine for
the small matrices of layers and teaching); ``cholesky`` runs the column-by-column algorithm.
``lu_factor`` runs the same elimination and keeps its factors. The decompositions that need an
iterative solver (``eig``, ``eigh``, ``svd``, ``qr``) are contract primitives (each framework's LAPACK
kernels); ``pinv`` and ``matrix_rank`` are composed from ``svd``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _float, _ndim


def _column(x: Any, k: int) -> Any:
    b = active()
    return b.squeeze(b.take(x, b.convert_to_tensor(np.array([k], "int32")), axis=_ndim(x) - 1), -1)


def _row(x: Any, k: int) -> Any:
    b = active()
    return b.squeeze(b.take(x, b.convert_to_tensor(np.array([k], "int32")), axis=_ndim(x) - 2), -2)


def _entry(vector: Any, k: int) -> Any:
    """Entry ``k`` of the last axis."""
    b = active()
    return b.squeeze(b.take(vector, b.convert_to_tensor(np.array([k], "int32")), axis=_ndim(vector) - 1), -1)


def _square(x: Any, name: str) -> Any:
    b = active()
    x = _float(x)
    shape = b.shape(x)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{name}: expected square matrices of shape (..., n, n). Received: shape={shape}")
    return x


def _eliminate(a: Any, rhs: Any | None) -> tuple[Any, Any, Any]:
    """Gauss-Jordan on ``[a | rhs]``: returns (the solved right-hand side or None, the pivots
    (..., n), the sign of the row permutation (...))."""
    b = active()
    n = b.shape(a)[-1]
    dtype = b.dtype_name(a)
    aug = a if rhs is None else b.concatenate([a, rhs], axis=-1)
    rows = b.arange(n, dtype="int32")
    row_column = b.reshape(rows, (n, 1))
    sign = b.ones(b.shape(a)[:-2], dtype)
    pivots = []
    eye = b.eye(n, dtype=dtype)
    for k in range(n):
        column = _column(aug, k)
        candidates = b.where(b.greater_equal(rows, k), b.abs(column), b.full(b.shape(column), -1.0, dtype))
        p = b.argmax(candidates, axis=-1)  # (...,)
        e_p = b.cast(b.one_hot(b.cast(p, "int32"), n), dtype)  # (..., n)
        e_k = _row(eye, k)  # (n,)
        # the permutation swapping rows k and p (the identity when p == k)
        swap = b.add(
            b.subtract(
                b.subtract(eye, b.multiply(b.expand_dims(e_k, -1), e_k)),
                b.multiply(b.expand_dims(e_p, -1), b.expand_dims(e_p, -2)),
            ),
            b.add(
                b.multiply(b.expand_dims(e_k, -1), b.expand_dims(e_p, -2)),
                b.multiply(b.expand_dims(e_p, -1), e_k),
            ),
        )
        aug = b.matmul(swap, aug)
        sign = b.where(b.equal(b.cast(p, "int32"), k), sign, b.negative(sign))
        pivot = _entry(_row(aug, k), k)
        pivots.append(pivot)
        row_k = b.divide(_row(aug, k), b.expand_dims(pivot, -1))
        factor = b.where(b.equal(rows, k), b.zeros_like(_column(aug, k)), _column(aug, k))
        aug = b.subtract(aug, b.multiply(b.expand_dims(factor, -1), b.expand_dims(row_k, -2)))
        aug = b.where(b.equal(row_column, k), b.expand_dims(row_k, -2), aug)
    solved = None
    if rhs is not None:
        start = [0] * (_ndim(aug) - 1) + [n]
        solved = b.slice(aug, start, [*b.shape(aug)[:-1], b.shape(aug)[-1] - n])
    return solved, b.stack(pivots, axis=-1), sign


def det(x: Any) -> Any:
    """The determinant of each square matrix."""
    b = active()
    _, pivots, sign = _eliminate(_square(x, "det"), None)
    return b.multiply(sign, b.prod(pivots, axis=-1))


def slogdet(x: Any) -> tuple[Any, Any]:
    """``(sign, log|det|)`` of each square matrix."""
    b = active()
    _, pivots, sign = _eliminate(_square(x, "slogdet"), None)
    sign = b.multiply(sign, b.prod(b.sign(pivots), axis=-1))
    return sign, b.sum(b.log(b.abs(pivots)), axis=-1)


def logdet(x: Any) -> Any:
    """``log(det(x))`` of Hermitian positive-definite matrices."""
    b = active()
    _, pivots, _ = _eliminate(_square(x, "logdet"), None)
    return b.sum(b.log(b.abs(pivots)), axis=-1)


def solve(a: Any, b: Any) -> Any:
    """``x`` with ``a @ x = b`` (``b`` of shape ``(..., n)`` or ``(..., n, k)``)."""
    be = active()
    a = _square(a, "solve")
    rhs = _float(b)
    vector = _ndim(rhs) == _ndim(a) - 1
    if vector:
        rhs = be.expand_dims(rhs, -1)
    if be.shape(rhs)[-2] != be.shape(a)[-1]:
        raise ValueError(f"solve: `b` must have {be.shape(a)[-1]} rows. Received: b.shape={be.shape(rhs)}")
    rhs = be.broadcast_to(be.cast(rhs, be.dtype_name(a)), (*be.shape(a)[:-2], *be.shape(rhs)[-2:]))
    solved, _, _ = _eliminate(a, rhs)
    return be.squeeze(solved, -1) if vector else solved


def inv(x: Any) -> Any:
    """The inverse of each square matrix."""
    b = active()
    x = _square(x, "inv")
    n = b.shape(x)[-1]
    return solve(x, b.broadcast_to(b.eye(n, dtype=b.dtype_name(x)), b.shape(x)))


def solve_triangular(a: Any, b: Any, lower: bool = False) -> Any:
    """``x`` with ``a @ x = b`` for triangular ``a`` (only its lower or upper triangle is read)."""
    be = active()
    a = _square(a, "solve_triangular")
    n = be.shape(a)[-1]
    rows = be.reshape(be.arange(n, dtype="int32"), (n, 1))
    cols = be.reshape(be.arange(n, dtype="int32"), (1, n))
    keep = be.greater_equal(rows, cols) if lower else be.less_equal(rows, cols)
    return solve(be.where(keep, a, be.zeros_like(a)), b)


def cholesky(x: Any, upper: bool = False) -> Any:
    """The Cholesky factor of each symmetric positive-definite matrix: lower ``L`` with ``L L^T = x``
    (or upper ``U = L^T`` with ``upper``)."""
    b = active()
    x = _square(x, "cholesky")
    n = b.shape(x)[-1]
    rows = b.arange(n, dtype="int32")
    factor = b.zeros_like(x)
    eye = b.eye(n, dtype=b.dtype_name(x))
    for j in range(n):
        # column j of x minus what the columns found so far already explain
        explained = b.squeeze(b.matmul(factor, b.expand_dims(_row(factor, j), -1)), -1)
        v = b.subtract(_column(x, j), explained)
        diagonal = b.sqrt(_entry(v, j))
        column = b.where(b.greater_equal(rows, j), b.divide(v, b.expand_dims(diagonal, -1)), b.zeros_like(v))
        factor = b.add(factor, b.multiply(b.expand_dims(column, -1), _row(eye, j)))
    return b.transpose(factor, [*range(_ndim(x) - 2), _ndim(x) - 1, _ndim(x) - 2]) if upper else factor


def cholesky_inverse(x: Any, upper: bool = False) -> Any:
    """The inverse of ``A`` from its Cholesky factor ``x`` (``A = x x^T``, or ``x^T x`` with ``upper``)."""
    b = active()
    x = _square(x, "cholesky_inverse")
    n = b.shape(x)[-1]
    identity = b.broadcast_to(b.eye(n, dtype=b.dtype_name(x)), b.shape(x))
    factor_inv = solve_triangular(x, identity, lower=not upper)
    order = [*range(_ndim(x) - 2), _ndim(x) - 1, _ndim(x) - 2]
    if upper:  # A = U^T U: inv(A) = inv(U) inv(U)^T
        return b.matmul(factor_inv, b.transpose(factor_inv, order))
    return b.matmul(b.transpose(factor_inv, order), factor_inv)  # A = L L^T: inv(A) = inv(L)^T inv(L)


def lstsq(a: Any, b: Any, rcond: float | None = None) -> Any:
    """The least-squares solution ``x`` of ``a @ x = b`` for a full-rank 2-d ``a`` (the minimum-norm
    solution when ``a`` has more columns than rows), through the normal equations."""
    be = active()
    a, rhs = _float(a), _float(b)
    del rcond  # full rank assumed: there are no small singular values to cut
    if _ndim(a) != 2:
        raise ValueError(f"lstsq: `a` must be a 2-D matrix. Received: a.shape={be.shape(a)}")
    m, n = be.shape(a)
    at = be.transpose(a)
    column = _ndim(rhs) == 1
    rhs = be.expand_dims(rhs, -1) if column else rhs
    if m >= n:
        x = solve(be.matmul(at, a), be.matmul(at, rhs))
    else:
        x = be.matmul(at, solve(be.matmul(a, at), rhs))
    return be.squeeze(x, -1) if column else x


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002 - NumPy's name
    """Vector norms (``ord`` None/2, 1, inf, -inf, 0 or any p) or matrix norms (``"fro"``, 1, -1, inf,
    -inf) as ``numpy.linalg.norm``; the singular-value norms (``"nuc"``, 2, -2) are not available."""
    b = active()
    x = _float(x)
    nd = _ndim(x)
    if axis is None:
        axis = tuple(range(nd)) if (ord is None or nd == 1) else ((0,) if nd == 1 else (nd - 2, nd - 1))
        if ord is None:
            out = b.sqrt(b.sum(b.square(x)))
            return b.reshape(out, (1,) * nd) if keepdims else out
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a + nd if a < 0 else a for a in axes)
    if len(axes) == 1:
        (ax,) = axes
        ax_x = b.abs(x)
        if ord is None or ord == 2:
            return b.sqrt(b.sum(b.square(x), axis=ax, keepdims=keepdims))
        if ord == np.inf:
            return b.max(ax_x, axis=ax, keepdims=keepdims)
        if ord == -np.inf:
            return b.min(ax_x, axis=ax, keepdims=keepdims)
        if ord == 0:
            return b.sum(b.cast(b.not_equal(x, 0.0), b.dtype_name(x)), axis=ax, keepdims=keepdims)
        if isinstance(ord, str):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        return b.power(b.sum(b.power(ax_x, float(ord)), axis=ax, keepdims=keepdims), 1.0 / ord)
    if len(axes) != 2:
        raise ValueError(f"norm: `axis` must be an int or a pair of ints. Received: axis={axis}")
    row_axis, col_axis = axes
    ax_x = b.abs(x)
    if ord is None or ord == "fro":
        return b.sqrt(b.sum(b.square(x), axis=axes, keepdims=keepdims))
    if ord in (1, -1):
        sums = b.sum(ax_x, axis=row_axis, keepdims=True)
        reduce = b.max if ord == 1 else b.min
        out = reduce(sums, axis=col_axis, keepdims=True)
    elif ord in (np.inf, -np.inf):
        sums = b.sum(ax_x, axis=col_axis, keepdims=True)
        reduce = b.max if ord == np.inf else b.min
        out = reduce(sums, axis=row_axis, keepdims=True)
    else:
        raise ValueError(
            f"norm(ord={ord!r}) of matrices needs singular values, which unikeras does not compute yet: use "
            "'fro', 1, -1, inf or -inf."
        )
    return out if keepdims else b.squeeze(b.squeeze(out, max(axes)), min(axes))


def _matrices(x: Any, name: str) -> Any:
    x = _float(x)
    if _ndim(x) < 2:
        raise ValueError(f"{name}: expected input of rank >= 2. Received input with shape {active().shape(x)}")
    return x


def _swap_last(x: Any) -> Any:
    nd = _ndim(x)
    return active().transpose(x, [*range(nd - 2), nd - 1, nd - 2])


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """The singular value decomposition of the last two axes: ``(u, s, vh)`` with ``x = u @ diag(s) @ vh``
    and ``s`` descending (``u`` of shape ``(..., M, M)`` and ``vh`` ``(..., N, N)`` with
    ``full_matrices``, else ``(..., M, K)`` and ``(..., K, N)``, ``K = min(M, N)``); ``s`` alone without
    ``compute_uv``."""
    return active().linalg_svd(_matrices(x, "svd"), full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))


def qr(x: Any, mode: str = "reduced") -> tuple[Any, Any]:
    """The QR decomposition of the last two axes: ``(q, r)``, ``q`` with orthonormal columns and ``r``
    upper triangular, ``x = q @ r``. ``mode``: ``"reduced"`` (``q`` of shape ``(..., M, K)``) or
    ``"complete"`` (``(..., M, M)``)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f"qr: `mode` argument value not supported. Expected one of {{'reduced', 'complete'}}. Received: mode={mode}"
        )
    return active().linalg_qr(_matrices(x, "qr"), mode=mode)


def eigh(x: Any) -> tuple[Any, Any]:
    """Eigenvalues (ascending) and eigenvectors (the columns) of symmetric matrices."""
    return active().linalg_eigh(_square(x, "eigh"))


def eig(x: Any) -> tuple[Any, Any]:
    """Eigenvalues and eigenvectors (the columns) of general square matrices, both complex."""
    return active().linalg_eig(_square(x, "eig"))


def lu_factor(x: Any) -> tuple[Any, Any]:
    """The LU factorization with partial pivoting of square matrices, as ``scipy.linalg.lu_factor``:
    ``(lu, pivots)``, ``lu`` holding ``U`` in its upper triangle and the unit-diagonal ``L`` below it,
    ``pivots[i]`` (int32) the row swapped with row ``i`` at step ``i``."""
    b = active()
    a = _square(x, "lu_factor")
    n = b.shape(a)[-1]
    dtype = b.dtype_name(a)
    rows = b.arange(n, dtype="int32")
    eye = b.eye(n, dtype=dtype)
    pivots = []
    for k in range(n):
        column = _column(a, k)
        candidates = b.where(b.greater_equal(rows, k), b.abs(column), b.full(b.shape(column), -1.0, dtype))
        p = b.cast(b.argmax(candidates, axis=-1), "int32")
        pivots.append(p)
        e_p = b.cast(b.one_hot(p, n), dtype)
        e_k = _row(eye, k)
        swap = b.add(
            b.subtract(
                b.subtract(eye, b.multiply(b.expand_dims(e_k, -1), e_k)),
                b.multiply(b.expand_dims(e_p, -1), b.expand_dims(e_p, -2)),
            ),
            b.add(
                b.multiply(b.expand_dims(e_k, -1), b.expand_dims(e_p, -2)),
                b.multiply(b.expand_dims(e_p, -1), e_k),
            ),
        )
        a = b.matmul(swap, a)  # whole rows move, the multipliers found so far included
        row_k = _row(a, k)
        below = b.cast(b.greater(rows, k), dtype)
        right = b.cast(b.greater(rows, k), dtype)  # columns after k
        factors = b.multiply(b.divide(_column(a, k), b.expand_dims(_entry(row_k, k), -1)), below)
        a = b.subtract(a, b.multiply(b.expand_dims(factors, -1), b.expand_dims(b.multiply(row_k, right), -2)))
        in_column_k = b.multiply(b.expand_dims(below, -1), e_k)  # (n, n): rows below k, column k
        a = b.add(
            b.multiply(a, b.subtract(b.ones_like(in_column_k), in_column_k)),
            b.multiply(b.expand_dims(factors, -1), in_column_k),
        )
    return a, b.stack(pivots, axis=-1)


def pinv(x: Any, rcond: float | None = None) -> Any:
    """The Moore-Penrose pseudo-inverse of the last two axes (shape ``(..., N, M)``), from the SVD:
    singular values at most ``rcond`` times the largest (default ``max(M, N)`` times the dtype's
    machine epsilon) count as zero."""
    b = active()
    x = _matrices(x, "pinv")
    m, n = b.shape(x)[-2:]
    if rcond is None:
        rcond = max(m, n) * float(np.finfo(b.dtype_name(x)).eps)
    u, s, vh = b.linalg_svd(x, full_matrices=False, compute_uv=True)
    cutoff = b.multiply(b.max(s, axis=-1, keepdims=True), rcond)
    keep = b.greater(s, cutoff)
    s_inv = b.where(keep, b.divide(1.0, b.where(keep, s, b.ones_like(s))), b.zeros_like(s))
    return b.matmul(b.multiply(_swap_last(vh), b.expand_dims(s_inv, -2)), _swap_last(u))


def matrix_rank(x: Any, tol: float | None = None) -> Any:
    """The rank of each matrix (int32, shape ``(...,)``): how many singular values exceed ``tol``
    (default: the largest singular value times ``max(M, N)`` times the dtype's machine epsilon)."""
    b = active()
    x = _matrices(x, "matrix_rank")
    m, n = b.shape(x)[-2:]
    s = b.linalg_svd(x, full_matrices=False, compute_uv=False)
    if tol is None:
        threshold = b.multiply(b.max(s, axis=-1, keepdims=True), max(m, n) * float(np.finfo(b.dtype_name(x)).eps))
    else:
        threshold = b.convert_to_tensor(np.asarray(tol, b.dtype_name(x)))
        threshold = b.expand_dims(threshold, -1) if _ndim(threshold) else threshold
    return b.cast(b.sum(b.cast(b.greater(s, threshold), "int32"), axis=-1), "int32")


from unikeras.ops.autodiff import jvp  # noqa: E402 - keras.ops.linalg.jvp

__all__ = [
    "cholesky",
    "cholesky_inverse",
    "det",
    "eig",
    "eigh",
    "inv",
    "jvp",
    "logdet",
    "lstsq",
    "lu_factor",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_triangular",
    "svd",
]
