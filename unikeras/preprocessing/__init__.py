"""``keras.preprocessing``: the dataset builders and image/sequence helpers of ``unikeras.utils`` under
Keras's older paths."""

from unikeras.preprocessing import image, sequence
from unikeras.utils.dataset_utils import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
