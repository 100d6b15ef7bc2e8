"""``model.summary()`` text."""

from __future__ import annotations

from typing import Any

import numpy as np


def _shape_text(shape: Any) -> str:
    return "?" if shape is None else str(tuple(shape)).replace("None", "None")


def format_summary(model: Any) -> str:
    """A table of each sub-layer's name, class, output shape and parameter count."""
    rows = [
        (f"{layer.name} ({type(layer).__name__})", _shape_text(layer._output_shape), f"{layer.count_params():,}")
        for layer in model.layers
    ]
    header = ("Layer (type)", "Output Shape", "Param #")
    widths = [max(len(r[i]) for r in [header, *rows]) + 2 for i in range(3)]
    line = "─" * sum(widths)
    out = [f'Model: "{model.name}"', line, "".join(h.ljust(w) for h, w in zip(header, widths)), line]
    out += ["".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    total = model.count_params()
    out += [
        line,
        f" Total params: {total:,}",
        f" Trainable params: {trainable:,}",
        f" Non-trainable params: {total - trainable:,}",
    ]
    if model.built and model.backend is not None:
        out.append(f" Backend: {model.backend.name}")
    return "\n".join(out)
