"""Every test here starts and ends with the default dtype policy (float32, following floatx) in
unikeras and in Keras (the oracle)."""

from __future__ import annotations

import os

import pytest

from unikeras import config

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


@pytest.fixture(autouse=True)
def default_dtype_policy():
    saved_policy, saved_floatx = config._dtype_policy, config.floatx()
    config._dtype_policy = None
    keras.config.set_dtype_policy("float32")
    yield
    config._dtype_policy = saved_policy
    config.set_floatx(saved_floatx)
    keras.config.set_dtype_policy("float32")
