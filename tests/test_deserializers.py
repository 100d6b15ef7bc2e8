"""constraints.deserialize, regularizers.deserialize and OrthogonalRegularizer against NumPy and keras."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import activations_extra as ref
from unikeras import constraints, layers, ops, regularizers
from unikeras.variables import Variable

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_numpy_and_keras(backend, rng, mode):
    w = rng.standard_normal((4, 6)).astype("float32")
    reg = regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    got = float(ops.convert_to_numpy(reg(ops.convert_to_tensor(w))))
    np.testing.assert_allclose(got, ref.orthogonal_penalty(w.astype("float64"), 0.3, mode), rtol=1e-4)
    keras_reg = keras.regularizers.OrthogonalRegularizer(factor=0.3, mode=mode)
    np.testing.assert_allclose(got, float(keras_reg(keras.ops.convert_to_tensor(w))), rtol=1e-4, atol=1e-6)
    assert reg.get_config() == pytest.approx(keras_reg.get_config())  # keras keeps factor in float32


def test_orthogonal_regularizer_gradient_matches_finite_differences(backend, rng):
    w = rng.standard_normal((3, 5)).astype("float32")
    var = Variable(w, name="w")
    reg = regularizers.orthogonal_regularizer(factor=1.0, mode="columns")
    _, (grad,) = ops.value_and_grad(lambda: reg(var.value), [var])()
    w64 = w.astype("float64")
    numeric = np.zeros_like(w64)
    for i in np.ndindex(w64.shape):
        plus, minus = w64.copy(), w64.copy()
        plus[i] += 1e-6
        minus[i] -= 1e-6
        numeric[i] = (
            ref.orthogonal_penalty(plus, 1.0, "columns") - ref.orthogonal_penalty(minus, 1.0, "columns")
        ) / 2e-6
    np.testing.assert_allclose(ops.convert_to_numpy(grad), numeric, rtol=1e-3, atol=1e-5)


def test_orthogonal_regularizer_on_a_dense_kernel_trains_and_round_trips(backend, rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = rng.standard_normal((32, 3)).astype("float32")
    dense = layers.Dense(3, kernel_regularizer=regularizers.OrthogonalRegularizer(0.5, mode="columns"))
    model = unikeras.Sequential([unikeras.Input((4,)), dense])
    expected = ref.orthogonal_penalty(model.get_weights()[0].astype("float64"), 0.5, "columns")
    np.testing.assert_allclose(float(ops.convert_to_numpy(model.losses[0])), expected, rtol=1e-4)
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    clone = layers.Dense.from_config(dense.get_config())
    assert isinstance(clone.kernel_regularizer, regularizers.OrthogonalRegularizer)
    assert clone.kernel_regularizer.get_config() == {"factor": 0.5, "mode": "columns"}


def test_orthogonal_regularizer_rejects_what_keras_rejects():
    for kwargs in ({"factor": -1.0}, {"factor": float("nan")}, {"factor": "big"}, {"mode": "diagonal"}):
        with pytest.raises(ValueError):
            keras.regularizers.OrthogonalRegularizer(**kwargs)
        with pytest.raises(ValueError, match="Invalid value for argument"):
            regularizers.OrthogonalRegularizer(**kwargs)
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), "float32"))


def test_deserialize_reads_keras_configs():
    pairs = [
        (keras.constraints.MaxNorm(3.0, axis=1), constraints.MaxNorm, constraints.deserialize),
        (keras.constraints.UnitNorm(axis=0), constraints.UnitNorm, constraints.deserialize),
        (keras.constraints.NonNeg(), constraints.NonNeg, constraints.deserialize),
        (keras.regularizers.L1L2(0.1, 0.2), regularizers.L1L2, regularizers.deserialize),
        (keras.regularizers.OrthogonalRegularizer(0.2, "columns"), regularizers.OrthogonalRegularizer, None),
    ]
    for keras_obj, cls, deserialize in pairs:
        deserialize = deserialize or regularizers.deserialize
        config = (keras.constraints if "constraints" in type(keras_obj).__module__ else keras.regularizers).serialize(
            keras_obj
        )
        obj = deserialize(config)
        assert type(obj) is cls
        assert obj.get_config() == pytest.approx(keras_obj.get_config())
        assert type(deserialize(cls.__name__)) is cls or cls is regularizers.OrthogonalRegularizer
    assert type(constraints.deserialize("max_norm")) is constraints.MaxNorm
    assert regularizers.deserialize("l2").get_config() == keras.regularizers.deserialize("l2").get_config()
    assert type(regularizers.deserialize("orthogonal_regularizer")) is regularizers.OrthogonalRegularizer
    # round trip through unikeras's own serialize
    reg = regularizers.L1(0.3)
    assert regularizers.deserialize(regularizers.serialize(reg)).get_config() == {"l1": 0.3}


def test_deserialize_uses_custom_objects_and_rejects_unknown_names():
    class Clip(constraints.Constraint):
        def __init__(self, limit: float = 1.0) -> None:
            self.limit = limit

        def get_config(self) -> dict:
            return {"limit": self.limit}

    obj = constraints.deserialize({"class_name": "Clip", "config": {"limit": 2.0}}, custom_objects={"Clip": Clip})
    assert isinstance(obj, Clip) and obj.limit == 2.0
    assert isinstance(constraints.deserialize("Clip", custom_objects={"Clip": Clip}), Clip)
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.deserialize("nope")
    with pytest.raises(ValueError, match="Unknown constraint class 'Nope'"):
        constraints.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="Unknown regularizer class 'Nope'"):
        regularizers.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret"):
        regularizers.deserialize(5)
