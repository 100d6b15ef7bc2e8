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


class _SpecLayer(layers.Layer):
    """A Keras-style custom layer that states its inputs with ``self.input_spec``."""

    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs if not isinstance(inputs, list) else inputs[0]


def test_input_spec_set_by_a_custom_layer_is_checked_on_every_call(backend):
    spec = layers.InputSpec(ndim=3, axes={-1: 4})
    layer = _SpecLayer(spec, name="spec_layer")
    good = np.zeros((2, 3, 4), "float32")
    np.testing.assert_array_equal(unikeras.ops.convert_to_numpy(layer(good)), good)
    with pytest.raises(
        ValueError, match=re.escape("Layer 'spec_layer': input 0: expected ndim=3, received shape (2, 4)")
    ):
        layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="spec_layer.*expected axis -1 of size 4"):
        layer(np.zeros((2, 3, 5), "float32"))
    with pytest.raises(ValueError, match="spec_layer.*expected ndim=3"):  # symbolic calls too
        layer(unikeras.Input((4,)))
    assert layer(unikeras.Input((3, 4))).shape == (None, 3, 4)
    pair = _SpecLayer([layers.InputSpec(max_ndim=2), layers.InputSpec(dtype="int32")], name="pair")
    pair([np.zeros((2, 3), "float32"), np.zeros((2,), "int32")])
    with pytest.raises(ValueError, match="pair.*input 1: expected dtype int32, received float32"):
        pair([np.zeros((2, 3), "float32"), np.zeros((2,), "float32")])
    with pytest.raises(ValueError, match="pair.*input 0: expected max_ndim=2"):
        pair([np.zeros((2, 3, 1), "float32"), np.zeros((2,), "int32")])
