"""The generic RNN layer, its cells (SimpleRNNCell, GRUCell, LSTMCell) and StackedRNNCells."""

from __future__ import annotations

__all__: list[str] = []
