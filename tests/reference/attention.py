"""Plain NumPy references (float64) for EinsumDense and the attention layers, written from the papers'
formulas and Keras's documented semantics rather than from the layer code.

Masks are boolean, True where attention is allowed. A masked position gets probability 0; a row of
scores masked everywhere gives probabilities 0 (``masked_softmax``), as Keras's MultiHeadAttention does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def einsum_dense(x, kernel, bias, equation: str, activation=None) -> np.ndarray:
    """``activation(einsum(equation, x, kernel) + bias)``; ``bias`` broadcasts against the output's end."""
    out = np.einsum(equation, _f64(x), _f64(kernel))
    if bias is not None:
        out = out + _f64(bias)
    return activation(out) if activation is not None else out


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def masked_softmax(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Softmax over the last axis restricted to ``mask``; rows without an allowed entry are all zeros."""
    if mask is None:
        return softmax(scores)
    mask = np.broadcast_to(mask, scores.shape)
    shifted = np.where(mask, scores, -np.inf)
    top = shifted.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.where(mask, np.exp(np.where(mask, scores, 0.0) - top), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)


def causal(t: int, s: int) -> np.ndarray:
    """``[i, j]`` True where ``j <= i``."""
    return np.arange(s)[None, :] <= np.arange(t)[:, None]


# ---------------------------------------------------------------------- multi-head attention
def _project(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """``(..., dim) x (dim, heads, size) -> (..., heads, size)``."""
    out = np.tensordot(x, kernel, axes=([-1], [0]))
    return out if bias is None else out + bias


def multi_head_attention(
    query,
    value,
    key=None,
    *,
    weights: Sequence[np.ndarray],
    num_heads: int,
    use_bias: bool = True,
    use_gate: bool = False,
    attention_axes: Sequence[int] | None = None,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head attention (Vaswani et al., 2017) with Keras's weight list (kernels ``(dim, heads,
    size)``, biases ``(heads, size)``; output kernel ``(heads, size, *out)``; order query, key,
    (gate), value, output).

    ``mask`` is boolean and broadcasts to ``(batch, <other axes>, T..., S...)`` where ``T...`` and
    ``S...`` are the attention axes of query and key (flattened below). Returns the output and the
    probabilities ``(batch, <other axes>, heads, T..., S...)``.
    """
    query, value = _f64(query), _f64(value)
    key = value if key is None else _f64(key)
    weights = [_f64(w) for w in weights]
    names = ["query", "key"] + (["gate"] if use_gate else []) + ["value", "output"]
    per = 2 if use_bias else 1
    params = {n: (weights[per * i], weights[per * i + 1] if use_bias else None) for i, n in enumerate(names)}
    rank = query.ndim
    axes = tuple(range(1, rank - 1)) if attention_axes is None else tuple(a % rank for a in attention_axes)
    others = [a for a in range(1, rank - 1) if a not in axes]
    order = [0, *others, *axes, rank - 1]

    def to_3d(x: np.ndarray) -> tuple[np.ndarray, tuple, tuple]:
        # (batch, others..., attention axes..., features) -> (batch * others, steps, features)
        moved = np.transpose(x, order)
        lead = moved.shape[: 1 + len(others)]
        steps = moved.shape[1 + len(others) : -1]
        return moved.reshape(int(np.prod(lead)), int(np.prod(steps)), moved.shape[-1]), lead, steps

    q3, lead, q_steps = to_3d(query)
    k3, _, k_steps = to_3d(key)
    v3, _, _ = to_3d(value)
    qh = _project(q3, *params["query"])  # (n, T, heads, key_dim)
    kh = _project(k3, *params["key"])
    vh = _project(v3, *params["value"])
    key_dim = qh.shape[-1]
    scores = np.einsum("nthd,nshd->nhts", qh, kh) / np.sqrt(key_dim)
    m = None
    if mask is not None:
        # mask (batch, others..., T..., S...) -> (n, 1, T, S)
        full = np.broadcast_to(mask, lead + tuple(q_steps) + tuple(k_steps))
        m = full.reshape(scores.shape[0], 1, scores.shape[2], scores.shape[3])
    probs = masked_softmax(scores, m)
    heads = np.einsum("nhts,nshd->nthd", probs, vh)  # (n, T, heads, value_dim)
    if use_gate:
        heads = heads * (1.0 / (1.0 + np.exp(-_project(q3, *params["gate"]))))
    out_kernel, out_bias = params["output"]
    out = np.tensordot(heads, out_kernel, axes=([-2, -1], [0, 1]))
    if out_bias is not None:
        out = out + out_bias
    out_features = out.shape[2:]
    out = out.reshape(lead + tuple(q_steps) + out_features)
    # back to the query's axis order
    inverse = np.argsort(order[:-1])
    out = np.transpose(out, list(inverse) + list(range(rank - 1, out.ndim)))
    probs = probs.reshape(lead + (probs.shape[1],) + tuple(q_steps) + tuple(k_steps))
    return out, probs


# ---------------------------------------------------------------------- Luong / Bahdanau attention
def luong_attention(
    query,
    value,
    key=None,
    *,
    scale: float | None = None,
    score_mode: str = "dot",
    concat_score_weight: float | None = None,
    query_mask=None,
    value_mask=None,
    use_causal_mask: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Dot-product (``"dot"``: ``scale * q.k``) or ``"concat"`` (``w * sum(tanh(scale * (q + k)))``)
    attention; returns the output ``(batch, Tq, value_dim)`` and the distribution ``(batch, Tq, Tv)``."""
    query, value = _f64(query), _f64(value)
    key = value if key is None else _f64(key)
    if score_mode == "dot":
        scores = np.einsum("btd,bsd->bts", query, key)
        if scale is not None:
            scores = scores * scale
    else:
        pairs = query[:, :, None, :] + key[:, None, :, :]
        if scale is not None:
            pairs = pairs * scale
        scores = concat_score_weight * np.tanh(pairs).sum(-1)
    return _apply(scores, value, query_mask, value_mask, use_causal_mask)


def additive_attention(
    query, value, key=None, *, scale=None, query_mask=None, value_mask=None, use_causal_mask: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Bahdanau attention: ``scores[b, i, j] = sum_d scale[d] * tanh(q[b, i, d] + k[b, j, d])``."""
    query, value = _f64(query), _f64(value)
    key = value if key is None else _f64(key)
    features = np.tanh(query[:, :, None, :] + key[:, None, :, :])
    if scale is not None:
        features = features * _f64(scale)
    return _apply(features.sum(-1), value, query_mask, value_mask, use_causal_mask)


def _apply(scores, value, query_mask, value_mask, use_causal_mask):
    allowed = np.ones(scores.shape, dtype=bool)
    if value_mask is not None:
        allowed &= np.asarray(value_mask, bool)[:, None, :]
    if use_causal_mask:
        allowed &= causal(scores.shape[1], scores.shape[2])[None]
    probs = masked_softmax(scores, allowed)
    out = probs @ value
    if query_mask is not None:
        out = out * np.asarray(query_mask, bool)[:, :, None]
    return out, probs
