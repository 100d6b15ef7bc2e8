"""remat: same values and gradients as the plain function on every backend; recomputation on torch;
RematScope's settings."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


def test_remat_keeps_values_and_gradients(backend):
    dense = layers.Dense(3, activation="tanh")
    x = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    dense.build((4, 2))
    calls = []

    def block(t):
        calls.append(1)
        return ops.multiply(dense(t), dense(t))

    def loss(fn):
        return lambda: ops.sum(fn(ops.convert_to_tensor(x)))

    plain_value, plain_grads = ops.value_and_grad(loss(block), dense.trainable_weights)()
    calls.clear()
    value, grads = ops.value_and_grad(loss(unikeras.remat(block)), dense.trainable_weights)()
    np.testing.assert_allclose(ops.convert_to_numpy(value), ops.convert_to_numpy(plain_value), rtol=1e-5)
    for g, p in zip(grads, plain_grads, strict=True):
        np.testing.assert_allclose(ops.convert_to_numpy(g), ops.convert_to_numpy(p), rtol=1e-5, atol=1e-6)
    if backend.name == "torch":
        assert len(calls) == 2  # run forward, then again for the backward pass
    symbolic = unikeras.remat(lambda t: layers.Dense(2)(t))(unikeras.Input((2,)))
    assert symbolic.shape == (None, 2)


def test_remat_scope_settings():
    from unikeras.rematerialization import get_current_remat_mode

    assert get_current_remat_mode() is None
    with unikeras.RematScope("larger_than", output_size_threshold=10) as outer:
        assert get_current_remat_mode() is outer and outer.output_size_threshold == 10
        with unikeras.RematScope(None):
            assert get_current_remat_mode() is None
        assert get_current_remat_mode() is outer
    with pytest.raises(ValueError, match="mode"):
        unikeras.RematScope("some")
    with pytest.raises(ValueError, match="layer_names"):
        unikeras.RematScope("list_of_layers")
