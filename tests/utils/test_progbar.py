"""The progress bar: one line redrawn in place where the output allows it, final lines only in a log."""

from __future__ import annotations

import sys
import types

import pytest

from tests.utils.progbar_helpers import fake_output
from unikeras.utils import Progbar
from unikeras.utils import progbar as progbar_module


@pytest.fixture
def output(monkeypatch):
    """``output(tty)``: a fresh standard output, outside Jupyter and PyCharm."""
    return fake_output(monkeypatch, columns=200)


@pytest.fixture
def clock(monkeypatch):
    """The progress bar's clock, set by hand: ``clock.now = seconds``."""
    state = types.SimpleNamespace(now=0.0)
    monkeypatch.setattr(progbar_module, "time", types.SimpleNamespace(perf_counter=lambda: state.now))
    return state


def test_progbar_prints_final_line_with_values(output):
    stream = output(tty=False)
    bar = Progbar(4, verbose=1)
    for step in range(1, 4):
        bar.update(step, [("loss", 0.5)])
    bar.update(4, [("loss", 0.25), ("accuracy", 0.875)])
    out = stream.getvalue()
    assert out.count("\n") == 1 and "\r" not in out
    assert out.startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and "loss: 0.2500 - accuracy: 0.8750" in out


def test_progbar_verbose_2_and_0(output):
    stream = output(tty=True)
    bar = Progbar(2, verbose=2)
    bar.update(1, [("loss", 1.0)])
    assert stream.getvalue() == ""
    bar.update(2, [("loss", 0.5)])
    line = stream.getvalue()
    assert line.startswith("2/2 - ") and line.endswith(" - loss: 0.5000\n") and "/step" in line and "\r" not in line
    Progbar(2, verbose=0).update(2, [("loss", 1.0)])
    assert stream.getvalue() == line


def test_terminal_redraws_one_line_with_eta(output, clock):
    stream = output(tty=True)
    bar = Progbar(5, stateful_metrics=["loss"])
    for step in range(1, 5):
        clock.now = float(step)
        bar.update(step, [("loss", 1.0 / step)])
    mid = stream.getvalue()
    assert "\n" not in mid and mid.count("\r") == 4  # one line, redrawn at each step
    frames = mid.split("\r")[1:]
    assert frames[1].startswith("2/5 ━━━━━━━━────────────") and "ETA: 3s 1s/step" in frames[1]
    assert frames[3].rstrip().endswith("loss: 0.2500")
    clock.now = 5.0
    bar.update(5, [("loss", 0.2)])
    final = stream.getvalue()[len(mid) :]
    assert final.startswith("\r5/5 ━━━━━━━━━━━━━━━━━━━━ 5s 1s/step - loss: 0.2000") and final.endswith("\n")
    assert "ETA" not in final


def test_jupyter_redraws_in_place(output, monkeypatch):
    stream = output(tty=False)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    bar = Progbar(3, interval=0)
    for step in range(1, 4):
        bar.update(step, [("loss", 1.0)])
    out = stream.getvalue()
    assert out.count("\r") == 3 and out.count("\n") == 1 and out.endswith("\n")


def test_shorter_line_clears_the_longer_one(output, clock):
    stream = output(tty=True)
    bar = Progbar(10, stateful_metrics=["loss"])
    clock.now = 1.0
    bar.update(1, [("loss", 123456.0)])
    first = stream.getvalue()
    clock.now = 2.0
    bar.update(2, [("loss", 1.0)])
    second = stream.getvalue()[len(first) :]
    assert len(second) == len(first)  # padded with spaces over the old text


def test_redraws_are_throttled(output, clock):
    stream = output(tty=True)
    bar = Progbar(1000, interval=0.05)
    for step in range(1, 1000):
        clock.now = step * 0.001  # 1 ms a step: a redraw every 50 steps at most
        bar.update(step)
    bar.update(1000)
    redraws = stream.getvalue().count("\r")
    assert 19 <= redraws <= 21 and stream.getvalue().count("\n") == 1


def test_eta_leaves_out_the_first_step(output, clock):
    stream = output(tty=True)
    bar = Progbar(10)
    clock.now = 10.0  # a slow first step (compilation)
    bar.update(1)
    clock.now = 11.0
    bar.update(2)
    frame = stream.getvalue().split("\r")[-1]
    assert "ETA: 8s 1s/step" in frame


def test_values_are_averaged_unless_stateful(output, clock):
    stream = output(tty=True)
    bar = Progbar(10)  # Keras's default: every value is averaged over the steps
    clock.now = 1.0
    bar.update(1, [("loss", 4.0), ("acc", 0.5)])
    clock.now = 2.0
    bar.update(3, [("loss", 1.0), ("acc", 0.8)])  # covers two steps
    assert "loss: 2.0000 - acc: 0.7000" in stream.getvalue().split("\r")[-1]
    stateful = Progbar(10, stateful_metrics=["loss"])
    clock.now = 3.0
    stateful.update(1, [("loss", 4.0)])
    clock.now = 4.0
    stateful.update(3, [("loss", 1.0)])
    assert stream.getvalue().split("\r")[-1].rstrip().endswith("loss: 1.0000")
    with pytest.raises(ValueError, match="at most one of `stateful_metrics`"):
        Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_terminal_line_is_cut_to_the_width_until_the_end(output, clock, monkeypatch):
    stream = output(tty=True)
    monkeypatch.setenv("COLUMNS", "40")
    bar = Progbar(4, stateful_metrics=["loss", "accuracy"])
    values = [("loss", 0.5), ("accuracy", 0.75)]
    clock.now = 1.0
    bar.update(1, values)
    assert len(stream.getvalue()) == 1 + 39
    clock.now = 2.0
    bar.update(4, values)
    assert stream.getvalue().split("\r")[-1].endswith("loss: 0.5000 - accuracy: 0.7500\n")


def test_unknown_target_and_add(output, clock):
    stream = output(tty=True)
    bar = Progbar(None)
    clock.now = 1.0
    bar.add(2)
    clock.now = 2.0
    bar.add(3)
    assert stream.getvalue().split("\r")[-1].startswith("      5/Unknown ")
