"""Reshape, Permute, RepeatVector, ZeroPadding1D/2D, Cropping1D/2D: forward against NumPy, symbolic
output shapes equal to real ones, config round trip, argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops
from unikeras.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Permute,
    RepeatVector,
    Reshape,
    ZeroPadding1D,
    ZeroPadding2D,
)

# (factory, input shape without batch, NumPy reference of the whole batch)
CASES = {
    "reshape": (lambda: Reshape((3, 4)), (2, 6), lambda x: x.reshape(x.shape[0], 3, 4)),
    "reshape_infer": (lambda: Reshape((-1, 2)), (2, 6), lambda x: x.reshape(x.shape[0], 6, 2)),
    "permute": (lambda: Permute((2, 3, 1)), (2, 3, 4), lambda x: x.transpose(0, 2, 3, 1)),
    "repeat_vector": (lambda: RepeatVector(3), (4,), lambda x: np.repeat(x[:, None, :], 3, axis=1)),
    "zero_pad_1d": (lambda: ZeroPadding1D((1, 2)), (3, 2), lambda x: np.pad(x, ((0, 0), (1, 2), (0, 0)))),
    "zero_pad_1d_int": (lambda: ZeroPadding1D(2), (3, 2), lambda x: np.pad(x, ((0, 0), (2, 2), (0, 0)))),
    "zero_pad_2d": (
        lambda: ZeroPadding2D(((1, 0), (2, 1))),
        (3, 4, 2),
        lambda x: np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0))),
    ),
    "zero_pad_2d_sym": (
        lambda: ZeroPadding2D((1, 2)),
        (3, 4, 2),
        lambda x: np.pad(x, ((0, 0), (1, 1), (2, 2), (0, 0))),
    ),
    "zero_pad_2d_cf": (
        lambda: ZeroPadding2D(1, data_format="channels_first"),
        (2, 3, 4),
        lambda x: np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))),
    ),
    "crop_1d": (lambda: Cropping1D((1, 2)), (6, 2), lambda x: x[:, 1:-2]),
    "crop_1d_int": (lambda: Cropping1D(1), (6, 2), lambda x: x[:, 1:-1]),
    "crop_2d": (lambda: Cropping2D(((1, 0), (2, 1))), (4, 5, 3), lambda x: x[:, 1:, 2:-1]),
    "crop_2d_sym": (lambda: Cropping2D((1, 2)), (4, 5, 3), lambda x: x[:, 1:-1, 2:-2]),
    "crop_2d_cf": (
        lambda: Cropping2D(((0, 1), (1, 1)), data_format="channels_first"),
        (2, 4, 5),
        lambda x: x[:, :, :-1, 1:-1],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_matches_numpy_and_symbolic_shape(backend, rng, case):
    factory, shape, reference = CASES[case]
    x = rng.standard_normal((2,) + shape).astype("float32")
    layer = factory()
    out = ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(out, reference(x))
    symbolic = factory()(unikeras.Input(shape))
    assert symbolic.shape == (None,) + out.shape[1:]
    assert tuple(layer.compute_output_shape(x.shape)) == out.shape


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_round_trip(backend, case):
    layer = CASES[case][0]()
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_reshaping_inside_a_model_with_gradients(backend, rng):
    model = unikeras.Sequential(
        [
            unikeras.Input((4,)),
            RepeatVector(3),
            ZeroPadding1D(1),
            Cropping1D((0, 1)),
            Permute((2, 1)),
            Reshape((-1,)),
            unikeras.layers.Dense(1),
        ]
    )
    x = rng.standard_normal((5, 4)).astype("float32")
    assert model(x).shape == (5, 1)
    kernel, bias = model.get_weights()
    assert kernel.shape == (16, 1)
    padded = np.pad(np.repeat(x[:, None, :], 3, axis=1), ((0, 0), (1, 1), (0, 0)))[:, :-1]
    expected = padded.transpose(0, 2, 1).reshape(5, -1) @ kernel + bias
    np.testing.assert_allclose(ops.convert_to_numpy(model(x)), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: Reshape((-1, -1)), "at most one -1"),
        (lambda: Reshape((0, 2)), "target_shape"),
        (lambda: Permute((1, 3)), "permutation"),
        (lambda: RepeatVector(0), "`n`"),
        (lambda: ZeroPadding1D((1, 2, 3)), "padding"),
        (lambda: ZeroPadding2D(-1), "padding"),
        (lambda: Cropping2D(((1, 2), 3, 4)), "cropping"),
        (lambda: ZeroPadding2D(1, data_format="nhwc"), "data_format"),
    ],
)
def test_bad_arguments_raise(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_incompatible_shapes_raise(backend, rng):
    with pytest.raises(ValueError, match="cannot reshape"):
        Reshape((5,), name="rs")(unikeras.Input((2, 3)))
    with pytest.raises(ValueError, match="leaves nothing"):
        Cropping1D((2, 2))(rng.standard_normal((1, 4, 2)).astype("float32"))
    with pytest.raises(ValueError, match="rank 2"):
        RepeatVector(2)(unikeras.Input((2, 3)))
