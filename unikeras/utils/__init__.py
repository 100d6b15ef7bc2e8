"""Utilities: seeding, progress bar, array helpers."""

from unikeras.utils.numerical import to_categorical
from unikeras.utils.progbar import Progbar
from unikeras.utils.seeding import set_random_seed

__all__ = ["Progbar", "set_random_seed", "to_categorical"]
