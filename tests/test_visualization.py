"""keras.visualization: draw_segmentation_masks against keras on every backend; plot_image_gallery's grid."""

from __future__ import annotations

import os

import numpy as np
import pytest

from unikeras import ops, visualization

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def test_draw_segmentation_masks_matches_keras(backend):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 4, 5, 3)).astype("float32")
    masks = rng.integers(-1, 4, (2, 4, 5, 1)).astype("int32")
    for kwargs in ({}, {"num_classes": 4, "alpha": 0.5}, {"blend": False, "num_classes": 2}):
        ours = visualization.draw_segmentation_masks(
            ops.convert_to_tensor(images), ops.convert_to_tensor(masks), **kwargs
        )
        theirs = np.asarray(keras.visualization.draw_segmentation_masks(images, masks, **kwargs))
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    first = visualization.draw_segmentation_masks(
        images.transpose(0, 3, 1, 2), masks.transpose(0, 3, 1, 2), data_format="channels_first"
    )
    np.testing.assert_array_equal(first, visualization.draw_segmentation_masks(images, masks))
    with pytest.raises(TypeError, match="integers"):
        visualization.draw_segmentation_masks(images, masks.astype("float32"))


def test_plot_image_gallery_grid_and_file(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    images = np.random.default_rng(1).uniform(0, 1, (5, 6, 6, 3))
    fig = visualization.plot_image_gallery(
        images, y_true=np.array([0, 1, 0, 1, 0]), label_map={0: "cat", 1: "dog"}, value_range=(0, 1),
        path=tmp_path / "g.png",
    )  # fmt: skip
    assert (tmp_path / "g.png").stat().st_size > 0
    axes = fig.get_axes()
    assert len(axes) == 3  # as in Keras: rows = ceil(sqrt(5)) = 3, cols = 5 // 3 = 1
    assert [a.get_title() for a in axes[:2]] == ["Label: cat", "Label: dog"]
    with pytest.raises(ValueError, match="label_map"):
        visualization.plot_image_gallery(images, y_true=[0], path=tmp_path / "x.png")
