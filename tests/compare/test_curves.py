"""The training-curves PNG, drawn from hand-made rows (the real run is in test_cli)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unikeras.compare import curves


def test_loss_only_rows_and_failed_rows(tmp_path):
    rows = [
        {"backend": "torch", "status": "ok", "history": {"loss": [1.0, 0.5, 0.25]}},
        {"backend": "mynumpy", "status": "ok", "history": {"loss": [1.0, 0.6, 0.3]}},
        {"backend": "jax", "status": "error", "error": "RuntimeError: boom"},
    ]
    figure = curves.plot_curves(rows, to_file=tmp_path / "c.png", title="unikeras compare: regression")
    assert len(figure.axes) == 1  # no accuracy recorded: the loss panel alone
    assert figure.axes[0].get_xlabel() == "epoch" and figure.axes[0].get_ylabel() == "loss"
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == ["torch", "mynumpy", "train"]
    with Image.open(tmp_path / "c.png") as image:
        assert image.size == (1000, 400)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 2


def test_colours():
    assert curves.backend_colours(["jax", "torch", "mine", "yours"]) == {
        "jax": "tab:blue",
        "torch": "tab:red",
        "mine": "tab:purple",
        "yours": "tab:brown",
    }
