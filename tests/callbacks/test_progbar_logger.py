"""The progress display of ``fit`` / ``evaluate`` / ``predict`` (on torch: drawing does not depend on the backend)."""

from __future__ import annotations

import re
import types

import numpy as np
import pytest

import unikeras
from tests.conftest import load_backend
from tests.utils.progbar_helpers import fake_output
from unikeras import config, layers
from unikeras.callbacks import ProgbarLogger
from unikeras.utils import progbar as progbar_module


@pytest.fixture(scope="module")
def setup():
    load_backend("torch")
    with config.use_backend("torch"):
        unikeras.utils.set_random_seed(0)
        model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
        model.compile(
            optimizer="sgd", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
        )
        rng = np.random.default_rng(0)
        x = rng.standard_normal((16, 3)).astype("float32")
        y = (x[:, 0] > 0).astype("int32")
        yield model, x, y


@pytest.fixture
def output(monkeypatch):
    """``output(tty)``: a fresh standard output outside Jupyter, and a clock that moves 0.1 s at each
    reading, so that every batch redraws the bar."""
    make = fake_output(monkeypatch, columns=300)
    ticks = iter(range(1, 10**6))
    monkeypatch.setattr(progbar_module, "time", types.SimpleNamespace(perf_counter=lambda: next(ticks) / 10))
    return make


def _masked(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def test_fit_in_a_terminal_redraws_one_line_per_epoch(setup, output):
    model, x, y = setup
    stream = output(tty=True)
    history = model.fit(x, y, batch_size=4, epochs=2, validation_data=(x, y))  # verbose="auto"
    out = stream.getvalue()
    lines = out.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4] == "" and len(lines) == 5
    for epoch, line in ((0, lines[1]), (1, lines[3])):
        frames = line.split("\r")[1:]
        assert len(frames) == 5  # a redraw after each of the 4 batches, then the epoch's result
        assert frames[1].startswith("2/4 ━━━━━━━━━━────────── ETA: ") and "loss: " in frames[1]
        final = frames[-1]
        assert final.startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and "/step" in final and "ETA" not in final
        for name in ("loss", "accuracy", "val_loss", "val_accuracy"):  # validation itself draws no bar
            assert f" - {name}: {history.history[name][epoch]:.4f}" in final


def test_fit_in_a_log_prints_only_the_epoch_ends(setup, output):
    model, x, y = setup
    stream = output(tty=False)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=1)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) == 4
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ")
    for name in ("loss", "accuracy"):
        assert f" - {name}: {history.history[name][1]:.4f}" in lines[3]


@pytest.mark.parametrize("tty", [True, False])
def test_verbose_2_prints_a_line_per_epoch_and_0_nothing(setup, output, tty):
    model, x, y = setup
    stream = output(tty=tty)
    model.fit(x, y, batch_size=4, epochs=2, verbose=2)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) == 4
    assert all(re.fullmatch(r"4/4 - \d+s - \d+(s|ms|us)/step - (\w+: \d\.\d{4}( - )?)+", line) for line in lines[1::2])
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    model.evaluate(x, y, batch_size=4, verbose=0)
    model.predict(x, batch_size=4, verbose=0)
    assert len(stream.getvalue().splitlines()) == 4


def test_verbose_auto_is_1_in_fit_evaluate_and_predict(setup, output):
    """Keras 3 resolves ``verbose="auto"`` to 1 in all three."""
    model, x, y = setup
    outputs, losses = {}, {}
    for verbose in ("auto", 1):
        stream = output(tty=True)
        model.fit(x, y, batch_size=4, epochs=1, verbose=verbose)
        losses[verbose] = model.evaluate(x, y, batch_size=4, verbose=verbose)
        model.predict(x, batch_size=4, verbose=verbose)
        outputs[verbose] = stream.getvalue()
    assert _masked(outputs["auto"]) == _masked(outputs[1])
    bars = outputs["auto"].split("\n")
    assert len(bars) == 4 and bars[-1] == ""  # fit, evaluate, predict: one line each
    assert f"loss: {losses['auto'][0]:.4f}" in bars[1].split("\r")[-1]
    assert bars[2].split("\r")[-1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ")


def test_a_progbar_logger_passed_in_replaces_the_default_one(setup, output):
    model, x, y = setup
    stream = output(tty=False)
    model.fit(x, y, batch_size=4, epochs=2, verbose=2, callbacks=[ProgbarLogger()])
    assert len(stream.getvalue().splitlines()) == 4


@pytest.mark.parametrize("verbose", [3, "yes", 1.5])
def test_bad_verbose_is_an_error(setup, verbose):
    model, x, y = setup
    with pytest.raises(ValueError, match=r'fit\(\): `verbose` must be "auto", 0, 1 or 2, received'):
        model.fit(x, y, epochs=1, verbose=verbose)
    with pytest.raises(ValueError, match=r"predict\(\): `verbose`"):
        model.predict(x, verbose=verbose)
