"""The PNG of ``unikeras compare --plot``: every backend's training curves on one figure."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

FIGSIZE = (10.0, 4.0)  # inches
DPI = 100  # so the PNG is 1000 x 400 pixels
_COLOURS = {"torch": "tab:red", "tensorflow": "tab:orange", "jax": "tab:blue", "mxnet": "tab:green"}
_SPARE_COLOURS = ("tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan", "tab:gray")


def _import_matplotlib() -> tuple[Any, Any, Any, Any]:
    try:
        from matplotlib import rc_context
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError as err:
        raise ImportError(
            "unikeras compare --plot needs matplotlib: pip install matplotlib (or pip install 'unikeras[plot]')."
        ) from err
    return Figure, FigureCanvasAgg, Line2D, rc_context


def backend_colours(names: Sequence[str]) -> dict[str, str]:
    """A fixed colour per built-in backend, the next spare colour for any other."""
    spare = iter(_SPARE_COLOURS * (1 + len(names) // len(_SPARE_COLOURS)))
    return {name: _COLOURS.get(name) or next(spare) for name in names}


def plot_curves(rows: Sequence[dict[str, Any]], to_file: str | os.PathLike | None = None, title: str = "") -> Any:
    """Draw the loss (and accuracy, when recorded) per epoch of every successful row.

    One colour per backend; training curves solid, validation (the test split) dashed. The
    backends usually train alike, so earlier backends are drawn wider: curves on top of each
    other stay visible as coloured outlines.

    Args:
        rows: result rows of :func:`unikeras.compare.compare`; rows without a ``history`` are skipped.
        to_file: where to save the PNG (``FIGSIZE`` at ``DPI``: 1000 x 400 pixels).
        title: the figure's title (names the model).

    Returns:
        The ``matplotlib.figure.Figure``.
    """
    figure_cls, canvas_cls, line_cls, rc_context = _import_matplotlib()
    with rc_context({"lines.scale_dashes": False}):  # same dash lengths at every width: overlapping dashes align
        return _draw(rows, to_file, title, figure_cls, canvas_cls, line_cls)


def _draw(rows: Sequence[dict[str, Any]], to_file: Any, title: str, figure_cls, canvas_cls, line_cls) -> Any:
    drawn = [row for row in rows if row.get("status") == "ok" and row.get("history", {}).get("loss")]
    figure = figure_cls(figsize=FIGSIZE, dpi=DPI)
    canvas_cls(figure)
    if title:
        figure.suptitle(title)
    if not drawn:
        figure.text(0.5, 0.5, "no backend finished training", ha="center", va="center")
    else:
        metric = next((row["accuracy_metric"] for row in drawn if row.get("accuracy_metric")), None)
        panels = [("loss", "loss")] + ([(metric, "accuracy")] if metric else [])
        axes = figure.subplots(1, len(panels), squeeze=False)[0]
        colours = backend_colours([row["backend"] for row in drawn])
        has_validation = False
        for ax, (key, label) in zip(axes, panels):
            for rank, row in enumerate(drawn):
                width = 1.5 + 2.0 * (len(drawn) - 1 - rank)
                history = row["history"]
                for name, style in ((key, "-"), (f"val_{key}", "--")):
                    values = history.get(name)
                    if values:
                        has_validation |= name.startswith("val_")
                        epochs = range(1, len(values) + 1)
                        ax.plot(
                            epochs,
                            values,
                            style,
                            **({"dashes": (6, 3)} if style == "--" else {}),
                            linewidth=width,
                            marker="o",
                            markersize=2 + width,
                            color=colours[row["backend"]],
                        )
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.set_title(label)
            ax.grid(True, alpha=0.3)
            ax.xaxis.get_major_locator().set_params(integer=True)
        handles = [line_cls([], [], color=colours[row["backend"]], linewidth=3, label=row["backend"]) for row in drawn]
        handles.append(line_cls([], [], color="black", linestyle="-", label="train"))
        if has_validation:
            handles.append(line_cls([], [], color="black", linestyle="--", label="validation (test split)"))
        axes[-1].legend(handles=handles, fontsize="small")
        figure.tight_layout()
    if to_file is not None:
        figure.savefig(os.fspath(to_file), format="png", dpi=DPI)
    return figure
