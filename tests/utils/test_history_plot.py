"""``plot_history``: the curves drawn are the history's values, and the PNG is a real picture."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

from unikeras.callbacks import History
from unikeras.utils import plot_history


def _history(epochs: list[int]) -> History:
    """A History as ``fit(initial_epoch=epochs[0])`` leaves it, metrics listed before the loss."""
    rng = np.random.default_rng(0)
    history = History()
    history.epoch = list(epochs)
    n = len(epochs)
    history.history = {
        "accuracy": list(rng.uniform(0.5, 1.0, n)),
        "loss": list(np.linspace(1.0, 0.2, n)),
        "mae": list(rng.uniform(0, 1, n)),
        "val_accuracy": list(rng.uniform(0.4, 0.9, n)),
        "val_loss": list(np.linspace(1.2, 0.4, n)),
    }
    return history


def test_png_has_the_size_asked_and_is_not_blank(tmp_path):
    path = tmp_path / "history.png"
    fig = plot_history(_history([0, 1, 2, 3]), to_file=str(path), figsize=(6, 3), dpi=50, title="run 1")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (300, 150)
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 0 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 2
    assert fig._suptitle.get_text() == "run 1"


def test_one_subplot_per_metric_loss_first_with_the_values():
    history = _history([2, 3, 4])  # resumed at initial_epoch=2: epochs 3 to 5
    fig = plot_history(history)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy", "mae"]
    for ax, name in zip(axes, ["loss", "accuracy", "mae"]):
        curves = {line.get_label(): line for line in ax.lines}
        assert set(curves) == ({"training", "validation"} if f"val_{name}" in history.history else {"training"})
        np.testing.assert_allclose(curves["training"].get_ydata(), history.history[name])
        np.testing.assert_array_equal(curves["training"].get_xdata(), [3, 4, 5])
        if "validation" in curves:
            np.testing.assert_allclose(curves["validation"].get_ydata(), history.history[f"val_{name}"])
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == name and ax.get_legend() is not None


def test_metrics_picks_the_subplots_and_a_dict_works():
    logs = _history([0, 1]).history
    fig = plot_history(logs, metrics=["accuracy"])
    assert len(fig.axes) == 1 and [line.get_label() for line in fig.axes[0].lines] == ["training", "validation"]
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), [1, 2])
    only_val = plot_history(logs, metrics="val_loss")
    assert len(only_val.axes) == 1 and len(only_val.axes[0].lines) == 1
    np.testing.assert_allclose(only_val.axes[0].lines[0].get_ydata(), logs["val_loss"])


def test_validation_every_k_epochs_is_placed_at_those_epochs():
    logs = {"loss": [5.0, 4.0, 3.0, 2.0, 1.0], "val_loss": [4.5, 2.5]}  # fit(validation_freq=2)
    (ax,) = plot_history(logs).axes
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [2, 4])


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"unknown metric\(s\) \['acc'\].*'accuracy', 'loss', 'mae'"):
        plot_history(_history([0, 1]), metrics=["acc"])
    with pytest.raises(ValueError, match="history is empty"):
        plot_history({})
    with pytest.raises(TypeError, match="must be the History returned by `model.fit\\(\\)`"):
        plot_history([1.0, 0.5])


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib.*unikeras\[plot\]"):
        plot_history({"loss": [1.0]})
