"""Learning-rate schedules against their NumPy closed forms (tests/reference/optimizers.py) and
against Keras 3's schedules, on every backend, eagerly and inside a compiled step."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

from tests.reference import optimizers as ref
from unikeras.optimizers import schedules

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

STEPS = np.arange(0, 48)

CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.8}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.5, "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [3, 10, 20], "values": [0.1, 0.05, 0.02, 0.001]}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 20}),
    (
        "PolynomialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 7, "end_learning_rate": 0.01, "power": 0.5, "cycle": True},
    ),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5, "staircase": True}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "alpha": 0.1}),
    (
        "CosineDecay",
        {"initial_learning_rate": 0.0, "decay_steps": 20, "alpha": 0.05, "warmup_target": 0.1, "warmup_steps": 8},
    ),
    ("CosineDecay", {"initial_learning_rate": 0.05, "decay_steps": 20, "warmup_target": 0.1}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 5}),
    (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 7, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1},
    ),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 1.5, "m_mul": 0.8}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


@functools.cache
def keras_rates(index: int) -> np.ndarray:
    """Keras's schedule at STEPS (computed once for all backends)."""
    name, kwargs = CASES[index]
    schedule = getattr(keras.optimizers.schedules, name)(**kwargs)
    if kwargs.get("warmup_target") is not None:  # Keras's warmup takes a scalar step (ops.cond)
        return np.array([float(schedule(int(step))) for step in STEPS])
    return np.asarray(schedule(STEPS.astype("int32")))


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_schedule_matches_closed_form_and_keras(backend, index):
    name, kwargs = CASES[index]
    schedule = getattr(schedules, name)(**kwargs)
    reference = ref.schedule(name, **kwargs)
    want = np.array([reference(int(step)) for step in STEPS])
    assert np.ptp(want) > 0.01  # the steps cover a real change of the rate
    # elementwise over a vector of steps, inside the backend's compiled step (no Python branching on values)
    compiled = backend.make_step(schedule, [], "auto")
    got = backend.to_numpy(compiled(STEPS.astype("int64")))
    assert got.dtype == np.float32 and got.shape == STEPS.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(got, keras_rates(index), rtol=1e-4, atol=1e-7)
    # a Python int step, eagerly
    assert float(schedule(7)) == pytest.approx(reference(7), rel=1e-4, abs=1e-7)


def test_schedule_reads_a_variable_step_in_a_compiled_step(backend):
    """The way an optimizer calls it: ``schedule(iterations)`` with the step an int64 Variable that
    the compiled step increments; every call sees the new step."""
    from unikeras import Variable

    schedule = schedules.CosineDecay(0.02, 6, alpha=0.1, warmup_target=0.1, warmup_steps=3)
    iterations = Variable(np.array(0, "int64"), dtype="int64", trainable=False, name="iteration")

    def step():
        rate = schedule(iterations)
        iterations.assign_add(1)
        return rate

    compiled = backend.make_step(step, [iterations], "auto")
    got = [float(backend.to_numpy(compiled())) for _ in range(12)]
    reference = ref.schedule("CosineDecay", **schedule.get_config())
    np.testing.assert_allclose(got, [reference(t) for t in range(12)], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_config_round_trip_and_keras_config(index):
    name, kwargs = CASES[index]
    schedule = getattr(schedules, name)(**kwargs)
    config = schedule.get_config()
    assert config == getattr(keras.optimizers.schedules, name)(**kwargs).get_config()
    clone = type(schedule).from_config(config)
    assert type(clone) is type(schedule) and clone.get_config() == config
    serialized = schedules.serialize(schedule)
    assert serialized == {"class_name": name, "config": config}
    assert schedules.deserialize(serialized).get_config() == config
    # Keras's serialized form (with its module and registered_name keys) loads too
    keras_form = keras.optimizers.schedules.serialize(getattr(keras.optimizers.schedules, name)(**kwargs))
    assert schedules.deserialize(keras_form).get_config() == config


def test_user_schedule_serializes_with_custom_objects(backend):
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            from unikeras import ops

            return ops.divide(self.rate, ops.power(2.0, ops.cast(step, "float32")))

        def get_config(self):
            return {"rate": self.rate}

    serialized = schedules.serialize(Halving(0.4))
    with pytest.raises(ValueError, match="unknown schedule 'Halving'.*custom_objects"):
        schedules.deserialize(serialized)
    restored = schedules.deserialize(serialized, custom_objects={"Halving": Halving})
    assert float(restored(2)) == pytest.approx(0.1)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"ExponentialDecay: `decay_steps` must be > 0, received decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match=r"PolynomialDecay: `decay_steps` must be > 0, received decay_steps=-3"):
        schedules.PolynomialDecay(0.1, -3)
    with pytest.raises(ValueError, match=r"InverseTimeDecay: `decay_steps` must be > 0"):
        schedules.InverseTimeDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match=r"CosineDecay: `decay_steps` must be > 0"):
        schedules.CosineDecay(0.1, 0)
    with pytest.raises(ValueError, match=r"CosineDecay: `warmup_steps` must be >= 0, received warmup_steps=-1"):
        schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1)
    with pytest.raises(ValueError, match=r"CosineDecayRestarts: `first_decay_steps` must be > 0"):
        schedules.CosineDecayRestarts(0.1, 0)
    with pytest.raises(ValueError, match=r"boundaries.*1 less than.*values.*length 2.*length 2"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.01])
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="must override `get_config"):
        schedules.LearningRateSchedule().get_config()
    with pytest.raises(TypeError, match="expected a LearningRateSchedule, received float"):
        schedules.serialize(0.1)
    with pytest.raises(ValueError, match="unknown schedule 'StepDecay'"):
        schedules.deserialize({"class_name": "StepDecay", "config": {}})
    with pytest.raises(ValueError, match="expected a dict with a 'class_name' key"):
        schedules.deserialize("ExponentialDecay")
