"""Saving and loading: whole models (``.ukeras``) and weights (``.weights.safetensors``).

``model.save("m.ukeras")`` / ``unikeras.saving.load_model("m.ukeras")`` move a model (architecture,
weights, compile settings, optimizer state) between processes and backends;
``model.save_weights("w.weights.safetensors")`` / ``model.load_weights(...)`` move its weights.
Keras files are read and written too: ``.keras`` models and ``.weights.h5`` weights (Keras 3), and
legacy ``.h5`` models and weights (Keras 2 / tf.keras, read only).
Files are written atomically and read without pickle or code from the file.
"""

from unikeras.saving.file_editor import KerasFileEditor
from unikeras.saving.model_file import load_model, save_model
from unikeras.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    register_serializable,
)
from unikeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from unikeras.saving.weights_file import load_weights, save_weights

__all__ = [
    "CustomObjectScope",
    "KerasFileEditor",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "register_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
