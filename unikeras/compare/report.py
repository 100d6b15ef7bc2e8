"""The side-by-side table of ``unikeras compare``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

STATUS_WIDTH = 60


def _number(spec: str) -> Callable[[Any], str]:
    def fmt(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-" if value is None else "nan"
        return format(value, spec)

    return fmt


def _rate(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _status(row: dict[str, Any]) -> str:
    status = str(row.get("status", "?"))
    if status == "ok" or not row.get("error"):
        return status
    text = f"{status}: {row['error']}"
    return text if len(text) <= STATUS_WIDTH else text[: STATUS_WIDTH - 3] + "..."


# (header, row key or function, formatter, left-aligned)
COLUMNS: list[tuple[str, str, Callable[[Any], str], bool]] = [
    ("backend", "backend", str, True),
    ("version", "framework_version", lambda v: "-" if v is None else str(v), True),
    ("params", "params", _number(",d"), False),
    ("s/epoch", "seconds_per_epoch", _number(".3f"), False),
    ("steps/s", "steps_per_second", _rate, False),
    ("peak MiB", "peak_memory_mib", _number(",.0f"), False),
    ("loss", "loss", _number(".4f"), False),
    ("acc", "accuracy", _number(".4f"), False),
    ("test loss", "test_loss", _number(".4f"), False),
    ("test acc", "test_accuracy", _number(".4f"), False),
    ("first step s", "first_step_seconds", _number(".2f"), False),
    ("init checksum", "init_checksum", _number(".6f"), False),
    ("status", "", lambda v: v, True),
]

LEGEND = (
    "loss, acc: last training epoch; test: the test split. s/epoch and steps/s: training only, epochs 2..N when "
    "there are several (epoch 1 also traces/compiles).\nfirst step s: from launching the backend's process to the "
    "end of its first training step (start-up, imports, build, compile). peak MiB: the process's peak resident "
    "memory.\ninit checksum: the sum of the initial weights; equal on every backend means the same starting point."
)


def format_table(rows: Sequence[dict[str, Any]], title: str | None = None, legend: bool = True) -> str:
    """The rows of :func:`unikeras.compare.compare` as an aligned text table.

    Args:
        rows: result rows (missing values print as ``-``).
        title: a line printed above the table.
        legend: add what the columns measure, whether the initial weights agree, and each failed
            backend's full error below the table.
    """
    cells = [[header for header, *_ in COLUMNS]]
    for row in rows:
        line = []
        for header, key, fmt, _ in COLUMNS:
            line.append(_status(row) if header == "status" else fmt(row.get(key)))
        cells.append(line)
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = [] if title is None else [title]
    for n, line in enumerate(cells):
        parts = [c.ljust(w) if left else c.rjust(w) for c, w, (*_, left) in zip(line, widths, COLUMNS)]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if legend:
        lines += ["", LEGEND]
        checksums = {row["init_checksum"] for row in rows if row.get("init_checksum") is not None}
        if len(checksums) > 1:
            lines.append("WARNING: the init checksums differ: the backends did not start from the same weights.")
        for row in rows:
            if row.get("status") != "ok":
                lines.append(f"{row.get('backend')}: {row.get('status')}: {row.get('error')}")
    return "\n".join(lines)
