"""Catalogue entries of the generic RNN layer and the ConvLSTM layers (cells are covered outside the table)."""

from __future__ import annotations

from typing import Any

from tests.layers.catalogue_entry import Entry


def _stacked_cells(package: Any) -> dict:
    return {"cell": [package.layers.SimpleRNNCell(3), package.layers.GRUCell(2)], "return_sequences": True}


ENTRIES: dict[str, Entry] = {
    # wrong_rank None: Keras's RNN checks no rank (a rank-2 input fails in a TF slice, not with a ValueError);
    # test_rnn_cells.py tests unikeras's ValueError for it
    "RNN": Entry("RNN", _stacked_cells, (2, 4, 3), wrong_rank=None),
    "ConvLSTM1D": Entry(
        "ConvLSTM1D",
        {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True},
        (2, 3, 5, 2),
        wrong_rank=(2, 3, 5),
    ),
    "ConvLSTM2D": Entry(
        "ConvLSTM2D", {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 4, 5, 2), wrong_rank=(1, 2, 4, 5)
    ),
    "ConvLSTM3D": Entry(
        "ConvLSTM3D",
        {"filters": 2, "kernel_size": 2, "dilation_rate": (1, 2, 1)},
        (1, 2, 3, 4, 3, 1),
        wrong_rank=(1, 2, 3, 4, 3),
    ),
}

# Cells are called on one timestep with states (``cell(x_t, states)``), not on one input as the table does.
_CELL = "a cell (step inputs and states): tests/layers/test_rnn_cells.py (NumPy, Keras, gradients through RNN)"
OUTSIDE: dict[str, str] = {
    "SimpleRNNCell": _CELL,
    "GRUCell": _CELL,
    "LSTMCell": _CELL,
    "StackedRNNCells": "a cell (step inputs and states): tests/layers/test_rnn_cells.py and the RNN catalogue entry",
}
