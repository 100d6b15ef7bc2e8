"""The activations added to ops.nn and activations (celu, glu, sparsemax, ...) against NumPy and keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.reference import activations_extra as ref
from unikeras import activations, ops
from unikeras.variables import Variable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

# name, kwargs: every op is checked against its NumPy reference, keras.ops.nn and keras.activations
CASES = [
    ("celu", {}),
    ("celu", {"alpha": 0.5}),
    ("glu", {}),
    ("glu", {"axis": 0}),
    ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}),
    ("hard_tanh", {}),
    ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 0.2}),
    ("sparse_plus", {}),
    ("sparse_sigmoid", {}),
    ("sparsemax", {}),
    ("sparsemax", {"axis": 0}),
    ("squareplus", {}),
    ("squareplus", {"b": 1}),
    ("tanh_shrink", {}),
    ("threshold", {"threshold": 0.3, "default_value": -2.0}),
]


def _x(rng: np.random.Generator) -> np.ndarray:
    # away from the kinks (|x| = threshold, +-1) so that finite differences are smooth
    x = rng.uniform(-2.5, 2.5, (4, 6))
    for kink in (-1.0, -0.5, -0.3, -0.2, 0.0, 0.2, 0.3, 0.5, 1.0):
        x = np.where(np.abs(x - kink) < 0.02, x + 0.05, x)
    return x.astype("float32")


@pytest.mark.parametrize(("name", "kwargs"), CASES)
def test_forward_matches_numpy_and_keras(backend, rng, name, kwargs):
    x = _x(rng)
    expected = getattr(ref, name)(x.astype("float64"), **kwargs)
    for fn in (getattr(ops, name), getattr(ops.nn, name), getattr(activations, name), activations.get(name)):
        got = ops.convert_to_numpy(fn(ops.convert_to_tensor(x), **kwargs))
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    if name == "sparsemax":
        # keras 3.15's sparsemax sums the running sums of the whole support where the threshold needs
        # only the last one: its rows do not sum to 1 once two or more entries are non-zero. unikeras
        # follows the definition (Martins & Astudillo, 2016); the NumPy reference above checks it.
        return
    keras_out = np.asarray(getattr(keras.ops.nn, name)(x, **kwargs))
    np.testing.assert_allclose(ops.convert_to_numpy(getattr(ops, name)(x, **kwargs)), keras_out, rtol=1e-4, atol=1e-5)


def test_mish_matches_numpy_and_keras(backend, rng):
    x = _x(rng)
    got = ops.convert_to_numpy(activations.mish(ops.convert_to_tensor(x)))
    np.testing.assert_allclose(got, ref.mish(x.astype("float64")), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got, np.asarray(keras.activations.mish(x)), rtol=1e-4, atol=1e-5)
    assert activations.get("mish") is activations.mish
    assert activations.serialize(activations.mish) == "mish"


@pytest.mark.parametrize("name", ["celu", "glu", "soft_shrink", "sparse_plus", "sparsemax", "squareplus", "mish"])
def test_gradients_match_finite_differences(backend, rng, name):
    x = _x(rng)
    weights = rng.standard_normal(ref.glu(x).shape if name == "glu" else x.shape)
    fn = activations.mish if name == "mish" else getattr(ops, name)
    var = Variable(x, name="x")

    def loss():
        return ops.sum(ops.multiply(fn(var.value), ops.convert_to_tensor(weights.astype("float32"))))

    _, (grad,) = ops.value_and_grad(loss, [var])()
    x64 = x.astype("float64")
    numeric = np.zeros_like(x64)
    for i in np.ndindex(x64.shape):
        plus, minus = x64.copy(), x64.copy()
        plus[i] += 1e-6
        minus[i] -= 1e-6
        numeric[i] = ((getattr(ref, name)(plus) - getattr(ref, name)(minus)) * weights).sum() / 2e-6
    np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_sparsemax_rows_lie_on_the_simplex(backend, rng):
    x = rng.standard_normal((5, 7)).astype("float32") * 3
    x[0] = 1.0  # ties everywhere
    out = ops.convert_to_numpy(ops.sparsemax(x))
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)
    assert (out >= 0).all() and (out == 0).any()
    np.testing.assert_allclose(out[0], np.full(7, 1 / 7), rtol=1e-5)


def test_symbolic_inputs_record_a_node(backend):
    import unikeras

    inputs = unikeras.Input((6,))
    outputs = ops.glu(ops.celu(inputs))
    assert outputs.shape == (None, 3)
    model = unikeras.Model(inputs, outputs)
    x = np.linspace(-2, 2, 12).reshape(2, 6).astype("float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(model(x)), ref.glu(ref.celu(x.astype("float64"))), rtol=1e-4, atol=1e-5
    )


def test_bad_arguments_raise_what_keras_raises(backend):
    x = np.ones((2, 5), "float32")
    with pytest.raises(ValueError):
        keras.ops.nn.glu(x)
    with pytest.raises(ValueError, match="axis size must be divisible by 2"):
        ops.glu(x)
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        activations.get("nope")


def test_deserialize_reads_names_keras_dicts_and_custom_objects():
    for name in ("relu", "celu", "sparsemax", "mish"):
        assert activations.deserialize(name) is getattr(activations, name)
        config = keras.activations.serialize(getattr(keras.activations, name))
        assert activations.deserialize(config) is getattr(activations, name)
    keras_dict = {"module": "keras.activations", "class_name": "function", "config": "glu", "registered_name": "glu"}
    assert activations.deserialize(keras_dict) is activations.glu

    def my_act(x):
        return x

    assert activations.deserialize("my_act", custom_objects={"my_act": my_act}) is my_act
    with pytest.raises(ValueError, match="Unknown activation"):
        activations.deserialize("nope")
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.deserialize(3)
