"""The progress bar's text in a log (not a terminal)."""

from __future__ import annotations

from unikeras.utils import Progbar


def test_progbar_prints_final_line_with_values(capsys):
    bar = Progbar(4, verbose=1)
    for step in range(1, 4):
        bar.update(step, [("loss", 0.5)])
    bar.update(4, [("loss", 0.25), ("accuracy", 0.875)])
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert out.startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and "loss: 0.2500 - accuracy: 0.8750" in out


def test_progbar_verbose_2_and_0(capsys):
    bar = Progbar(2, verbose=2)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 0.5)])
    assert capsys.readouterr().out.startswith("2/2 - ")
    Progbar(2, verbose=0).update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""
