"""The optimizer's learning rate: a schedule evaluated at ``iterations`` inside compiled steps, a
float that can be reassigned between compiled steps, reading it as a float, and its config."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.optimizers.test_reference_rules import problem, run_compiled, run_reference
from tests.reference import optimizers as ref
from unikeras import Variable, layers, optimizers
from unikeras.optimizers import schedules

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

SCHEDULED = [
    ("SGD", {"momentum": 0.9}, "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}),
    ("Adam", {}, "PiecewiseConstantDecay", {"boundaries": [1, 3], "values": [0.05, 0.01, 0.002]}),
    (
        "RMSprop",
        {"weight_decay": 0.1},
        "CosineDecay",
        {"initial_learning_rate": 0.0, "decay_steps": 4, "warmup_target": 0.02, "warmup_steps": 2},
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "schedule_name", "schedule_kwargs"), SCHEDULED, ids=[f"{c[0]}-{c[2]}" for c in SCHEDULED]
)
def test_scheduled_optimizer_matches_numpy_reference(backend, rng, name, kwargs, schedule_name, schedule_kwargs):
    """Update ``t`` (from 0) uses ``schedule(t)``, also for the weight decay; after the steps
    ``learning_rate`` reads ``schedule(steps)``."""
    schedule = getattr(schedules, schedule_name)(**schedule_kwargs)
    optimizer = getattr(optimizers, name)(learning_rate=schedule, **kwargs)
    start, grads = problem(rng, steps=6)
    (got,) = run_compiled(backend, [optimizer], start, grads)
    rate = ref.schedule(schedule_name, **schedule_kwargs)
    want = run_reference(ref.OPTIMIZERS[name](learning_rate=rate, **kwargs), start, grads)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
    assert int(optimizer.iterations.numpy()) == 6
    assert float(optimizer.learning_rate) == pytest.approx(rate(6), rel=1e-5, abs=1e-7)
    # with a schedule there is no learning-rate variable (Keras's list: iteration, then the slots)
    names = [v.name for v in optimizer.variables]
    assert names[0] == "iteration" and "learning_rate" not in names


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_assigned_learning_rate_reaches_the_compiled_step(backend, rng, name):
    """A float assigned between compiled steps (as LearningRateScheduler / ReduceLROnPlateau do)
    is used by the next step: the step reads a variable, not a constant baked into its trace."""
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    optimizer = getattr(optimizers, name)(learning_rate=0.05, **kwargs)
    start, grads = problem(rng, steps=6)
    variables = [Variable(w) for w in start]
    optimizer.build(variables)

    def update(*step_grads):
        optimizer.apply(list(step_grads), variables)
        return optimizer.iterations.value

    step = backend.make_step(update, variables + optimizer.variables, "auto")
    rates = [0.05, 0.05, 0.2, 0.2, 0.01, 0.01]
    for t, step_grads in enumerate(grads):
        if t in (2, 4):
            optimizer.learning_rate = rates[t]
        assert float(optimizer.learning_rate) == pytest.approx(rates[t])
        step(*step_grads)
    want = run_reference(ref.OPTIMIZERS[name](learning_rate=lambda t: rates[t], **kwargs), start, grads)
    for v, w in zip(variables, want):
        np.testing.assert_allclose(v.numpy(), w, rtol=1e-4, atol=1e-5)
    assert optimizer.get_config()["learning_rate"] == pytest.approx(0.01)


def test_fit_with_a_schedule(backend, rng):
    """``fit`` with a scheduled optimizer: the loss falls, each batch advances the schedule, and
    ``learning_rate`` reads the schedule at the number of updates done."""
    x = rng.standard_normal((48, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    schedule = schedules.InverseTimeDecay(0.1, decay_steps=3, decay_rate=0.5)
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=schedule, momentum=0.5), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert int(model.optimizer.iterations.numpy()) == 9
    assert float(model.optimizer.learning_rate) == pytest.approx(0.1 / (1 + 0.5 * 9 / 3), rel=1e-5)


def test_learning_rate_reads_as_float_before_and_after_build(backend):
    optimizer = optimizers.Adam(learning_rate=0.02)
    assert float(optimizer.learning_rate) == pytest.approx(0.02)
    optimizer.learning_rate = 0.03  # before build too
    optimizer.build([Variable(np.zeros(2, "float32"))])
    assert float(optimizer.learning_rate) == pytest.approx(0.03)
    optimizer.learning_rate = np.float32(0.5)  # NumPy scalars and 0-d tensors are accepted
    optimizer.learning_rate = unikeras.ops.convert_to_tensor(np.array(0.25, "float32"))
    assert float(optimizer.learning_rate) == pytest.approx(0.25)
    scheduled = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 1, 0.5))
    assert float(scheduled.learning_rate) == pytest.approx(0.1)  # schedule(0) before the first update


def test_assigning_a_float_to_a_scheduled_optimizer_raises_type_error(backend):
    optimizer = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError, match="created with a LearningRateSchedule.*not settable"):
        optimizer.learning_rate = 0.5
    keras_optimizer = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    with pytest.raises(TypeError):  # Keras does the same
        keras_optimizer.learning_rate = 0.5


def test_schedule_before_build_and_not_after(backend):
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.learning_rate = schedules.ExponentialDecay(0.2, 1, 0.5)
    v = Variable(np.ones(1, "float32"))
    g = unikeras.ops.convert_to_tensor(np.ones(1, "float32"))
    optimizer.apply([g], [v])
    optimizer.apply([g], [v])
    np.testing.assert_allclose(v.numpy(), [1.0 - 0.2 - 0.1], rtol=1e-6)
    with pytest.raises(ValueError, match="cannot become a schedule or callable once the optimizer is built"):
        optimizer.learning_rate = schedules.ExponentialDecay(0.2, 1, 0.5)


def test_callable_learning_rate(backend):
    """As Keras: a callable of no arguments is called at each update for the rate."""
    rate = {"value": 0.5}
    optimizer = optimizers.SGD(learning_rate=lambda: rate["value"])
    v = Variable(np.array([1.0], "float32"))
    g = unikeras.ops.convert_to_tensor(np.array([1.0], "float32"))
    optimizer.apply([g], [v])
    rate["value"] = 0.25
    optimizer.apply([g], [v])
    np.testing.assert_allclose(v.numpy(), [0.25])
    assert float(optimizer.learning_rate) == 0.25
    with pytest.raises(TypeError, match="created with a callable"):
        optimizer.learning_rate = 0.1


def test_config_with_a_schedule_matches_keras_and_round_trips():
    kwargs = {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1, "warmup_target": 0.2, "warmup_steps": 5}
    ours = optimizers.Adam(learning_rate=schedules.CosineDecay(**kwargs), clipnorm=1.0)
    keras.utils.clear_session()  # Keras numbers a second "adam" in one process "adam_1"
    theirs = keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.CosineDecay(**kwargs), clipnorm=1.0)
    config = ours.get_config()
    assert config["learning_rate"] == {
        "class_name": "CosineDecay",
        "config": theirs.get_config()["learning_rate"]["config"],
    }
    assert set(config) <= set(theirs.get_config())
    assert {k: theirs.get_config()[k] for k in config if k != "learning_rate"} == {
        k: v for k, v in config.items() if k != "learning_rate"
    }
    clone = optimizers.Adam.from_config(config)
    assert isinstance(clone._schedule, schedules.CosineDecay) and clone.get_config() == config
    # Keras's own optimizer config (schedule with module/registered_name) loads too
    from_keras = optimizers.Adam.from_config({k: v for k, v in theirs.get_config().items() if k in config})
    assert from_keras.get_config() == config
    # and through optimizers.serialize / deserialize / get
    serialized = optimizers.serialize(ours)
    assert serialized == {"class_name": "Adam", "config": config}
    assert optimizers.get(serialized).get_config() == config


def test_bad_learning_rates_raise():
    with pytest.raises(ValueError, match="SGD: `learning_rate` must be a non-negative float, a LearningRateSchedule"):
        optimizers.SGD(learning_rate="fast")
    with pytest.raises(ValueError, match="`learning_rate` must be a non-negative float.*-0.1"):
        optimizers.Adam().learning_rate = -0.1
    with pytest.raises(ValueError, match="Unknown optimizer 'Adamm'"):
        optimizers.deserialize({"class_name": "Adamm", "config": {}})


def test_scheduled_optimizer_matches_keras(backend, rng):
    """A second oracle: Keras's Adam with the same schedule, eagerly."""
    kwargs = {"boundaries": [1, 3], "values": [0.05, 0.01, 0.002]}
    start, grads = problem(rng, steps=5)
    ours = optimizers.Adam(learning_rate=schedules.PiecewiseConstantDecay(**kwargs))
    theirs = keras.optimizers.Adam(learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay(**kwargs))
    variables = [Variable(w) for w in start]
    k_variables = [keras.Variable(w) for w in start]
    for g in grads:
        ours.apply([unikeras.ops.convert_to_tensor(gi) for gi in g], variables)
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(gi) for gi in g], k_variables))
    for got, want in zip(variables, k_variables):
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-4, atol=1e-6)
