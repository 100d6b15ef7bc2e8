"""MultiOptimizer and OptimizerMap: routing by variable name (unikeras variables have no paths),
updates equal to each sub-optimizer's own, Keras parity, config round trip, save/load and fit."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from tests.optimizers import composed_check as check
from unikeras import layers, optimizers


def _multi():
    return optimizers.MultiOptimizer(
        optimizers.OptimizerMap(
            optimizers.SGD(0.1), {"kernel": optimizers.Adam(0.01), ".*_kernel": optimizers.Lion(0.01)}
        )
    )


def test_multi_optimizer_routes_variables_and_matches_keras(backend):
    optimizer = _multi()
    got = check.run_unikeras(optimizer)
    start, grads = check.problem()
    for name, sub, index in (("Adam", {"learning_rate": 0.01}, 0), ("Lion", {"learning_rate": 0.01}, 1)):
        alone = [check.Variable(start[index].copy())]
        sub_optimizer = getattr(optimizers, name)(**sub)
        for g in grads:
            sub_optimizer.apply([g[index]], alone)
        np.testing.assert_allclose(got[index], alone[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[2], start[2] - 0.1 * sum(g[2] for g in grads), rtol=1e-5, atol=1e-6)
    assert int(optimizer.iterations.numpy()) == 3 and [int(o.iterations.numpy()) for o in optimizer.optimizers] == [
        3,
        3,
        3,
    ]
    keras_map = check.keras.optimizers.OptimizerMap(
        check.keras.optimizers.SGD(0.1),
        {"kernel": check.keras.optimizers.Adam(0.01), ".*_kernel": check.keras.optimizers.Lion(0.01)},
    )
    keras_optimizer = check.keras.optimizers.MultiOptimizer(keras_map)
    keras_variables = [check.keras.Variable(w, name=n) for w, n in zip(start, check.NAMES)]
    for g in grads:
        keras_optimizer.apply_gradients(zip([check.keras.ops.convert_to_tensor(x) for x in g], keras_variables))
    check.assert_weights_close(got, [np.asarray(v) for v in keras_variables])


def test_optimizer_map_lookup_and_errors(backend):
    adam, sgd = optimizers.Adam(), optimizers.SGD()
    mapping = optimizers.OptimizerMap(optimizers.RMSprop(), {"encoder/.*": sgd})
    mapping["encoder/dense"] = adam
    assert mapping["encoder/dense"] is adam and mapping["encoder/conv"] is sgd
    assert mapping["decoder"] is mapping.default_optimizer and len(mapping) == 2
    with pytest.raises(ValueError, match="already exists"):
        mapping["encoder/dense"] = sgd
    mapping["encoder/c.*"] = sgd
    with pytest.raises(ValueError, match="Multiple optimizers"):
        mapping["encoder/conv"]
    with pytest.raises(TypeError, match="default_optimizer"):
        optimizers.OptimizerMap("adam")
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(adam))
    with pytest.raises(AttributeError, match="sub-optimizers"):
        multi.learning_rate  # noqa: B018
    nested = optimizers.MultiOptimizer(lambda v: optimizers.LossScaleOptimizer(optimizers.SGD()))
    with pytest.raises(ValueError, match="LossScaleOptimizer cannot be used inside"):
        nested.build([check.Variable(np.zeros(2, "float32"))])


def test_multi_optimizer_config_save_and_fit(backend, tmp_path):
    optimizer = _multi()
    config = optimizer.get_config()
    again = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(again) is optimizers.MultiOptimizer and again.get_config() == config
    check.assert_slots_survive_save_and_load(_multi(), tmp_path)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype("float32")
    y = x @ rng.standard_normal((3, 1)).astype("float32")
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    model.compile(
        optimizer=optimizers.MultiOptimizer(
            optimizers.OptimizerMap(optimizers.SGD(0.1), {"kernel": optimizers.Adam(0.05)})
        ),
        loss="mse",
    )
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_legacy_optimizers_raise_import_error():
    """keras.optimizers.legacy holds names that only raise, as in Keras 3."""
    for name in ("Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"):
        with pytest.raises(ImportError, match=f"legacy.{name}.*not supported"):
            getattr(optimizers.legacy, name)(learning_rate=0.1)
