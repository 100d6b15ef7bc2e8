"""The fused cross-entropy primitive against NumPy, and each override against the composed default."""

from __future__ import annotations

import numpy as np

from tests.reference import numpy_ops as ref
from unikeras.backends.base import Backend


def test_sparse_softmax_cross_entropy_matches_numpy_and_the_composed_rule(backend, rng):
    logits = (rng.standard_normal((3, 5, 7)) * 4).astype("float32")
    labels = rng.integers(0, 7, (3, 5)).astype("int32")
    expected = -np.take_along_axis(ref.log_softmax(logits.astype("float64")), labels[..., None], -1)[..., 0]
    t_logits, t_labels = backend.convert_to_tensor(logits), backend.convert_to_tensor(labels)
    fused = backend.to_numpy(backend.sparse_softmax_cross_entropy(t_labels, t_logits))
    composed = backend.to_numpy(Backend.sparse_softmax_cross_entropy(backend, t_labels, t_logits))
    assert (
        fused.shape == (3, 5)
        and backend.dtype_name(backend.sparse_softmax_cross_entropy(t_labels, t_logits)) == "float32"
    )
    np.testing.assert_allclose(fused, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused, composed, rtol=1e-5, atol=1e-6)


def test_sparse_softmax_cross_entropy_gradient(backend, rng):
    import unikeras

    logits = unikeras.Variable(rng.standard_normal((4, 3)).astype("float32"))
    labels = backend.convert_to_tensor(np.array([0, 2, 1, 2], dtype="int32"))
    _, (grad,) = backend.value_and_grad(
        lambda: backend.sum(backend.sparse_softmax_cross_entropy(labels, logits.value)), [logits]
    )()
    expected = ref.softmax(logits.numpy().astype("float64")) - np.eye(3)[[0, 2, 1, 2]]
    np.testing.assert_allclose(backend.to_numpy(grad), expected, rtol=1e-5, atol=1e-6)
