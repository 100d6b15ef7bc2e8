"""Weight constraints: projections against NumPy, applied after every optimizer update, and
serialized with the layers that use them."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import constraints, layers, ops

EPS = 1e-7


def _np_max_norm(w, max_value, axis):
    norms = np.sqrt((w**2).sum(axis=axis, keepdims=True))
    return w * np.clip(norms, 0, max_value) / (norms + EPS)


def _np_unit_norm(w, axis):
    return w / (np.sqrt((w**2).sum(axis=axis, keepdims=True)) + EPS)


def _np_min_max_norm(w, low, high, rate, axis):
    norms = np.sqrt((w**2).sum(axis=axis, keepdims=True))
    desired = rate * np.clip(norms, low, high) + (1 - rate) * norms
    return w * desired / (norms + EPS)


@pytest.mark.parametrize(
    "constraint,expected",
    [
        (constraints.MaxNorm(1.5), lambda w: _np_max_norm(w, 1.5, 0)),
        (constraints.MaxNorm(0.5, axis=[0, 1]), lambda w: _np_max_norm(w, 0.5, (0, 1))),
        (constraints.get("max_norm"), lambda w: _np_max_norm(w, 2.0, 0)),
        (constraints.NonNeg(), lambda w: np.maximum(w, 0)),
        (constraints.UnitNorm(axis=-1), lambda w: _np_unit_norm(w, -1)),
        (constraints.MinMaxNorm(0.5, 1.0, rate=0.7), lambda w: _np_min_max_norm(w, 0.5, 1.0, 0.7, 0)),
    ],
    ids=["max_norm", "max_norm_axes", "max_norm_by_name", "non_neg", "unit_norm", "min_max_norm"],
)
def test_projection_matches_numpy(backend, rng, constraint, expected):
    w = (rng.standard_normal((3, 4, 2)) * 2).astype("float32")
    got = ops.convert_to_numpy(constraint(ops.convert_to_tensor(w)))
    np.testing.assert_allclose(got, expected(w.astype("float64")), rtol=1e-5, atol=1e-6)


def test_optimizer_applies_constraints_after_each_update(backend, rng):
    x = rng.standard_normal((32, 4)).astype("float32")
    y = x @ np.full((4, 3), 5.0, dtype="float32")  # the unconstrained optimum has column norms 10
    model = unikeras.Sequential(
        [unikeras.Input((4,)), layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg())]
    )
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    kernel, bias = model.get_weights()
    column_norms = np.sqrt((kernel**2).sum(axis=0))
    np.testing.assert_allclose(column_norms, 2.0, rtol=1e-4)  # pushed to the bound and held there
    assert (bias >= 0).all()


def test_custom_loop_with_apply_gradients_projects_too(backend):
    layer = layers.Dense(2, kernel_initializer="ones", kernel_constraint=constraints.UnitNorm(axis=0))
    layer(np.ones((1, 3), "float32"))
    optimizer = unikeras.optimizers.SGD(0.5)
    grads = [ops.convert_to_tensor(np.full(w.shape, -1.0, "float32")) for w in layer.get_weights()]
    optimizer.apply_gradients(zip(grads, layer.trainable_weights))
    kernel = layer.get_weights()[0]
    np.testing.assert_allclose(np.sqrt((kernel**2).sum(axis=0)), 1.0, rtol=1e-5)


def test_dense_config_round_trips_constraints(backend):
    layer = layers.Dense(3, kernel_constraint=constraints.MaxNorm(3.0, axis=1), bias_constraint="non_neg")
    config = layer.get_config()
    assert config["kernel_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 1}}
    clone = layers.Dense.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.bias_constraint, constraints.NonNeg)


def test_unknown_constraint_names_the_known_ones():
    with pytest.raises(ValueError, match="Unknown constraint 'max'.*max_norm"):
        constraints.get("max")
    with pytest.raises(ValueError, match="Cannot interpret constraint 3"):
        constraints.get(3)
