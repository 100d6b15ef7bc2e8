"""Utilities: seeding, progress bar, plots (training curves, model graphs), array helpers."""

from unikeras.utils.data_unpacking import pack_x_y_sample_weight, unpack_x_y_sample_weight
from unikeras.utils.history_plot import plot_history
from unikeras.utils.model_plot import model_to_dot, plot_model
from unikeras.utils.numerical import to_categorical
from unikeras.utils.progbar import Progbar
from unikeras.utils.py_dataset import PyDataset
from unikeras.utils.seeding import set_random_seed

__all__ = [
    "Progbar",
    "PyDataset",
    "model_to_dot",
    "pack_x_y_sample_weight",
    "plot_history",
    "plot_model",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
