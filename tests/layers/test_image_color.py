"""Colour and mixing augmentation layers on every backend.

Each random layer's transform, given fixed parameters (``transform_images(images, transformation)``), is
compared with NumPy (tests/reference/image_color.py) in both data formats; the draws of
``get_random_transformation`` are checked for range and reproducibility; the random layers are the
identity at inference; AutoContrast, Equalization and CLAHE are compared with Keras 3; dict inputs (labels,
bounding boxes), Pipeline and argument errors. Shapes, configs and Keras's inference outputs are in the
catalogue (tests/layers/catalogue_image_color.py).
"""

from __future__ import annotations

import functools
import json
import os

import numpy as np
import pytest

import unikeras
from tests.reference import image_color as ref
from unikeras import layers, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@functools.cache
def _images() -> np.ndarray:
    """Three 4x5 RGB images in [0, 255] (integers), one channel of the last one constant."""
    x = np.round(np.random.default_rng(3).uniform(0, 255, (3, 4, 5, 3)))
    x[2, ..., 1] = 77.0
    return x.astype("float32")


@functools.cache
def _box_mask() -> np.ndarray:
    x0, x1, y0, y1 = np.array([0.5, 1.0, 0.0]), np.array([3.2, 5.0, 2.0]), np.array([1.0, 0.0, 0.3]), [3.0, 2.5, 4.0]
    return ref.box_mask(_images().shape, x0, x1, y0, np.array(y1))


APPLY = np.array([True, False, True]).reshape(3, 1, 1, 1)

# name -> (layer kwargs, transformation (NumPy, channels_last), reference(x))
CASES = {
    "RandomContrast": (
        {"factor": 0.5},
        lambda: {"contrast_factor": np.array([0.6, 1.3, 1.0], "float32").reshape(3, 1, 1, 1)},
        lambda x: ref.contrast(x, [0.6, 1.3, 1.0]),
    ),
    "RandomBrightness": (
        {"factor": 0.5},
        lambda: {"rgb_delta": np.array([-40.0, 0.0, 90.0], "float32").reshape(3, 1, 1, 1)},
        lambda x: ref.brightness(x, [-40.0, 0.0, 90.0]),
    ),
    "RandomGrayscale": ({}, lambda: APPLY, lambda x: ref.grayscale_some(x, APPLY.ravel())),
    "RandomInvert": ({}, lambda: {"apply_inversion": APPLY.ravel()}, lambda x: ref.invert(x, APPLY.ravel())),
    "Solarization": (
        {},
        lambda: {
            "additions": np.array([0.0, 30.0, 60.0], "float32").reshape(3, 1, 1, 1),
            "thresholds": np.array([128.0, 200.0, 50.0], "float32").reshape(3, 1, 1, 1),
        },
        lambda x: ref.solarize(x, [0.0, 30.0, 60.0], [128.0, 200.0, 50.0]),
    ),
    "RandomColorDegeneration": (
        {"factor": 1.0},
        lambda: {"factor": np.array([0.3, -0.5, 1.0], "float32").reshape(3, 1, 1, 1)},
        lambda x: ref.degenerate(x, [0.3, -0.5, 1.0]),
    ),
    "RandomSaturation": (
        {"factor": 0.5},
        lambda: {"factor": np.array([0.5, 1.5, 0.0], "float32")},
        lambda x: ref.saturate(x, [0.5, 1.5, 0.0]),
    ),
    "RandomHue": (
        {"factor": 1.0},
        lambda: {"factor": np.array([0.1, -0.3, 0.45], "float32")},
        lambda x: ref.hue_shift(x, [0.1, -0.3, 0.45]),
    ),
    "RandomSharpness": (
        {"factor": 1.0},
        lambda: {"factor": np.array([0.0, 0.5, 0.9], "float32")},
        lambda x: ref.sharpen(x, [0.0, 0.5, 0.9]),
    ),
    "RandomPosterization": (
        {"factor": (1, 8)},
        lambda: {"shift_factor": np.array([7, 4, 2], "int32")},
        lambda x: ref.posterize(x, [1, 4, 6]),
    ),
    "AutoContrast": ({}, lambda: None, ref.autocontrast),
    "Equalization": ({}, lambda: None, ref.equalize),
    "Equalization_bins": ({"bins": 16}, lambda: None, lambda x: ref.equalize(x, 16)),
    "MixUp": (
        {},
        lambda: {"mix_weight": np.array([0.2, 0.7, 1.0], "float32"), "permutation_order": np.array([2, 0, 1])},
        lambda x: ref.mixup(x, [0.2, 0.7, 1.0], [2, 0, 1]),
    ),
    "CutMix": (
        {},
        lambda: {
            "permutation_order": np.array([1, 2, 0]),
            "batch_masks": _box_mask(),
            "mix_weight": np.array([0.5, 0.5, 0.5], "float32"),
        },
        lambda x: ref.cutmix(x, _box_mask(), [1, 2, 0]),
    ),
    "RandomErasing": (
        {},
        lambda: {
            "apply_erasing": APPLY.ravel(),
            "batch_masks": _box_mask(),
            "fill_value": np.full(_images().shape, 7.0, "float32"),
        },
        lambda x: ref.erase(x, _box_mask(), APPLY.ravel(), 7.0),
    ),
    "RandomColorJitter": (
        {"brightness_factor": 0.5, "contrast_factor": 0.5},
        lambda: {
            "brightness": {"rgb_delta": np.array([-40.0, 0.0, 90.0], "float32").reshape(3, 1, 1, 1)},
            "contrast": {"contrast_factor": np.array([0.6, 1.3, 1.0], "float32").reshape(3, 1, 1, 1)},
        },
        lambda x: ref.contrast(ref.brightness(x, [-40.0, 0.0, 90.0]), [0.6, 1.3, 1.0]),
    ),
}


def _channels_first(transformation):
    """The transformation for channels_first images (per-pixel arrays transposed)."""
    if isinstance(transformation, dict):
        return {k: _channels_first(v) for k, v in transformation.items()}
    if isinstance(transformation, np.ndarray) and transformation.ndim == 4 and transformation.shape[1] != 1:
        return np.transpose(transformation, (0, 3, 1, 2))
    return transformation


def _tensors(transformation):
    if isinstance(transformation, dict):
        return {k: _tensors(v) for k, v in transformation.items()}
    return None if transformation is None else ops.convert_to_tensor(transformation)


@functools.cache
def _expected(case: str) -> np.ndarray:
    return CASES[case][2](_images().astype("float64"))


# layers whose code depends on the data format (axes, channel splits, convolution, masks): run in both
BOTH_FORMATS = {"RandomContrast", "RandomGrayscale", "RandomHue", "RandomSharpness", "Equalization", "CutMix"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_transform_with_fixed_parameters_matches_numpy(backend, case):
    kwargs, transformation, _ = CASES[case]
    name = case.split("_")[0]
    x = _images()
    formats = ("channels_last", "channels_first") if name in BOTH_FORMATS else ("channels_last",)
    for data_format in formats:
        layer = getattr(layers, name)(**kwargs, data_format=data_format)
        given = transformation() if data_format == "channels_last" else _channels_first(transformation())
        data = x if data_format == "channels_last" else np.transpose(x, (0, 3, 1, 2))
        got = _np(layer.transform_images(ops.convert_to_tensor(data), _tensors(given), training=True))
        if data_format == "channels_first":
            got = np.transpose(got, (0, 2, 3, 1))
        np.testing.assert_allclose(got, _expected(case), rtol=1e-4, atol=2e-3)


RANDOM = {
    "RandomContrast": {"factor": 0.3},
    "RandomBrightness": {"factor": 0.3},
    "RandomGrayscale": {"factor": 0.9},
    "RandomInvert": {"factor": (0.9, 1.0)},
    "Solarization": {"addition_factor": 0.3, "threshold_factor": 0.6},
    "RandomColorDegeneration": {"factor": 0.5},
    "RandomSaturation": {"factor": 0.5},
    "RandomHue": {"factor": 0.5},
    "RandomSharpness": {"factor": 0.5},
    "RandomPosterization": {"factor": (1, 5)},
    "Equalization": {},
    "RandomColorJitter": {"brightness_factor": 0.2, "saturation_factor": 0.3, "hue_factor": 0.2},
    "RandomErasing": {"scale": (0.2, 0.5)},
    "MixUp": {"alpha": 0.5},
    "CutMix": {},
}


def test_identity_at_inference_and_seeded_training(backend):
    """Random layers: the identity with training=False (Equalization too, as in Keras); with training left
    unset they augment (Keras's default); the same seed gives the same augmentation; a single image works."""
    x = _images()
    for name, kwargs in RANDOM.items():
        seeded = {} if name == "Equalization" else {"seed": 11}
        layer = getattr(layers, name)(**kwargs, **seeded)
        first = _np(layer(x))
        np.testing.assert_array_equal(_np(layer(x, training=False)), x, err_msg=name)
        assert np.abs(first - x).max() > 1.0, f"{name} did not augment"
        again = _np(getattr(layers, name)(**kwargs, **seeded)(x, training=True))
        np.testing.assert_allclose(again, first, rtol=1e-6, atol=1e-4, err_msg=name)
        if name in ("RandomContrast", "CutMix"):  # one image (rank 3): the shared path; CutMix leaves it
            single = _np(layer(x[0], training=True))
            assert single.shape == x[0].shape, name


def _draws(layer, times: int = 40) -> dict:
    """``times`` transformations of the test batch, stacked (one image shape throughout: jax compiles each
    op once per shape)."""
    x = _images()
    runs = [layer.get_random_transformation(x, training=True) for _ in range(times)]
    if not isinstance(runs[0], dict):
        return {"": np.concatenate([_np(r) for r in runs])}
    return {k: np.concatenate([_np(r[k]).reshape(-1, *_np(r[k]).shape[1:]) for r in runs]) for k in runs[0]}


def test_drawn_parameters_lie_in_their_ranges(backend):
    contrast = _draws(layers.RandomContrast((0.2, 0.5), seed=1))["contrast_factor"]
    assert contrast.min() >= 0.8 and contrast.max() <= 1.5 and contrast.min() < 0.9 and contrast.max() > 1.4
    delta = _draws(layers.RandomBrightness(0.2, value_range=(0, 1), seed=1))["rgb_delta"]
    assert delta.min() >= -0.2 and delta.max() <= 0.2 and delta.min() < -0.15 and delta.max() > 0.15
    hue = _draws(layers.RandomHue(0.4, seed=1))["factor"]
    assert np.abs(hue).max() <= 0.2 and (hue < 0).mean() > 0.3 and (hue > 0).mean() > 0.3
    shifts = _draws(layers.RandomPosterization((2, 5), seed=1))["shift_factor"]
    assert set(np.unique(shifts)) == {4, 5, 6}  # bits drawn on [2, 5)
    saturation = _draws(layers.RandomSaturation((0.2, 0.6), seed=1))["factor"]
    assert saturation.min() >= 0.2 / 0.8 - 1e-4 and saturation.max() <= 0.6 / 0.4 + 1e-4
    inverted = _draws(layers.RandomInvert((0.5, 0.5), seed=1))["apply_inversion"]
    assert 0.3 < inverted.mean() < 0.7
    gray = _draws(layers.RandomGrayscale(0.25, seed=1))[""]
    assert gray.shape == (120, 1, 1, 1) and 0.12 < gray.mean() < 0.38
    mixup = _draws(layers.MixUp(alpha=0.5, seed=1))
    assert all(sorted(order) == [0, 1, 2] for order in mixup["permutation_order"].reshape(-1, 3))
    weight = mixup["mix_weight"]
    assert weight.min() >= 0 and weight.max() <= 1 and abs(weight.mean() - 0.5) < 0.1 and weight.std() > 0.25


def test_cutmix_and_erasing_draw_rectangles(backend):
    cut = _draws(layers.CutMix(seed=2), 20)
    assert all(sorted(order) == [0, 1, 2] for order in cut["permutation_order"].reshape(-1, 3))
    masks = cut["batch_masks"]
    assert masks.shape == (60, 4, 5, 3) and masks.dtype == bool
    for mask in masks[..., 0]:  # each mask is one axis-aligned rectangle, the same on every channel
        rows, cols = np.nonzero(mask)
        if rows.size:
            assert mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].all()
    assert (masks == masks[..., :1]).all()
    kept = 1 - masks[..., 0].mean(axis=(1, 2))
    assert np.abs(kept - cut["mix_weight"]).max() < 0.45  # the label weight is the kept area (pixels: coarse)
    assert kept.min() < 0.5 < kept.max()
    drawn = _draws(layers.RandomErasing(scale=(0.25, 0.25), factor=(1.0, 1.0), seed=2), 20)
    area = drawn["batch_masks"][..., 0].mean(axis=(1, 2))
    assert drawn["apply_erasing"].all() and np.abs(area - 0.25).max() < 0.2  # sides of half the image
    assert drawn["fill_value"].min() >= 0 and drawn["fill_value"].max() <= 255


def test_deterministic_layers_match_keras(backend):
    x = _images()
    for name, kwargs, training in (("AutoContrast", {}, False), ("Equalization", {"bins": 32}, True)):
        theirs = getattr(keras.layers, name)(**kwargs)
        for data in (x, x[1]):
            expected = np.asarray(theirs(data, training=training))
            got = _np(getattr(layers, name)(**kwargs)(data, training=training))
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)
    # CLAHE channels_last is compared with Keras in the catalogue; channels_first here (the same arguments)
    clahe = {"tile_grid_size": (2, 2), "clip_limit": 2.0, "data_format": "channels_first"}
    first = np.transpose(x, (0, 3, 1, 2))
    expected = np.asarray(keras.layers.ContrastLimitedAdaptiveHistogramEqualization(**clahe)(first))
    got = _np(layers.ContrastLimitedAdaptiveHistogramEqualization(**clahe)(first))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3)


def test_rand_augment_applies_the_chosen_augmentations(backend):
    """Given choices (brightness, then contrast) and their parameters, RandAugment's output is NumPy's;
    its choices are drawn among the eleven augmentations; the identity at inference."""
    x = _images()
    layer = layers.RandAugment(num_ops=2, factor=0.5, seed=5)
    transformation = layer.get_random_transformation(x, training=True)
    assert set(transformation["transforms"]) == set(layers.RandAugment._AUGMENT_LAYERS)
    choices = np.concatenate([_np(layer.get_random_transformation(x)["layer_idxes"]) for _ in range(30)])
    assert choices.min() >= 0 and choices.max() <= 10 and len(set(choices)) >= 8
    brightness, contrast = CASES["RandomBrightness"][1](), CASES["RandomContrast"][1]()
    transformation["layer_idxes"] = ops.convert_to_tensor(np.array([3, 5], "int32"))
    transformation["transforms"]["random_brightness"] = _tensors(brightness)
    transformation["transforms"]["random_contrast"] = _tensors(contrast)
    got = _np(layer.transform_images(ops.convert_to_tensor(x), transformation, training=True))
    expected = ref.contrast(ref.brightness(x.astype("float64"), [-40.0, 0.0, 90.0]), [0.6, 1.3, 1.0])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=2e-3)
    np.testing.assert_array_equal(_np(layer(x, training=False)), x)


def test_dict_inputs_mix_labels_and_refuse_boxes(backend):
    x = _images()
    labels = np.eye(3, dtype="float32")
    out = layers.MixUp(alpha=0.5, seed=4)({"images": x, "labels": labels})
    mixed_images, mixed_labels = _np(out["images"]), _np(out["labels"])
    # each output image is w * x_i + (1 - w) * x_j, and its label row holds w at i and 1 - w at j
    for i in range(3):
        j = [k for k in range(3) if k != i and mixed_labels[i, k] > 0]
        w = mixed_labels[i, i] if mixed_labels[i, i] > 0 else 0.0
        other = x[j[0]] if j else x[i]
        np.testing.assert_allclose(mixed_images[i], w * x[i] + (1 - w) * other if j else x[i], rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(mixed_labels.sum(axis=1), 1.0, rtol=1e-6)
    cut = layers.CutMix(seed=4)({"images": x, "labels": labels}, training=False)
    np.testing.assert_array_equal(_np(cut["images"]), x)
    np.testing.assert_array_equal(_np(cut["labels"]), labels)
    passed = layers.RandomContrast(0.2, seed=1)({"images": x, "labels": labels})
    np.testing.assert_array_equal(_np(passed["labels"]), labels)
    for layer in (layers.RandomHue(0.2), layers.MixUp()):
        with pytest.raises(ValueError, match=f"{type(layer).__name__} '{layer.name}'.*bounding boxes"):
            layer({"images": x, "bounding_boxes": {"boxes": np.zeros((3, 1, 4)), "labels": np.zeros((3, 1))}})


def test_max_num_bounding_boxes_pads_and_truncates(backend, rng):
    x = _images()
    boxes = rng.uniform(0, 4, (3, 4, 4)).astype("float32")
    box_labels = rng.integers(0, 5, (3, 4)).astype("int32")
    for max_number in (2, 6):
        layer = layers.MaxNumBoundingBoxes(max_number, fill_value=-7)
        out = layer({"images": x, "bounding_boxes": {"boxes": boxes, "labels": box_labels}})
        kept = min(4, max_number)
        want_boxes = np.full((3, max_number, 4), -7.0, "float32")
        want_boxes[:, :kept] = boxes[:, :kept]
        want_labels = np.full((3, max_number), -7, "int32")
        want_labels[:, :kept] = box_labels[:, :kept]
        np.testing.assert_array_equal(_np(out["bounding_boxes"]["boxes"]), want_boxes)
        np.testing.assert_array_equal(_np(out["bounding_boxes"]["labels"]), want_labels)
        np.testing.assert_array_equal(_np(out["images"]), x)
        shapes = layer.compute_output_shape(
            {"images": x.shape, "bounding_boxes": {"boxes": (3, 4, 4), "labels": (3, 4)}}
        )
        assert shapes["bounding_boxes"] == {"boxes": (3, max_number, 4), "labels": (3, max_number)}
    single = layers.MaxNumBoundingBoxes(1)(
        {"images": x[0], "bounding_boxes": {"boxes": boxes[0], "labels": box_labels[0]}}
    )
    np.testing.assert_array_equal(_np(single["bounding_boxes"]["boxes"]), boxes[0, :1])


def test_pipeline_applies_its_layers_in_order(backend):
    x = _images()
    pipeline = layers.Pipeline([layers.RandomBrightness(0.5, seed=1), layers.AutoContrast()])
    assert [type(layer).__name__ for layer in pipeline.layers] == ["RandomBrightness", "AutoContrast"]
    np.testing.assert_allclose(_np(pipeline(x, training=False)), ref.autocontrast(x), rtol=1e-4, atol=1e-3)
    config = json.loads(json.dumps(pipeline.get_config()))
    assert set(config) == {"layers", "name"}
    clone = layers.Pipeline.from_config(config)
    np.testing.assert_allclose(_np(clone(x, training=True)), _np(pipeline(x, training=True)), rtol=1e-5, atol=1e-3)
    model = unikeras.Sequential([unikeras.Input((4, 5, 3)), pipeline])
    np.testing.assert_allclose(model.predict(x, verbose=0), ref.autocontrast(x), rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match="Pipeline"):
        layers.Pipeline.from_config({"name": "p"})


def test_bad_arguments_and_inputs_raise_naming_the_layer(backend):
    bad = [
        (layers.RandomContrast, {"factor": 1.5}, "`factor`"),
        (layers.RandomContrast, {"factor": (0.1, 0.2, 0.3)}, "`factor`"),
        (layers.RandomBrightness, {"factor": 0.2, "value_range": 255}, "`value_range`"),
        (layers.RandomGrayscale, {"factor": 2}, "`factor`"),
        (layers.Solarization, {"addition_factor": 1.2}, "`addition_factor`"),
        (layers.RandomPosterization, {"factor": 9}, "`factor`"),
        (layers.RandomErasing, {"fill_value": (1, 2)}, "`fill_value`"),
        (layers.RandomErasing, {"scale": 3}, "`scale`"),
        (layers.MixUp, {"alpha": 0}, "`alpha`"),
        (layers.Equalization, {"bins": 1}, "`bins`"),
        (layers.MaxNumBoundingBoxes, {"max_number": 0}, "`max_number`"),
        (layers.ContrastLimitedAdaptiveHistogramEqualization, {"tile_grid_size": (2,)}, "`tile_grid_size`"),
    ]
    for cls, kwargs, what in bad:
        with pytest.raises(ValueError, match=f"{cls.__name__} '.*': .*{what}"):
            cls(**kwargs)
    with pytest.raises(ValueError, match="RandomContrast 'probe_contrast': the `factor`"):
        layers.RandomContrast(-1, name="probe_contrast")
    for layer in (layers.CutMix(), layers.AutoContrast()):
        with pytest.raises(ValueError, match=f"{type(layer).__name__} '{layer.name}': expected images of rank 3"):
            layer(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="Pipeline"):
        layers.Pipeline([ops.relu])
