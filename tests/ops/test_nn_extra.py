"""The ops.nn functions of unikeras.ops.nn_extra against keras.ops.nn (the oracle) on every backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

from unikeras import ops
from unikeras.variables import Variable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(2)
LOGITS = rng0.standard_normal((4, 5)).astype("float32")
PROBS = (np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)).astype("float32")
ONE_HOT = np.eye(5, dtype="float32")[[0, 3, 1, 4]]
LABELS = np.array([0, 3, 1, 4], "int32")
BINARY = (rng0.uniform(size=(4, 5)) > 0.5).astype("float32")
IMAGES = rng0.standard_normal((2, 4, 6, 8)).astype("float32")
SEQ = rng0.standard_normal((2, 7, 3)).astype("float32")
VOLUME = rng0.standard_normal((1, 5, 4, 6, 2)).astype("float32")
Q = rng0.standard_normal((2, 3, 4, 8)).astype("float32")
K = rng0.standard_normal((2, 5, 2, 8)).astype("float32")
VAL = rng0.standard_normal((2, 5, 2, 8)).astype("float32")
MASK = rng0.uniform(size=(2, 1, 3, 5)) > 0.3
BIAS = rng0.standard_normal((1, 4, 3, 5)).astype("float32")
GAMMA = rng0.uniform(0.5, 1.5, 5).astype("float32")
BETA = rng0.standard_normal(5).astype("float32")

# (id, function name, args, kwargs) — the same call on ops.nn and keras.ops.nn
CASES = [
    ("bce", "binary_crossentropy", (BINARY, PROBS), {}),
    ("bce_logits", "binary_crossentropy", (BINARY, LOGITS), {"from_logits": True}),
    ("cce", "categorical_crossentropy", (ONE_HOT, PROBS * 2), {}),
    ("cce_logits", "categorical_crossentropy", (ONE_HOT, LOGITS), {"from_logits": True}),
    ("cce_axis0", "categorical_crossentropy", (ONE_HOT.T, PROBS.T), {"axis": 0}),
    ("scce", "sparse_categorical_crossentropy", (LABELS, PROBS), {}),
    ("scce_logits", "sparse_categorical_crossentropy", (LABELS, LOGITS), {"from_logits": True}),
    ("batch_norm", "batch_normalization", (LOGITS, BETA, GAMMA, -1), {"offset": BETA, "scale": GAMMA}),
    ("batch_norm_axis", "batch_normalization", (IMAGES, IMAGES.mean((0, 2, 3)), GAMMA[:4], 1), {}),
    ("layer_norm", "layer_normalization", (LOGITS, GAMMA, BETA), {}),
    ("layer_norm_eps", "layer_normalization", (IMAGES,), {"axis": (2, 3), "epsilon": 1e-3}),
    ("rms_norm", "rms_normalization", (LOGITS, GAMMA), {}),
    ("rms_norm_eps", "rms_normalization", (IMAGES,), {"axis": 1, "epsilon": 0.1}),
    ("normalize", "normalize", (LOGITS,), {}),
    ("normalize_l1", "normalize", (LOGITS,), {"axis": 0, "order": 1}),
    ("multi_hot", "multi_hot", (np.array([[0, 2], [1, 1], [3, 0]], "int32"),), {"num_classes": 4}),
    ("multi_hot_1d", "multi_hot", (np.array([2, 0], "int32"),), {"num_classes": 3}),
    ("psnr", "psnr", (PROBS, PROBS + 0.05 * LOGITS, 1.0), {}),
    ("depth_to_space", "depth_to_space", (IMAGES, 2), {}),
    ("depth_to_space_cf", "depth_to_space", (IMAGES, 2), {"data_format": "channels_first"}),
    ("space_to_depth", "space_to_depth", (IMAGES, 2), {}),
    ("attention", "dot_product_attention", (Q, K, VAL), {}),
    ("attention_mask_bias", "dot_product_attention", (Q, K, VAL), {"mask": MASK, "bias": BIAS, "scale": 0.3}),
    ("attention_causal", "dot_product_attention", (Q, K[:, :3], VAL[:, :3]), {"is_causal": True}),
    ("avg_pool_1d", "adaptive_average_pool", (SEQ, 3), {}),
    ("max_pool_1d", "adaptive_max_pool", (SEQ, 4), {}),
    ("avg_pool_2d", "adaptive_average_pool", (IMAGES, (3, 4)), {}),
    ("max_pool_2d_cf", "adaptive_max_pool", (IMAGES, (3, 5)), {"data_format": "channels_first"}),
    ("avg_pool_3d", "adaptive_average_pool", (VOLUME, (2, 3, 4)), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_keras(backend, name, args, kwargs):
    got = ops.convert_to_numpy(getattr(ops.nn, name)(*args, **kwargs))
    keras_args = [keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    expected = np.asarray(getattr(keras.ops.nn, name)(*keras_args, **kwargs))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert getattr(ops, name) is not None


def test_attention_gradient_matches_finite_differences(backend):
    q = Variable(Q[:1, :2, :2, :4], name="q")
    k, v = K[:1, :3, :1, :4], VAL[:1, :3, :1, :4]

    def reference(q_np):
        kk, vv = np.repeat(k, 2, axis=2).astype("float64"), np.repeat(v, 2, axis=2).astype("float64")
        logits = np.einsum("btnh,bsnh->bnts", q_np, kk) / 2.0
        weights = np.exp(logits - logits.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        return np.einsum("bnts,bsnh->btnh", weights, vv).sum()

    _, (grad,) = ops.value_and_grad(lambda: ops.sum(ops.nn.dot_product_attention(q.value, k, v)), [q])()
    base = Q[:1, :2, :2, :4].astype("float64")
    numeric = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        plus, minus = base.copy(), base.copy()
        plus[i] += 1e-6
        minus[i] -= 1e-6
        numeric[i] = (reference(plus) - reference(minus)) / 2e-6
    np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_space_to_depth_channels_first_inverts_depth_to_space(backend):
    # keras 3.15 on TensorFlow orders the channels (block, block, C) here, on torch/JAX/NumPy (C, block, block);
    # unikeras follows the latter, the inverse of its (and keras's) channels_first depth_to_space
    got = ops.convert_to_numpy(ops.nn.space_to_depth(IMAGES, 2, data_format="channels_first"))
    expected = IMAGES.reshape(2, 4, 3, 2, 4, 2).transpose(0, 1, 3, 5, 2, 4).reshape(2, 16, 3, 4)
    np.testing.assert_array_equal(got, expected)
    back = ops.nn.depth_to_space(got, 2, data_format="channels_first")
    np.testing.assert_array_equal(ops.convert_to_numpy(back), IMAGES)
    back = ops.nn.depth_to_space(ops.nn.space_to_depth(IMAGES, 2), 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(back), IMAGES)


def test_attention_soft_cap_against_numpy(backend):
    # keras 3.15 accepts attn_logits_soft_cap only with JAX on a TPU; unikeras computes it everywhere
    got = ops.convert_to_numpy(ops.nn.dot_product_attention(Q, K, VAL, attn_logits_soft_cap=2.0))
    kk, vv = np.repeat(K, 2, axis=2).astype("float64"), np.repeat(VAL, 2, axis=2).astype("float64")
    logits = np.einsum("btnh,bsnh->bnts", Q.astype("float64"), kk) / np.sqrt(8)
    logits = np.tanh(logits / 2.0) * 2.0
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    np.testing.assert_allclose(got, np.einsum("bnts,bsnh->btnh", weights, vv), rtol=1e-4, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError):
        keras.ops.nn.binary_crossentropy(BINARY, PROBS[:, :3])
    with pytest.raises(ValueError, match="must have the same shape"):
        ops.nn.binary_crossentropy(BINARY, PROBS[:, :3])
    with pytest.raises(ValueError, match="same shape"):
        ops.nn.categorical_crossentropy(ONE_HOT, PROBS[:3])
    with pytest.raises(ValueError, match="num_classes"):
        ops.nn.multi_hot(LABELS)
    with pytest.raises(ValueError, match="must match for PSNR"):
        ops.nn.psnr(PROBS, PROBS[:2], 1.0)
    with pytest.raises(ValueError, match="multiple of the key heads"):
        ops.nn.dot_product_attention(Q[:, :, :3], K, VAL)
    with pytest.raises(ValueError, match="flash_attention"):
        ops.nn.dot_product_attention(Q, K, VAL, flash_attention=True)
    with pytest.raises(ValueError, match="order"):
        ops.nn.normalize(LOGITS, order=0)
