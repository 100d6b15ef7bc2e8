"""Keras's helper module: ``unikeras.backend.backend()``, ``epsilon()``, ``floatx()``, ...

Selecting backends lives in :mod:`unikeras.config`; the adapters in :mod:`unikeras.backends`.
"""

from __future__ import annotations

from unikeras.backend_utils import (
    get_uid,
    is_float_dtype,
    is_int_dtype,
    is_keras_tensor,
    result_type,
    standardize_dtype,
)
from unikeras.config import backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format


def clear_session() -> None:
    """Reset generated layer names (``dense``, ``dense_1``, ... start again) and the global dtype policy."""
    from unikeras import config
    from unikeras.layers.layer import reset_names

    reset_names()
    config._dtype_policy = None


__all__ = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_dtype",
]
