"""``keras.preprocessing.sequence``."""

from unikeras.utils.keras_utils import pad_sequences

__all__ = ["pad_sequences"]
