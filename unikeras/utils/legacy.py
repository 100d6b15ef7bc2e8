"""``keras.utils.legacy``: the Keras 2 serialization functions (also ``unikeras.legacy.saving``)."""

from unikeras.legacy.saving import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
