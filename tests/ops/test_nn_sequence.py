"""ctc_loss, ctc_decode, fold, unfold and rearrange against NumPy references and keras.ops on every backend."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

import unikeras
from tests.reference import signal as ref
from unikeras import ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

rng0 = np.random.default_rng(5)
LOGITS = rng0.standard_normal((3, 6, 4)).astype("float32")
TARGET = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]], "int32")
TARGET_LENGTH = np.array([3, 2, 1], "int32")
TARGET_LAST_BLANK = np.array([[1, 2, 2], [0, 1, 3], [2, 3, 3]], "int32")  # class 3 pads
OUTPUT_LENGTH = np.array([6, 5, 3], "int32")
IMAGES = rng0.standard_normal((2, 2, 5, 6)).astype("float32")
UNFOLD = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
TOL = {"rtol": 1e-4, "atol": 1e-5}


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@functools.cache
def _keras_results() -> dict:
    k = keras.ops
    out = {
        "loss": k.ctc_loss(TARGET, LOGITS, TARGET_LENGTH, OUTPUT_LENGTH),
        "loss_last_blank": k.ctc_loss(TARGET_LAST_BLANK, LOGITS, TARGET_LENGTH, OUTPUT_LENGTH, mask_index=3),
        "greedy": k.ctc_decode(LOGITS, OUTPUT_LENGTH),
        "greedy_unmerged": k.ctc_decode(LOGITS, OUTPUT_LENGTH, merge_repeated=False),
        "beam": k.ctc_decode(LOGITS, OUTPUT_LENGTH, strategy="beam_search", top_paths=3),
        "unfold": k.unfold(IMAGES, **UNFOLD),
    }
    out["fold"] = k.fold(out["unfold"], output_size=(5, 6), **UNFOLD)
    return {
        key: [np.asarray(v) for v in value] if isinstance(value, tuple) else np.asarray(value)
        for key, value in out.items()
    }


def test_ctc_loss_matches_forward_algorithm_and_keras(backend):
    got = _np(ops.ctc_loss(TARGET, LOGITS, TARGET_LENGTH, OUTPUT_LENGTH))
    expected = [
        ref.ctc_loss(list(TARGET[i, : TARGET_LENGTH[i]]), LOGITS[i, : OUTPUT_LENGTH[i]].astype("float64"))
        for i in range(3)
    ]
    np.testing.assert_allclose(got, expected, **TOL)
    np.testing.assert_allclose(got, _keras_results()["loss"], **TOL)
    # the blank as the last class: labels 0.. are then real classes
    got = _np(ops.ctc_loss(TARGET_LAST_BLANK, LOGITS, TARGET_LENGTH, OUTPUT_LENGTH, mask_index=3))
    expected = [
        ref.ctc_loss(
            list(TARGET_LAST_BLANK[i, : TARGET_LENGTH[i]]), LOGITS[i, : OUTPUT_LENGTH[i]].astype("float64"), blank=3
        )
        for i in range(3)
    ]
    np.testing.assert_allclose(got, expected, **TOL)
    np.testing.assert_allclose(got, _keras_results()["loss_last_blank"], **TOL)
    # a target that cannot fit in the output length ("1 1" needs 3 steps)
    infeasible = _np(ops.ctc_loss(np.array([[1, 1]]), LOGITS[:1], np.array([2]), np.array([2])))
    assert np.isinf(infeasible).all()


def test_ctc_loss_gradient_matches_finite_differences(backend):
    logits = LOGITS[:2, :4].astype("float64")
    lengths, out_lengths = np.array([2, 1], "int32"), np.array([4, 3], "int32")

    def reference(v):
        return sum(ref.ctc_loss(list(TARGET[i, : lengths[i]]), v[i, : out_lengths[i]]) * (i + 1) for i in range(2))

    variable = unikeras.Variable(logits, dtype="float64")

    def loss():
        per_sample = ops.ctc_loss(TARGET[:2], variable, lengths, out_lengths)
        return ops.sum(ops.multiply(per_sample, np.array([1.0, 2.0])))

    value, (grad,) = ops.value_and_grad(loss, [variable])()
    np.testing.assert_allclose(float(_np(value)), reference(logits), rtol=1e-6)
    h, numeric = 1e-6, np.zeros_like(logits)
    for index in np.ndindex(logits.shape):
        e = np.zeros_like(logits)
        e[index] = h
        numeric[index] = (reference(logits + e) - reference(logits - e)) / (2 * h)
    np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)
    assert np.all(_np(grad)[1, 3:] == 0)  # steps past the output length take no gradient


def test_ctc_decode_matches_keras(backend):
    k = _keras_results()
    for key, kwargs in [("greedy", {}), ("greedy_unmerged", {"merge_repeated": False})]:
        decoded, scores = ops.ctc_decode(LOGITS, OUTPUT_LENGTH, **kwargs)
        np.testing.assert_array_equal(_np(decoded), k[key][0])
        np.testing.assert_allclose(_np(scores), k[key][1], **TOL)
    decoded, scores = ops.ctc_decode(LOGITS, OUTPUT_LENGTH, strategy="beam_search", top_paths=3)
    assert _np(decoded).shape == (3, 3, 6) and _np(scores).shape == (3, 3)
    np.testing.assert_array_equal(_np(decoded), k["beam"][0])
    np.testing.assert_allclose(_np(scores), k["beam"][1], **TOL)
    # the best path's score is its total probability: the CTC loss of the decoded labels
    best = [list(row[row >= 0]) for row in _np(decoded)[0]]
    for i, labels in enumerate(best):
        expected = -ref.ctc_loss(labels, LOGITS[i, : OUTPUT_LENGTH[i]].astype("float64"))
        np.testing.assert_allclose(_np(scores)[i, 0], expected, **TOL)


def test_unfold_fold_match_keras_and_are_adjoint(backend):
    k = _keras_results()
    patches = ops.unfold(IMAGES, **UNFOLD)
    np.testing.assert_allclose(_np(patches), k["unfold"], **TOL)
    np.testing.assert_allclose(_np(ops.fold(k["unfold"], output_size=(5, 6), **UNFOLD)), k["fold"], **TOL)
    # <unfold(x), y> == <x, fold(y)>
    y = np.random.default_rng(1).standard_normal(k["unfold"].shape).astype("float32")
    left = np.sum(_np(patches) * y)
    right = np.sum(IMAGES * _np(ops.fold(y, (5, 6), **UNFOLD)))
    np.testing.assert_allclose(left, right, rtol=1e-4)


def test_rearrange_matches_numpy(backend):
    x = np.arange(2 * 4 * 6 * 3, dtype="float32").reshape(2, 4, 6, 3)
    np.testing.assert_array_equal(_np(ops.rearrange(x, "b h w c -> b c h w")), x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(
        _np(ops.rearrange(x, "b h w c -> h (b w) c")), x.transpose(1, 0, 2, 3).reshape(4, 12, 3)
    )
    got = _np(ops.rearrange(x, "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=3))
    expected = x.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(12, 2, 2, 3)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(
        got, np.asarray(keras.ops.rearrange(x, "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=3))
    )
    symbolic = ops.rearrange(unikeras.Input((4, 6, 3)), "b h (w w2) c -> b h w (w2 c)", w2=2)
    assert tuple(symbolic.shape) == (None, 4, 3, 6)


def test_bad_arguments(backend):
    with pytest.raises(ValueError, match="batch_size, max_length, num_classes"):
        ops.ctc_loss(TARGET, LOGITS[0], TARGET_LENGTH, OUTPUT_LENGTH)
    with pytest.raises(ValueError, match="Invalid strategy"):
        ops.ctc_decode(LOGITS, OUTPUT_LENGTH, strategy="sample")
    with pytest.raises(ValueError, match="4D"):
        ops.unfold(IMAGES[0], 2)
    with pytest.raises(ValueError, match="divisible"):
        ops.fold(np.zeros((1, 5, 4), "float32"), (3, 3), 2)
    with pytest.raises(ValueError, match="rank"):
        ops.rearrange(IMAGES, "b c h -> b h c")
    with pytest.raises(ValueError, match="same axes"):
        ops.rearrange(IMAGES, "b c h w -> b c h")
