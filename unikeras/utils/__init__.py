"""Utilities: seeding, progress bar, plots (training curves, model graphs), array helpers, datasets from
arrays and folders, images, downloads, (de)serialization."""

# Keras also offers these under keras.utils; they live in unikeras.backend and unikeras.saving
from unikeras.backend_utils import is_keras_tensor, standardize_dtype
from unikeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from unikeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from unikeras.utils import legacy
from unikeras.utils.data_unpacking import pack_x_y_sample_weight, unpack_x_y_sample_weight
from unikeras.utils.dataset_utils import (
    audio_dataset_from_directory,
    image_dataset_from_directory,
    split_dataset,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from unikeras.utils.file_utils import get_file
from unikeras.utils.history_plot import plot_history
from unikeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from unikeras.utils.io_utils import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from unikeras.utils.keras_utils import Config, get_source_inputs, normalize, pad_sequences
from unikeras.utils.model_plot import model_to_dot, plot_model
from unikeras.utils.numerical import to_categorical
from unikeras.utils.progbar import Progbar
from unikeras.utils.py_dataset import PyDataset
from unikeras.utils.seeding import set_random_seed

Sequence = PyDataset  # Keras's older name


def clear_session() -> None:
    """Reset generated layer names and the global dtype policy (``unikeras.backend.clear_session``)."""
    from unikeras.backend import clear_session as _clear_session

    _clear_session()


__all__ = [
    "Config",
    "CustomObjectScope",
    "clear_session",
    "custom_object_scope",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "is_keras_tensor",
    "normalize",
    "pad_sequences",
    "register_keras_serializable",
    "standardize_dtype",
    "Progbar",
    "PyDataset",
    "model_to_dot",
    "pack_x_y_sample_weight",
    "plot_history",
    "plot_model",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
    "Sequence",
    "array_to_img",
    "audio_dataset_from_directory",
    "deserialize_keras_object",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_file",
    "image_dataset_from_directory",
    "img_to_array",
    "is_interactive_logging_enabled",
    "legacy",
    "load_img",
    "save_img",
    "serialize_keras_object",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
