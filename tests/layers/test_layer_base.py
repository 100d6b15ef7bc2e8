"""The Layer base class: a subclass that skips ``super().__init__()`` gets a clear error."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import unikeras
from unikeras import layers


class ForgetfulLayer(layers.Layer):
    def __init__(self):  # no super().__init__()
        self.dense = layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


class ForgetfulModel(unikeras.Model):
    def __init__(self):  # no super().__init__()
        self.dense = layers.Dense(2)

    def call(self, inputs):
        return self.dense(inputs)


@pytest.mark.parametrize("cls", [ForgetfulLayer, ForgetfulModel])
def test_missing_super_init_is_named(backend, cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: Layer.__init__\(\) was not called.*super\(\).__init__"):
        cls()(np.ones((1, 3), "float32"))


def test_missing_public_attribute_is_a_plain_attribute_error(backend):
    with pytest.raises(AttributeError, match="no attribute 'kernel_size'"):
        _ = layers.Dense(2).kernel_size


def test_default_names_are_keras_names():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    def stem(name):
        return re.sub(r"_\d+$", "", name)

    for cls, args in [
        ("Conv2D", (2, 3)),
        ("MaxPooling2D", ()),
        ("GlobalAveragePooling1D", ()),
        ("Conv2DTranspose", (2, 3)),
        ("LSTM", (2,)),
        ("MultiHeadAttention", (2, 4)),
        ("UpSampling2D", ()),
    ]:
        ours, theirs = getattr(layers, cls)(*args), getattr(keras.layers, cls)(*args)
        assert stem(ours.name) == stem(theirs.name), cls
