"""A fake standard output for progress-bar tests: a terminal or not, outside Jupyter and PyCharm."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable


class FakeStream(io.StringIO):
    """Standard output that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def fake_output(monkeypatch, columns: int) -> Callable[[bool], FakeStream]:
    """``make(tty)`` installs a fresh ``FakeStream`` as ``sys.stdout``; no notebook, ``COLUMNS`` set."""
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    monkeypatch.setenv("COLUMNS", str(columns))

    def make(tty: bool) -> FakeStream:
        stream = FakeStream(tty)
        monkeypatch.setattr(sys, "stdout", stream)
        return stream

    return make
