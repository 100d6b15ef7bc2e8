"""jit_compile="auto" tiering: the choice between two step forms, on a simulated clock, and on TensorFlow's XLA."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras.backends import step_tiering
from unikeras.backends.step_tiering import TieredStep


class Clock:
    """A ``perf_counter`` that only moves when a fake step says how long it took."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(step_tiering.time, "perf_counter", fake)
    return fake


def form(clock: Clock, name: str, seconds: float, log: list, first_call_s: float | None = None):
    """A step form that takes ``seconds`` (``first_call_s`` on its first call) and records each call."""
    calls = []

    def run(i: int) -> tuple[str, int]:
        clock.now += first_call_s if first_call_s is not None and not calls else seconds
        calls.append(i)
        log.append((name, i))
        return name, i

    return run


def drive(step: TieredStep, n: int) -> list:
    return [step(i) for i in range(n)]


def test_switches_to_the_faster_second_form_after_the_budget(clock: Clock) -> None:
    log: list = []
    first = form(clock, "graph", 0.125, log, first_call_s=1.0)  # budget: 5 x 1.0 s = 40 steps of 0.125 s
    second = form(clock, "xla", 0.0625, log, first_call_s=3.0)
    step = TieredStep(first, lambda: second, probe_steps=4)
    outputs = drive(step, 100)
    assert outputs == [log_entry for log_entry in log]  # every call ran exactly once, in order
    assert [i for _, i in log] == list(range(100))
    # 1 tracing call + 40 calls to fill the 5 s budget, then the compiling call and 4 probes on xla
    assert [name for name, _ in log[:41]] == ["graph"] * 41
    assert step.choice == "second"
    assert all(name == "xla" for name, _ in log[41:])


def test_keeps_the_first_form_when_the_second_is_slower(clock: Clock) -> None:
    log: list = []
    step = TieredStep(form(clock, "graph", 0.125, log), lambda: form(clock, "xla", 0.25, log), probe_steps=4)
    drive(step, 80)
    assert step.choice == "first"
    names = [name for name, _ in log]
    assert names.count("xla") == 5  # the compiling call and 4 timed ones
    assert names[-10:] == ["graph"] * 10
    assert [i for _, i in log] == list(range(80))


def test_short_runs_never_build_the_second_form(clock: Clock) -> None:
    built = []
    step = TieredStep(form(clock, "graph", 0.125, []), lambda: built.append(1), probe_steps=4)
    drive(step, 16)  # 15 x 0.125 s of steps after the first call < PROMOTE_MIN_S
    assert step.promote_after_s == step_tiering.PROMOTE_MIN_S
    assert built == [] and step.chosen is None


def test_a_second_form_that_cannot_be_built_keeps_the_first_with_a_warning(clock: Clock) -> None:
    log: list = []

    def make_second():
        raise RuntimeError("no compiler here")

    step = TieredStep(form(clock, "graph", 0.5, log), make_second, probe_steps=2)
    with pytest.warns(RuntimeWarning, match="no compiler here"):
        drive(step, 12)
    assert step.choice == "first" and [i for _, i in log] == list(range(12))


def test_a_second_form_that_fails_on_its_first_call_reruns_that_call_on_the_first(clock: Clock) -> None:
    log: list = []

    def refusing(i: int) -> None:
        raise ValueError("op not supported by the compiler")

    step = TieredStep(form(clock, "graph", 0.5, log), lambda: refusing, probe_steps=2)
    with pytest.warns(RuntimeWarning, match="op not supported"):
        outputs = drive(step, 12)
    assert step.choice == "first"
    assert outputs == [("graph", i) for i in range(12)]


def test_auto_on_tensorflow_promotes_to_xla_with_the_same_training_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the budget forced to zero, fit(jit_compile="auto") runs XLA steps; weights equal the graph run's."""
    monkeypatch.setattr(step_tiering, "PROMOTE_MIN_S", 0.0)
    monkeypatch.setattr(step_tiering, "PROMOTE_FACTOR", 0.0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 5)).astype("float32")
    y = (x @ rng.standard_normal((5, 1))).astype("float32")
    weights = {}
    with unikeras.config.use_backend("tensorflow"):
        for mode in ("auto", False):
            unikeras.utils.set_random_seed(3)
            model = unikeras.Sequential(
                [unikeras.Input((5,)), unikeras.layers.Dense(8, "tanh"), unikeras.layers.Dense(1)]
            )
            model.compile(optimizer=unikeras.optimizers.Adam(0.01), loss="mse", jit_compile=mode)
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
            weights[mode] = model.get_weights()
            if mode == "auto":
                tiered = model._step_functions["train"].compiled.compiled
                assert isinstance(tiered, TieredStep) and tiered.second is not None and tiered.chosen is not None
    for auto, graph in zip(weights["auto"], weights[False], strict=True):
        np.testing.assert_allclose(auto, graph, rtol=1e-4, atol=1e-5)
