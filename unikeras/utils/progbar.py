"""Keras-style progress bar for terminals, notebooks and logs.

Where the output can redraw a line in place (a terminal, a Jupyter kernel, PyCharm's console) the
bar is one line redrawn with ``\\r`` at most every ``interval`` seconds. Where it cannot (output
piped or written to a log file) only the final line of each bar is printed, so a log holds one
line per epoch instead of one per redraw.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterable
from typing import Any

from unikeras.config import is_interactive_logging_enabled
from unikeras.utils.io_utils import print_msg


def _isatty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # a closed or detached stream
        return False


def _dynamic_display(stream: Any = None) -> bool:
    """True where ``\\r`` redraws one line: a terminal, a Jupyter kernel (``ipykernel`` imported)
    or PyCharm's run console (``PYCHARM_HOSTED``), as in Keras."""
    stream = sys.stdout if stream is None else stream
    return _isatty(stream) or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _format_duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_per_step(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _format_value(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.4f}" if abs(number) >= 1e-3 or number == 0 else f"{number:.4e}"


class Progbar:
    """A progress bar.

    Values passed to ``update`` are averaged over the steps seen (weighted by the steps each one
    covers), except those named in ``stateful_metrics``, which are shown as given. With
    ``stateless_metrics`` the rule is reversed: only those are averaged. The final update of a bar
    shows the values it is given.

    Args:
        target: total number of steps, or ``None`` if unknown.
        width: bar width in characters.
        verbose: 1 draws the bar, 2 prints one line when finished, 0 prints nothing.
        interval: minimum seconds between redraws.
        stateful_metrics: names of values shown as given (not averaged).
        stateless_metrics: names of values averaged; all others are shown as given.
        unit_name: name of a step in the speed column.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Progbar(): pass at most one of `stateful_metrics` (the values not averaged) and "
                "`stateless_metrics` (the values averaged), received both."
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._stateful = set(stateful_metrics) if stateful_metrics is not None else None
        self._stateless = set(stateless_metrics) if stateless_metrics is not None else None
        if self._stateful is None and self._stateless is None:
            self._stateful = set()
        self._tty = _isatty(sys.stdout)
        self._dynamic = _dynamic_display(sys.stdout)
        self._values: dict[str, list] = {}  # name -> [weighted sum, weight]
        self._seen = 0
        self._start = time.perf_counter()
        self._after_first_step: float | None = None
        self._last_draw = 0.0
        self._last_len = 0

    def would_draw(self) -> bool:
        """Whether an ``update`` now would redraw the bar (so callers can skip computing values)."""
        return self._dynamic and self.verbose == 1 and time.perf_counter() - self._last_draw >= self.interval

    def _averaged(self, name: str) -> bool:
        return name not in self._stateful if self._stateful is not None else name in self._stateless

    def _record(self, current: int, values: Iterable[tuple[str, Any]], finalize: bool) -> None:
        for name, value in values:
            if finalize or not self._averaged(name):
                self._values[name] = [value, 1]
                continue
            steps = max(current - self._seen, 1)
            total = self._values.get(name)
            if total is None:
                self._values[name] = [value * steps, steps]
            else:
                total[0] += value * steps
                total[1] += steps

    def _step_duration(self, current: int, now: float) -> float:
        """Seconds per step; once past step 1, the first step (which may compile) is left out."""
        if not current:
            return 0.0
        if self._after_first_step is not None and current > 1:
            per_step = (now - self._after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._after_first_step = now
        return per_step

    def update(
        self, current: int, values: Iterable[tuple[str, Any]] | None = None, finalize: bool | None = None
    ) -> None:
        """Show progress at step ``current``.

        Args:
            current: index of the current step (1-based: the number of steps done).
            values: ``(name, value)`` pairs for the last step.
            finalize: whether this is the bar's last update (default: ``current >= target``).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            self._record(current, values, finalize)
        self._seen = current
        if self.verbose == 0 or (self.verbose != 1 and not finalize):
            return
        now = time.perf_counter()
        per_step = self._step_duration(current, now)
        if not finalize and (not self._dynamic or now - self._last_draw < self.interval):
            return
        self._last_draw = now
        elapsed = now - self._start
        shown = " - ".join(f"{name}: {_format_value(s / max(n, 1))}" for name, (s, n) in self._values.items())
        if self.verbose == 1:
            if finalize or not self.target:
                info = f"{_format_duration(elapsed)} {_format_per_step(per_step, self.unit_name)}"
            else:
                eta = per_step * (self.target - current)
                info = f"ETA: {_format_duration(eta)} {_format_per_step(per_step, self.unit_name)}"
            line = f"{self._bar(current)} {info}" + (f" - {shown}" if shown else "")
            self._draw(line, finalize)
        elif self.verbose == 2:
            digits = len(str(self.target or current))
            line = f"{current:>{digits}}/{self.target or current} - {_format_duration(elapsed)}"
            line += f" - {_format_per_step(per_step, self.unit_name)}" + (f" - {shown}" if shown else "")
            print_msg(line)

    def add(self, n: int, values: Iterable[tuple[str, Any]] | None = None) -> None:
        """``update(steps seen so far + n, values)``."""
        self.update(self._seen + n, values)

    def _draw(self, line: str, finalize: bool) -> None:
        if not is_interactive_logging_enabled():  # to the "unikeras" logger: the finished bar only
            if finalize:
                print_msg(line)
            return
        if not self._dynamic:
            sys.stdout.write(line + "\n")
        else:
            if self._tty and not finalize:
                # A line wider than the terminal wraps, and `\r` then redraws only its last part.
                columns = shutil.get_terminal_size((0, 0)).columns
                if columns > 1:
                    line = line[: columns - 1]
            padding = " " * max(self._last_len - len(line), 0)
            sys.stdout.write("\r" + line + padding + ("\n" if finalize else ""))
            self._last_len = 0 if finalize else len(line)
        sys.stdout.flush()

    def _bar(self, current: int) -> str:
        if not self.target:
            return f"{current:>7}/Unknown"
        digits = len(str(self.target))
        done = int(self.width * min(current, self.target) / self.target)
        return f"{current:>{digits}}/{self.target} " + "━" * done + "─" * (self.width - done)
