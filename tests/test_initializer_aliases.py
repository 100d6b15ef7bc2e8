"""Keras's alias names of the initializers, and the STFT initializer, against keras and NumPy's FFT."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import initializers, layers, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def test_every_keras_initializer_name_names_the_same_class():
    for name in dir(keras.initializers):
        if name.startswith("_") or name in ("deserialize", "get", "serialize"):
            continue
        ours, theirs = getattr(initializers, name), getattr(keras.initializers, name)
        assert isinstance(ours, type) and ours.__name__ == theirs.__name__, name
        if name.islower():  # a snake-case name is also a `get` identifier
            assert type(initializers.get(name)) is ours, name


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"side": "imag"},
        {"window": "hamming", "scaling": "spectrum", "periodic": True},
        {"window": "blackman", "scaling": None},
        {"window": "bartlett", "periodic": True},
        {"window": "tukey"},  # through scipy.signal
        {"window": None},
        {"window": list(np.linspace(0.1, 1.0, 16)), "side": "imag"},
    ],
)
def test_stft_kernel_matches_keras(kwargs):
    shape = (16, 1, 9)
    ours = initializers.STFT(**kwargs)(shape, "float32")
    theirs = np.asarray(keras.initializers.STFT(**kwargs)(shape, "float32"))
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)  # keras computes the angles in float32
    assert initializers.STFT(**kwargs).get_config() == keras.initializers.STFT(**kwargs).get_config()


@pytest.mark.parametrize("side", ["real", "imag"])
def test_a_conv1d_with_stft_kernels_computes_the_windowed_fft(backend, rng, side):
    frame, hop, bins = 8, 4, 5
    signal = rng.standard_normal((2, 24, 1)).astype("float32")
    conv = layers.Conv1D(
        bins, frame, strides=hop, use_bias=False, kernel_initializer=initializers.stft(side=side, window="hann")
    )
    got = ops.convert_to_numpy(conv(signal))
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / (frame - 1))
    frames = np.stack([signal[:, i : i + frame, 0] for i in range(0, 24 - frame + 1, hop)], axis=1)
    spectrum = np.fft.rfft(frames.astype("float64") * window, axis=-1) / np.sqrt((window**2).sum())
    np.testing.assert_allclose(got, spectrum.real if side == "real" else spectrum.imag, rtol=1e-4, atol=1e-5)
    config = conv.get_config()["kernel_initializer"]
    assert initializers.deserialize(config).get_config() == initializers.STFT(side=side).get_config()


def test_stft_reads_keras_configs_and_rejects_what_keras_rejects():
    keras_config = keras.initializers.serialize(keras.initializers.STFTInitializer("imag", "hamming", None, True))
    init = initializers.deserialize(keras_config)
    assert isinstance(init, initializers.STFT) and init.get_config() == keras_config["config"]
    assert isinstance(initializers.get("stft"), initializers.STFT)
    for kwargs in ({"side": "both"}, {"scaling": "energy"}, {"window": "no-such-window"}):
        with pytest.raises(ValueError):
            keras.initializers.STFT(**kwargs)
        with pytest.raises(ValueError):
            initializers.STFT(**kwargs)
    with pytest.raises(ValueError, match="must be equal to \\[frame_length\\]"):
        initializers.STFT(window=[1.0, 2.0])((4, 1, 3))


def test_aliases_build_weights_on_every_backend(backend):
    layer = layers.Dense(3, kernel_initializer=initializers.orthogonal(seed=1), bias_initializer=initializers.ones())
    layer.build((None, 3))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(kernel @ kernel.T, np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(bias, np.ones(3))
    assert unikeras.layers.Dense(2, kernel_initializer="he_normal").get_config()["kernel_initializer"][
        "class_name"
    ] == ("HeNormal")
