"""``plot_history``: training curves from ``model.fit``'s History, drawn with matplotlib."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any


def _require_matplotlib(fn: str) -> Any:
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f"{fn}() needs matplotlib: `pip install matplotlib` (or `pip install unikeras[plot]`)."
        ) from err
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


def _history_dict(history: Any) -> tuple[dict[str, list[float]], list[int] | None]:
    """``(name -> values, 0-based epoch indices or None)`` from a History or a mapping."""
    if isinstance(history, Mapping):
        return dict(history), None
    logs = getattr(history, "history", None)
    if isinstance(logs, Mapping):
        epochs = getattr(history, "epoch", None)
        return dict(logs), list(epochs) if epochs else None
    raise TypeError(
        "plot_history(): `history` must be the History returned by `model.fit()` or a dict of "
        f"{{metric name: list of values per epoch}}, received {type(history).__name__}."
    )


def _panels(logs: Mapping[str, Sequence[float]], metrics: str | Sequence[str] | None) -> list[tuple[str, list[str]]]:
    """``(title, keys drawn together)`` for each subplot: a metric with its ``val_`` twin, loss first."""
    bases: list[str] = []
    for key in logs:
        base = key[4:] if key.startswith("val_") and key[4:] in logs else key
        if base not in bases:
            bases.append(base)
    if "loss" in bases:
        bases.remove("loss")
        bases.insert(0, "loss")
    if metrics is None:
        chosen = bases
    else:
        chosen = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in chosen if m not in bases and m not in logs]
        if unknown:
            raise ValueError(
                f"plot_history(): unknown metric(s) {unknown} in `metrics`; the history has {sorted(logs)}."
            )
        if not chosen:
            raise ValueError("plot_history(): `metrics` is empty; give at least one metric name.")
    panels = []
    for name in chosen:
        if name in bases:
            panels.append((name, [k for k in (name, f"val_{name}") if k in logs]))
        else:  # a `val_` key asked for on its own
            panels.append((name, [name]))
    return panels


def _epochs_for(values: Sequence[float], epochs: list[int]) -> list[int]:
    """1-based epochs of ``values``. A series shorter than the epochs (validation every ``k``
    epochs, ``validation_freq=k``) is placed at every ``k``-th epoch, ``k = epochs // len(values)``."""
    if len(values) == len(epochs):
        return epochs
    if not values:
        return []
    step = max(len(epochs) // len(values), 1)
    return [epochs[min((i + 1) * step, len(epochs)) - 1] for i in range(len(values))]


def plot_history(
    history: Any,
    metrics: str | Sequence[str] | None = None,
    to_file: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: int = 100,
) -> Any:
    """Draw the training curves of ``model.fit``: one subplot per metric, training and validation together.

    Args:
        history: the ``History`` returned by ``model.fit()``, or a dict ``{name: [value per epoch]}``
            (``val_`` names are drawn with the metric they validate).
        metrics: metric name or list of names to draw (default: all, loss first). A name
            draws that metric and its ``val_`` twin; a ``val_`` name alone draws only that series.
        to_file: path of an image to save (PNG, or any format matplotlib writes by extension).
        title: title of the whole figure.
        figsize: ``(width, height)`` in inches (default: 5 by 3.5 per subplot, up to 3 per row).
        dpi: resolution of the saved image in dots per inch.

    Returns:
        The ``matplotlib.figure.Figure`` (it displays itself in a Jupyter notebook).

    Raises:
        ValueError: an unknown metric name (the message lists those in the history), or an empty history.
    """
    figure_cls, canvas_cls = _require_matplotlib("plot_history")
    from matplotlib.ticker import MaxNLocator

    logs, epoch_indices = _history_dict(history)
    logs = {k: list(v) for k, v in logs.items() if v is not None and len(v) > 0}
    if not logs:
        raise ValueError("plot_history(): the history is empty; train with `model.fit()` first.")
    panels = _panels(logs, metrics)
    longest = max(len(v) for v in logs.values())
    if epoch_indices is not None and len(epoch_indices) == longest:
        epochs = [e + 1 for e in epoch_indices]
    else:
        epochs = list(range(1, longest + 1))
    cols = min(len(panels), 3)
    rows = math.ceil(len(panels) / cols)
    if figsize is None:
        figsize = (5.0 * cols, 3.5 * rows + (0.4 if title else 0.0))
    fig = figure_cls(figsize=figsize, dpi=dpi, layout="constrained")
    canvas_cls(fig)
    for i, (name, keys) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        for key in keys:
            values = [float(v) for v in logs[key]]
            validation = key.startswith("val_")
            ax.plot(
                _epochs_for(values, epochs),
                values,
                label="validation" if validation else "training",
                linestyle="--" if validation else "-",
                marker="o" if len(values) <= 30 else None,
                markersize=3,
                color="tab:orange" if validation else "tab:blue",
            )
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    if to_file is not None:
        fig.savefig(to_file, dpi=dpi)
    return fig
