"""GroupQueryAttention on every backend: outputs and scores against NumPy (tests/reference/misc_layers.py)
and against Keras with the same weights (masks, causal mask, sliding window, gate), shapes (real,
``compute_output_shape``, symbolic), config round trip, dropout, and errors."""

from __future__ import annotations

import functools
import json
import os

import numpy as np
import pytest

import unikeras
from tests.reference import misc_layers as ref
from unikeras import layers, ops

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

RTOL, ATOL = 1e-4, 1e-5
CASES = {  # the plain path (no masks, no gate) runs in test_shapes_config_and_masks_from_inputs
    "gated_masked_causal_window": ({"use_gate": True, "sliding_window": 2}, {"masks": True, "use_causal_mask": True}),
}


@functools.cache
def _inputs() -> dict:
    rng = np.random.default_rng(10)
    return {
        "query": rng.standard_normal((2, 4, 6)).astype("float32"),
        "value": rng.standard_normal((2, 5, 6)).astype("float32"),
        "key": rng.standard_normal((2, 5, 6)).astype("float32"),
        "query_mask": np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool),
        "value_mask": np.array([[1, 1, 0, 1, 1], [1, 1, 1, 1, 0]], bool),
    }


def _call_kwargs(case: str) -> dict:
    extra = dict(CASES[case][1])
    data = _inputs()
    kwargs = {"key": data["key"], "return_attention_scores": True}
    if extra.pop("masks", False):
        kwargs.update(query_mask=data["query_mask"], value_mask=data["value_mask"])
    return {**kwargs, **extra}


@functools.cache
def _keras_reference(case: str) -> dict:
    data = _inputs()
    layer = keras.layers.GroupQueryAttention(3, num_query_heads=4, num_key_value_heads=2, **CASES[case][0])
    out, scores = layer(data["query"], data["value"], **_call_kwargs(case))
    rng = np.random.default_rng(11)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    out, scores = layer(data["query"], data["value"], **_call_kwargs(case))
    return {
        "names": [w.path.split("/")[-2:] for w in layer.weights],
        "weights": weights,
        "out": np.asarray(out),
        "scores": np.asarray(scores),
    }


@pytest.mark.parametrize("case", list(CASES))
def test_matches_keras_with_the_same_weights(backend, case):
    data = _inputs()
    expected = _keras_reference(case)
    layer = layers.GroupQueryAttention(3, num_query_heads=4, num_key_value_heads=2, **CASES[case][0])
    layer(data["query"], data["value"], key=data["key"])
    assert [[w.name for w in sub.weights] for sub in layer._layers] == [["kernel", "bias"] for _ in layer._layers] and [
        sub.name for sub in layer._layers
    ] == list(dict.fromkeys(n[0] for n in expected["names"]))
    layer.set_weights(expected["weights"])
    out, scores = layer(data["query"], data["value"], **_call_kwargs(case))
    np.testing.assert_allclose(ops.convert_to_numpy(out), expected["out"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ops.convert_to_numpy(scores), expected["scores"], rtol=RTOL, atol=ATOL)


def test_against_numpy_with_masks_and_gate(backend):
    data = _inputs()
    layer = layers.GroupQueryAttention(3, num_query_heads=4, num_key_value_heads=2, use_gate=True)
    layer(data["query"], data["value"])
    rng = np.random.default_rng(12)
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    mask = data["query_mask"][:, :, None] & data["value_mask"][:, None, :]
    out, scores = layer(data["query"], data["value"], attention_mask=mask, return_attention_scores=True, training=True)
    exp_out, exp_scores = ref.grouped_query_attention(data["query"], data["value"], weights, 4, 2, mask, True)
    np.testing.assert_allclose(ops.convert_to_numpy(out), exp_out, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ops.convert_to_numpy(scores), exp_scores, rtol=RTOL, atol=ATOL)


def test_shapes_config_and_masks_from_inputs(backend, rng):
    layer = layers.GroupQueryAttention(2, num_query_heads=2, num_key_value_heads=1, use_bias=False, dropout=0.5, seed=3)
    q = unikeras.Input((4, 6))
    v = unikeras.Input((5, 6))
    out, scores = layer(q, v, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    assert layer.compute_output_shape((2, 4, 6), (2, 5, 6)) == (2, 4, 6)
    assert [w.shape for w in layer.get_weights()] == [(6, 2, 2), (6, 1, 2), (6, 1, 2), (2, 2, 6)]
    config = layer.get_config()
    assert set(config) - {"build_input_shape"} <= set(
        keras.layers.GroupQueryAttention(2, 2, 1, use_bias=False).get_config()
    )
    clone = layers.GroupQueryAttention.from_config(json.loads(json.dumps(config)))
    x = rng.standard_normal((2, 4, 6)).astype("float32")
    clone(x, x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(clone(x, x)), ops.convert_to_numpy(layer(x, x)), rtol=1e-6)
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 1]], "int32")
    embedded = layers.Embedding(4, 6, mask_zero=True)(ids)  # its mask becomes the query and value masks
    explicit = layer(x, x, query_mask=ids != 0, value_mask=ids != 0)
    np.testing.assert_allclose(
        ops.convert_to_numpy(layer(embedded, embedded)),
        ops.convert_to_numpy(
            layer(
                ops.convert_to_numpy(embedded), ops.convert_to_numpy(embedded), query_mask=ids != 0, value_mask=ids != 0
            )
        ),
        rtol=RTOL,
        atol=ATOL,
    )
    assert ops.convert_to_numpy(explicit).shape == (2, 4, 6)
    inference = ops.convert_to_numpy(layer(x, x))  # dropout acts in training only
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, x, training=False)), inference)
    assert not np.allclose(ops.convert_to_numpy(layer(x, x, training=True)), inference)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_key_value_heads": 3}, "`num_query_heads` must be divisible by `num_key_value_heads`"),
        ({"head_dim": 0}, "`head_dim` must be a positive int"),
        ({"dropout": 1.5}, "`dropout` must be in"),
        ({"sliding_window": -1}, "`sliding_window` must be None or a positive int"),
        ({"dropout": 0.1, "flash_attention": True}, "`dropout` must be 0 with `flash_attention=True`"),
    ],
)
def test_bad_arguments(kwargs, message):
    arguments = {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2, **kwargs}
    with pytest.raises(ValueError, match=f"GroupQueryAttention '.*': {message}"):
        layers.GroupQueryAttention(**arguments)


def test_bad_inputs(backend, rng):
    layer = layers.GroupQueryAttention(2, num_query_heads=2, num_key_value_heads=1)
    with pytest.raises(ValueError, match="GroupQueryAttention '.*': the last axes of query and value"):
        layer(rng.standard_normal((2, 3, 4)).astype("float32"), rng.standard_normal((2, 3, 5)).astype("float32"))
    with pytest.raises(ValueError, match="GroupQueryAttention '.*': expected a query of rank 3"):
        layer(rng.standard_normal((2, 4)).astype("float32"), rng.standard_normal((2, 4)).astype("float32"))
    with pytest.raises(ValueError, match="GroupQueryAttention '.*': needs `query` and `value`"):
        layer(rng.standard_normal((2, 3, 4)).astype("float32"))
