"""Keras's ``keras.legacy``: the older (Keras 2) serialization format, ``legacy.saving``."""

from unikeras.legacy import saving

__all__ = ["saving"]
