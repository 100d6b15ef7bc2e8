"""Sequence ops of keras.ops.nn (ctc_loss, ctc_decode, fold, unfold, polar)."""

from __future__ import annotations

__all__: list[str] = []
