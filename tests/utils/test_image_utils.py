"""array_to_img, img_to_array, save_img and load_img against keras (both use Pillow)."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

from unikeras import utils

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


@pytest.fixture(scope="module")
def picture():
    return np.random.default_rng(0).uniform(-1, 3, size=(6, 4, 3)).astype("float32")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_array_img_round_trip_matches_keras(picture, data_format):
    x = picture if data_format == "channels_last" else picture.transpose(2, 0, 1)
    ours, theirs = utils.array_to_img(x, data_format=data_format), keras.utils.array_to_img(x, data_format=data_format)
    assert ours.mode == theirs.mode == "RGB" and ours.size == theirs.size == (4, 6)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    back = utils.img_to_array(ours, data_format=data_format)
    np.testing.assert_array_equal(back, keras.utils.img_to_array(theirs, data_format=data_format))
    assert back.dtype == np.float32
    gray = utils.array_to_img(x[..., :1] if data_format == "channels_last" else x[:1], data_format=data_format)
    assert gray.mode == "L"
    assert utils.img_to_array(gray, data_format=data_format).shape == (
        (6, 4, 1) if data_format == "channels_last" else (1, 6, 4)
    )
    assert utils.array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"


def test_save_and_load_img_match_keras(tmp_path, picture):
    path = tmp_path / "p.png"
    utils.save_img(path, picture)
    for kwargs in (
        {},
        {"color_mode": "grayscale"},
        {"color_mode": "rgba", "target_size": (3, 5), "interpolation": "bilinear"},
        {"target_size": (2, 4), "keep_aspect_ratio": True},
    ):
        ours, theirs = utils.load_img(path, **kwargs), keras.utils.load_img(str(path), **kwargs)
        assert ours.mode == theirs.mode and ours.size == theirs.size
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    buffer = io.BytesIO()
    utils.save_img(buffer, picture, file_format="jpg")
    buffer.seek(0)
    assert utils.load_img(buffer).size == (4, 6)


def test_image_utils_errors(tmp_path, picture):
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(picture[0])
    with pytest.raises(ValueError, match="channels"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(tmp_path / "x.png", color_mode="cmyk")
    utils.save_img(tmp_path / "p.png", picture)
    with pytest.raises(ValueError, match="interpolation"):
        utils.load_img(tmp_path / "p.png", target_size=(2, 2), interpolation="cubic")
    with pytest.raises(TypeError, match="path"):
        utils.load_img(3)
