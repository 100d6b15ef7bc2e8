"""Keras-style progress bar for terminals, notebooks and logs."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable


def _dynamic_display() -> bool:
    """True where ``\\r`` redraws one line: a terminal or a Jupyter kernel."""
    return (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or "ipykernel" in sys.modules


def _format_duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_per_step(seconds: float, unit: str) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar.

    Args:
        target: total number of steps, or ``None`` if unknown.
        width: bar width in characters.
        verbose: 1 draws the bar, 2 prints one line when finished, 0 prints nothing.
        interval: minimum seconds between redraws.
        unit_name: name of a step in the speed column.
    """

    def __init__(
        self, target: int | None, width: int = 20, verbose: int = 1, interval: float = 0.05, unit_name: str = "step"
    ) -> None:
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._dynamic = _dynamic_display()
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._last_len = 0

    def would_draw(self) -> bool:
        """Whether an ``update`` now would redraw the bar (so callers can skip computing values)."""
        return self._dynamic and self.verbose == 1 and time.perf_counter() - self._last_draw >= self.interval

    def update(
        self, current: int, values: Iterable[tuple[str, float]] | None = None, finalize: bool | None = None
    ) -> None:
        """Show progress at step ``current`` with ``values`` as ``(name, number)`` pairs."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if self.verbose == 0 or (self.verbose == 2 and not finalize):
            return
        now = time.perf_counter()
        if not finalize and (not self._dynamic or now - self._last_draw < self.interval):
            return
        self._last_draw = now
        elapsed = now - self._start
        parts = [self._bar(current) if self.verbose == 1 else f"{current}/{self.target or current}"]
        if finalize:
            per_step = elapsed / max(current, 1)
            parts.append(f"{_format_duration(elapsed)} {_format_per_step(per_step, self.unit_name)}")
        elif self.target:
            eta = elapsed / max(current, 1) * (self.target - current)
            parts.append(f"ETA: {_format_duration(eta)}")
        for name, value in values or ():
            parts.append(f"{name}: {value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{name}: {value:.4e}")
        line = " - ".join(parts) if self.verbose == 2 else parts[0] + " " + " - ".join(parts[1:])
        if self._dynamic and self.verbose == 1:
            padding = " " * max(self._last_len - len(line), 0)
            sys.stdout.write("\r" + line + padding + ("\n" if finalize else ""))
            self._last_len = len(line)
        else:
            sys.stdout.write(line + os.linesep)
        sys.stdout.flush()

    def _bar(self, current: int) -> str:
        if not self.target:
            return f"{current}/Unknown"
        digits = len(str(self.target))
        done = int(self.width * min(current, self.target) / self.target)
        return f"{current:>{digits}}/{self.target} " + "━" * done + "─" * (self.width - done)
