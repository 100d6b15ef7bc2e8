"""Utilities: seeding, progress bar, array helpers."""

from unikeras.utils.data_unpacking import pack_x_y_sample_weight, unpack_x_y_sample_weight
from unikeras.utils.numerical import to_categorical
from unikeras.utils.progbar import Progbar
from unikeras.utils.py_dataset import PyDataset
from unikeras.utils.seeding import set_random_seed

__all__ = [
    "Progbar",
    "PyDataset",
    "pack_x_y_sample_weight",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
