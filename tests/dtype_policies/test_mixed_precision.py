"""Layers under each dtype policy on every backend: weight dtypes, output dtypes, outputs and
gradients against float64 NumPy references, autocasting rules, and a clear error where a backend
cannot run a policy.

Tolerances: outputs are compared in the relative 2-norm, ``|y - y_ref| / |y_ref|``, against ``4 * u``
with ``u`` the unit roundoff of the compute dtype (float16: 2**-11 = 4.9e-4; bfloat16: 2**-8 = 3.9e-3).
Inputs, weights and results are each rounded once to the compute dtype (each a relative error of at
most ``u``), plus what rounding the kernels' accumulation adds; measured, the error is at most 1.4u on
every backend. ``4u`` leaves room for that and still fails a computation in a coarser dtype (bfloat16
in place of float16 is 8 float16 units). float64 is checked to 1e-12, which float32 arithmetic
(2**-24 = 6e-8) cannot meet.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import unikeras
from tests.reference import conv as conv_ref
from unikeras import config, layers, ops
from unikeras.variables import AutocastScope, autocast_scope

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

ROUNDOFF = {"float16": 2.0**-11, "bfloat16": 2.0**-8, "float64": 2.0**-53}
POLICIES = ["mixed_float16", "mixed_bfloat16", "float16", "bfloat16", "float64"]
# (backend, policy) pairs that cannot run, and the error's cause: MXNet has no bfloat16 dtype; the
# torch adapter cannot create bfloat16 variables yet (mixed_bfloat16, whose variables are float32, runs).
UNSUPPORTED = {
    ("mxnet", "mixed_bfloat16"): "compute dtype bfloat16",
    ("mxnet", "bfloat16"): "compute dtype bfloat16",
}


def _relative_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.linalg.norm(got.astype(np.float64) - want) / np.linalg.norm(want))


def _to_numpy(backend, x) -> np.ndarray:
    return backend.to_numpy(backend.cast(x, "float64"))


def _model() -> unikeras.Model:
    """Conv2D -> Flatten -> Dense, as a functional model whose symbolic tensors carry dtypes."""
    inputs = unikeras.Input((6, 6, 3))
    hidden = layers.Conv2D(4, 3, bias_initializer="glorot_uniform", name="conv")(inputs)
    outputs = layers.Dense(5, bias_initializer="glorot_uniform", name="dense")(layers.Flatten()(hidden))
    return unikeras.Model(inputs, outputs)


def _reference(model: unikeras.Model, x: np.ndarray) -> np.ndarray:
    """The model's output in float64 from its (float32 or wider) weights."""
    kc, bc, kd, bd = (w.astype(np.float64) for w in model.get_weights())
    hidden = conv_ref.conv(x.astype(np.float64), kc, (1, 1), "valid", "channels_last") + bc
    return hidden.reshape(len(x), -1) @ kd + bd


@pytest.mark.parametrize("policy", POLICIES)
def test_conv_dense_model_under_each_policy(backend, policy, rng):
    """Built under the global policy: weights in the variable dtype, every output in the compute
    dtype, eagerly and in the compiled predict step, close to the float64 computation."""
    config.set_dtype_policy(policy)
    x = rng.standard_normal((4, 6, 6, 3)).astype("float32")
    if (backend.name, policy) in UNSUPPORTED:
        cause = UNSUPPORTED[backend.name, policy]
        expected = f"Conv2D '.*': backend '{backend.name}' cannot run dtype policy '{policy}' \\({cause}\\)"
        with pytest.raises(ValueError, match=expected):
            _model()
        with pytest.raises(ValueError, match=expected):
            layers.Conv2D(2, 3)(x)
        return
    model = _model()
    conv, dense = model.get_layer("conv"), model.get_layer("dense")
    compute, variable = conv.compute_dtype, conv.variable_dtype
    assert [w.dtype for w in model.weights] == [variable] * 4
    hidden = conv(x)
    assert backend.dtype_name(hidden) == compute and backend.dtype_name(dense(layers.Flatten()(hidden))) == compute
    assert model.outputs[0].dtype == compute
    want = _reference(model, x)
    tolerance = 1e-12 if compute == "float64" else 4 * ROUNDOFF[compute]
    eager = model(x)
    assert backend.dtype_name(eager) == compute
    assert _relative_error(_to_numpy(backend, eager), want) < tolerance
    compiled = model.predict(x, verbose=0)
    assert _relative_error(np.asarray(compiled, np.float64), want) < tolerance


def test_gradients_under_mixed_float16_come_back_in_float32(backend, rng):
    """``sum(dense(x) * r)``: the kernel's gradient is ``x.T @ r``, the bias's ``sum(r, 0)``, computed
    by the float16 backward pass and returned in the weights' dtype, float32."""
    dense = layers.Dense(6, dtype="mixed_float16")
    x = rng.standard_normal((8, 5)).astype("float32")
    r = rng.standard_normal((8, 6)).astype("float32")
    dense.build((8, 5))

    def loss():
        y = dense(x)
        assert backend.dtype_name(y) == "float16"
        return ops.sum(ops.multiply(ops.cast(y, "float32"), r))

    _, grads = ops.value_and_grad(loss, dense.trainable_weights)()
    assert [backend.dtype_name(g) for g in grads] == ["float32", "float32"]
    want_kernel = x.astype(np.float64).T @ r.astype(np.float64)
    assert _relative_error(backend.to_numpy(grads[0]), want_kernel) < 4 * ROUNDOFF["float16"]
    assert _relative_error(backend.to_numpy(grads[1]), r.astype(np.float64).sum(0)) < 4 * ROUNDOFF["float16"]


class _Probe(layers.Layer):
    """Records the dtypes its call sees: its inputs and its two weights' values."""

    def build(self, input_shape):
        self.cast_weight = self.add_weight((2,), "ones", name="cast_weight")
        self.kept_weight = self.add_weight((2,), "ones", name="kept_weight", autocast=False)
        self.counter = self.add_weight((), "zeros", dtype="int32", trainable=False, name="counter")

    def call(self, inputs, extra=None):
        b = unikeras.backends.current()
        self.seen = [b.dtype_name(t) for t in (inputs, self.cast_weight.value, self.kept_weight.value)]
        self.seen.append(b.dtype_name(self.counter.value))
        if extra is not None:
            self.seen.append(b.dtype_name(extra))
        return inputs


def test_autocast_casts_floating_inputs_and_weights_inside_call(backend):
    probe = _Probe(dtype="mixed_float16")
    out = probe(np.ones((3, 2), "float64"), extra=backend.convert_to_tensor(np.ones(2, "float32")))
    assert probe.seen == ["float16", "float16", "float32", "int32", "float16"]
    assert backend.dtype_name(out) == "float16"
    probe(backend.convert_to_tensor(np.ones((3, 2), "int32")))
    assert probe.seen[0] == "int32"  # integer inputs are left alone
    # outside call the weights read in their own dtype
    assert backend.dtype_name(probe.cast_weight.value) == "float32" and autocast_scope() is None
    assert probe.get_weights()[0].dtype == np.float32
    # autocast=False: inputs and weights keep their dtypes
    plain = _Probe(dtype="mixed_float16", autocast=False)
    plain(np.ones((3, 2), "float32"))
    assert plain.seen == ["float32", "float32", "float32", "int32"]
    with AutocastScope("float16"):  # as inside a mixed model: the layer turns autocasting off
        plain(np.ones((3, 2), "float32"))
        assert backend.dtype_name(probe.cast_weight.value) == "float16"
    assert plain.seen == ["float32", "float32", "float32", "int32"]
    with pytest.raises(ValueError, match="AutocastScope: the dtype must be a float dtype or None, received 'int32'"):
        AutocastScope("int32")
    # a float32 policy casts float64 inputs to float32, as Keras does
    f32 = _Probe()
    f32(backend.convert_to_tensor(np.ones((3, 2), "float64")))
    assert f32.seen[:3] == ["float32", "float32", "float32"]


def test_float32_layers_inside_a_mixed_model(backend, rng):
    """Keras's advice for mixed precision: the last layers in float32. A float32 layer inside a
    mixed_float16 model computes in float32 from its float16 input (its weights are not cast)."""
    config.set_dtype_policy("mixed_float16")
    inputs = unikeras.Input((4,))
    first, second = layers.Dense(3), layers.Dense(3, dtype="float32")
    a = first(inputs)
    b = second(a)
    outputs = layers.Activation("softmax", dtype="float32")(b)
    model = unikeras.Model(inputs, outputs)
    assert [t.dtype for t in (a, b, outputs)] == ["float16", "float32", "float32"]
    x = rng.standard_normal((5, 4)).astype("float32")
    hidden = first(x)
    assert backend.dtype_name(hidden) == "float16"
    k, bias = second.get_weights()
    want = _to_numpy(backend, hidden) @ k.astype(np.float64) + bias
    got = second(hidden)
    assert backend.dtype_name(got) == "float32"
    np.testing.assert_allclose(backend.to_numpy(got), want, rtol=1e-5, atol=1e-6)
    probs = model(x)
    assert backend.dtype_name(probs) == "float32"
    np.testing.assert_allclose(backend.to_numpy(probs).sum(-1), np.ones(5), rtol=1e-6)


class _Standardize(layers.Layer):
    """``x / sqrt(var(x))`` over the last axis: its intermediate overflows float16 for ``|x| > 256``."""

    def call(self, inputs):
        return ops.divide(inputs, ops.sqrt(ops.var(inputs, axis=-1, keepdims=True)))


class _Float32Standardize(_Standardize):
    _computes_in_float32 = True  # as Keras's normalization layers do


def test_layers_that_compute_in_float32_avoid_float16_overflow(backend, rng):
    x = (400.0 * rng.standard_normal((3, 8))).astype("float32")
    want = x.astype(np.float64) / x.astype(np.float64).std(-1, keepdims=True)
    naive = _to_numpy(backend, _Standardize(dtype="mixed_float16")(x))
    assert not np.allclose(naive, want, rtol=0.1)  # the variance overflowed to inf in float16
    out = _Float32Standardize(dtype="mixed_float16")(x)
    assert backend.dtype_name(out) == "float16"
    assert _relative_error(_to_numpy(backend, out), want) < 4 * ROUNDOFF["float16"]
    assert backend.dtype_name(_Float32Standardize(dtype="float64")(x)) == "float64"


def test_symbolic_output_dtypes_match_keras(backend):
    def dtypes(module, inputs):
        a = module.layers.Dense(3, dtype="mixed_float16")(inputs)
        b = module.layers.Dense(3, dtype="float16")(a)
        c = module.layers.Activation("softmax", dtype="float32")(b)
        d = module.layers.Dense(2, dtype="float64")(c)
        return [str(t.dtype) for t in (inputs, a, b, c, d)]

    assert dtypes(unikeras, unikeras.Input((4,))) == dtypes(keras, keras.Input((4,)))


def test_unsupported_policy_error_names_layer_backend_and_policy(backend):
    if backend.name != "mxnet":
        layers.Dense(2, dtype="mixed_bfloat16")(np.ones((1, 3), "float32"))  # runs
        return
    layer = layers.Dense(2, dtype="mixed_bfloat16", name="bf16_dense")
    message = "Dense 'bf16_dense': backend 'mxnet' cannot run dtype policy 'mixed_bfloat16' (compute dtype bfloat16)"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer(np.ones((1, 3), "float32"))
    assert not layer.built and layer.weights == []


def test_assigning_a_compute_dtype_value_keeps_the_variable_dtype(backend):
    """A float16 value assigned to a float32 variable (state updated inside a mixed-precision call)
    is stored in float32, eagerly and inside the backend's compiled step."""
    v = unikeras.Variable(np.ones(2, "float32"))

    def update(x):
        v.assign(ops.cast(ops.add(v.value, x), "float16"))
        return v.value

    step = backend.make_step(update, [v])
    for _ in range(2):
        out = step(backend.convert_to_tensor(np.array([0.5, 1.0], "float32")))
        assert backend.dtype_name(out) == "float32" and v.numpy().dtype == np.float32
    update(backend.convert_to_tensor(np.array([0.5, 1.0], "float32")))
    np.testing.assert_array_equal(v.numpy(), [2.5, 4.0])
