"""MultiHeadAttention, Attention and AdditiveAttention: forward and masks against NumPy references,
gradients against finite differences, output shapes (eager and symbolic), config round trips, weight
layout and outputs against Keras 3 with copied weights, errors, dropout, Keras masks, functional
graphs, and models that train with fit."""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from tests.reference import attention as ref
from unikeras import layers, ops
from unikeras.layers.attention import AdditiveAttention, Attention
from unikeras.layers.multi_head_attention import MultiHeadAttention

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras

TOL = {"rtol": 1e-4, "atol": 1e-5}


def _np(x) -> np.ndarray:
    return ops.convert_to_numpy(x)


def _randomize(layer, rng, low=-0.5, high=0.5) -> list[np.ndarray]:
    weights = [rng.uniform(low, high, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def _data(rng, *shapes):
    return [rng.standard_normal(s).astype("float32") for s in shapes]


def _finite_difference_check(grads, params, numpy_loss, h=1e-6):
    """Compare each gradient with central differences of ``numpy_loss(params)`` (float64)."""
    params = [np.array(p, dtype="float64") for p in params]
    for index, grad in enumerate(grads):
        numeric = np.zeros_like(params[index])
        for i in np.ndindex(params[index].shape):
            plus = [p.copy() for p in params]
            minus = [p.copy() for p in params]
            plus[index][i] += h
            minus[index][i] -= h
            numeric[i] = (numpy_loss(plus) - numpy_loss(minus)) / (2 * h)
        assert _np(grad).shape == params[index].shape
        np.testing.assert_allclose(_np(grad), numeric, rtol=1e-3, atol=1e-5)


# ====================================================================== MultiHeadAttention
# (id, constructor kwargs, query shape, value shape, key shape or None)
_GATED = {"num_heads": 3, "key_dim": 2, "use_bias": False, "use_gate": True, "output_shape": (2, 3)}
MHA_CASES = [
    ("self", {"num_heads": 2, "key_dim": 3}, (2, 4, 5), (2, 6, 5), None),
    (
        "key_value_dim_output",
        {"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": 3},
        (2, 4, 5),
        (2, 6, 7),
        (2, 6, 3),
    ),
    ("gate_no_bias", _GATED, (2, 4, 5), (2, 3, 5), None),
    ("axes_1_2", {"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)}, (2, 3, 2, 4), (2, 2, 2, 3), None),
    ("axis_minus_2", {"num_heads": 2, "key_dim": 3, "attention_axes": -2}, (2, 3, 4, 5), (2, 3, 5, 4), None),
]


def _mha_case(case, rng):
    _, kwargs, q_shape, v_shape, k_shape = case
    layer = MultiHeadAttention(**kwargs)
    query, value = _data(rng, q_shape, v_shape)
    key = None if k_shape is None else rng.standard_normal(k_shape).astype("float32")
    layer(query, value, key)
    weights = _randomize(layer, rng)
    return layer, query, value, key, weights


def _reference_mha(layer, query, value, key, weights, mask=None):
    return ref.multi_head_attention(
        query,
        value,
        key,
        weights=weights,
        num_heads=layer.num_heads,
        use_bias=layer.use_bias,
        use_gate=layer.use_gate,
        attention_axes=layer.attention_axes,
        mask=mask,
    )


@pytest.mark.parametrize("case", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_mha_forward_matches_reference(backend, rng, case):
    layer, query, value, key, weights = _mha_case(case, rng)
    out, scores = layer(query, value, key, return_attention_scores=True)
    want_out, want_scores = _reference_mha(layer, query, value, key, weights)
    np.testing.assert_allclose(_np(out), want_out, **TOL)
    np.testing.assert_allclose(_np(scores), want_scores, **TOL)
    np.testing.assert_allclose(_np(layer(query, value, key)), want_out, **TOL)


def _mask_case(kind, rng, t=4, s=5, batch=2):
    """(call kwargs, boolean reference mask broadcastable to (batch, t, s))."""
    if kind == "attention_mask":
        mask = rng.random((batch, t, s)) > 0.4
        mask[0, 1] = False  # a query step that may attend to nothing
        return {"attention_mask": mask}, mask
    if kind == "broadcast_mask":
        mask = rng.random((batch, 1, s)) > 0.4
        return {"attention_mask": mask.astype("float32")}, mask  # nonzero counts as True, as in Keras
    if kind == "causal":
        return {"use_causal_mask": True}, ref.causal(t, s)[None]
    if kind == "causal_and_mask":
        mask = rng.random((batch, t, s)) > 0.3
        return {"use_causal_mask": True, "attention_mask": mask}, mask & ref.causal(t, s)[None]
    if kind == "step_masks":
        q_mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
        v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
        return {"query_mask": q_mask, "value_mask": v_mask}, q_mask[:, :, None] & v_mask[:, None, :]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["attention_mask", "broadcast_mask", "causal", "causal_and_mask", "step_masks"])
def test_mha_masks_match_reference(backend, rng, kind):
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    query, value = _data(rng, (2, 4, 6), (2, 5, 6))
    layer(query, value)
    weights = _randomize(layer, rng)
    kwargs, mask = _mask_case(kind, rng)
    out, scores = layer(query, value, return_attention_scores=True, **kwargs)
    want_out, want_scores = _reference_mha(layer, query, value, None, weights, mask=mask)
    np.testing.assert_allclose(_np(scores), want_scores, **TOL)
    np.testing.assert_allclose(_np(out), want_out, **TOL)
    if kind == "attention_mask":  # the fully masked query step gets no attention at all
        assert np.all(_np(scores)[0, :, 1] == 0.0)


def test_mha_sliding_window_matches_reference(backend, rng):
    layer = MultiHeadAttention(num_heads=2, key_dim=2, sliding_window=2)
    (x,) = _data(rng, (2, 5, 4))
    layer(x, x)
    weights = _randomize(layer, rng)
    out, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    band = np.abs(np.arange(5)[:, None] - np.arange(5)[None, :]) < 2
    want_out, want_scores = _reference_mha(layer, x, x, None, weights, mask=band & ref.causal(5, 5))
    np.testing.assert_allclose(_np(scores), want_scores, **TOL)
    np.testing.assert_allclose(_np(out), want_out, **TOL)


def test_mha_masks_on_higher_rank_inputs(backend, rng):
    layer = MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(2,))
    query, value = _data(rng, (2, 3, 4, 5), (2, 3, 6, 5))
    layer(query, value)
    weights = _randomize(layer, rng)
    mask = rng.random((2, 3, 4, 6)) > 0.4
    out, scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    want_out, want_scores = _reference_mha(layer, query, value, None, weights, mask=mask)
    np.testing.assert_allclose(_np(scores), want_scores, **TOL)
    np.testing.assert_allclose(_np(out), want_out, **TOL)


def test_mha_gradients_match_finite_differences(backend, rng):
    layer = MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3, use_gate=True)
    query, value = _data(rng, (2, 3, 4), (2, 4, 4))
    mask = rng.random((2, 3, 4)) > 0.3
    layer(query, value)
    params = _randomize(layer, rng)
    target = rng.standard_normal((2, 3, 4)).astype("float32")

    def loss_fn():
        out = layer(query, value, attention_mask=mask, use_causal_mask=True)
        return ops.mean(ops.square(ops.subtract(out, target)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()
    assert len(grads) == 10  # query, key, gate, value, output: kernel and bias each

    def numpy_loss(weights):
        out, _ = ref.multi_head_attention(
            query, value, weights=weights, num_heads=2, use_gate=True, mask=mask & ref.causal(3, 4)
        )
        return np.mean((out - target) ** 2)

    _finite_difference_check(grads, params, numpy_loss)


def _keras_mha_case(case, rng):
    _, kwargs, q_shape, v_shape, k_shape = case
    query, value = _data(rng, q_shape, v_shape)
    key = None if k_shape is None else rng.standard_normal(k_shape).astype("float32")
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    theirs(query, value, key)
    theirs.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()])
    return theirs, query, value, key


@pytest.mark.parametrize("case", MHA_CASES[1:], ids=[c[0] for c in MHA_CASES[1:]])
def test_mha_matches_keras(backend, rng, case):
    theirs, query, value, key = _keras_mha_case(case, rng)
    ours = MultiHeadAttention(**case[1])
    ours(query, value, key)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    their_out, their_scores = theirs(query, value, key, return_attention_scores=True)
    our_out, our_scores = ours(query, value, key, return_attention_scores=True)
    np.testing.assert_allclose(_np(our_out), keras.ops.convert_to_numpy(their_out), **TOL)
    np.testing.assert_allclose(_np(our_scores), keras.ops.convert_to_numpy(their_scores), **TOL)


@pytest.mark.parametrize("kind", ["attention_mask", "causal_and_mask", "step_masks"])
def test_mha_masks_match_keras(backend, rng, kind):
    kwargs, _ = _mask_case(kind, rng)
    # Keras's call reads the query mask only from the query's Keras mask, never from `query_mask=`
    # (test_mha_uses_keras_masks_like_keras covers that path).
    kwargs.pop("query_mask", None)
    query, value = _data(rng, (2, 4, 6), (2, 5, 3))
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=4)
    theirs(query, value)
    theirs.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()])
    ours = MultiHeadAttention(num_heads=2, key_dim=3, output_shape=4)
    ours(query, value)
    ours.set_weights(theirs.get_weights())
    # Keras's fused path (taken without return_attention_scores) treats rows masked everywhere
    # differently from its own scores path; compare on the scores path, which is the documented one.
    their_out, their_scores = theirs(query, value, return_attention_scores=True, **kwargs)
    our_out, our_scores = ours(query, value, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(_np(our_scores), keras.ops.convert_to_numpy(their_scores), **TOL)
    np.testing.assert_allclose(_np(our_out), keras.ops.convert_to_numpy(their_out), **TOL)


def test_mha_shapes(backend, rng):
    layer = MultiHeadAttention(num_heads=3, key_dim=2, output_shape=(2, 5))
    q_in, v_in, k_in = unikeras.Input((4, 6)), unikeras.Input((7, 3)), unikeras.Input((7, 2))
    symbolic, symbolic_scores = layer(q_in, v_in, k_in, return_attention_scores=True)
    assert symbolic.shape == (None, 4, 2, 5) and symbolic_scores.shape == (None, 3, 4, 7)
    assert layer.compute_output_shape((None, 4, 6), (None, 7, 3), (None, 7, 2)) == (None, 4, 2, 5)
    assert layer.compute_output_shape([(None, 4, 6), (None, 7, 3)]) == (None, 4, 2, 5)
    query, value, key = _data(rng, (2, 4, 6), (2, 7, 3), (2, 7, 2))
    out, scores = layer(query, value, key, return_attention_scores=True)
    assert _np(out).shape == (2, 4, 2, 5) and _np(scores).shape == (2, 3, 4, 7)
    assert layer(q_in, v_in, k_in).shape == (None, 4, 2, 5)
    higher = MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))
    out, scores = higher(unikeras.Input((3, 2, 4)), unikeras.Input((5, 6, 4)), return_attention_scores=True)
    assert out.shape == (None, 3, 2, 4) and scores.shape == (None, 2, 3, 2, 5, 6)


def test_mha_config_round_trip(backend, rng):
    layer = MultiHeadAttention(
        num_heads=2,
        key_dim=3,
        value_dim=4,
        dropout=0.1,
        use_bias=False,
        output_shape=5,
        attention_axes=-2,
        sliding_window=3,
        kernel_initializer="he_normal",
        kernel_regularizer="l2",
        bias_constraint="non_neg",
        use_gate=True,
        seed=7,
        name="mha",
    )
    query, value = _data(rng, (2, 4, 6), (2, 5, 6))
    out = _np(layer(query, value))
    config = layer.get_config()
    keras_keys = set(keras.layers.MultiHeadAttention(2, 3).get_config())
    assert set(config) - {"build_input_shape"} == keras_keys
    assert config["output_shape"] == (5,) and config["attention_axes"] == (-2,) and config["value_dim"] == 4
    clone = MultiHeadAttention.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone(query, value)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_np(clone(query, value)), out, rtol=1e-6)
    assert len(layer.losses) == 5  # the l2 penalty of each projection kernel (query, key, gate, value, output)


def test_mha_dropout_only_in_training(backend, rng):
    layer = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1)
    query, value = _data(rng, (2, 5, 4), (2, 6, 4))
    plain = MultiHeadAttention(num_heads=2, key_dim=4)
    plain(query, value)
    layer(query, value)
    layer.set_weights(plain.get_weights())
    inference = _np(layer(query, value))
    np.testing.assert_allclose(inference, _np(plain(query, value)), **TOL)
    np.testing.assert_allclose(_np(layer(query, value, training=False)), inference, **TOL)
    trained, scores = layer(query, value, training=True, return_attention_scores=True)
    assert np.abs(_np(trained) - inference).max() > 1e-3
    # the returned scores are the probabilities before dropout (Keras's choice)
    np.testing.assert_allclose(_np(scores).sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_heads": 0, "key_dim": 2}, r"MultiHeadAttention 'bad': `num_heads` must be a positive int, received 0"),
        ({"num_heads": 2.0, "key_dim": 2}, r"`num_heads` must be a positive int"),
        ({"num_heads": 2, "key_dim": -1}, r"`key_dim` must be a positive int, received -1"),
        ({"num_heads": 2, "key_dim": "4"}, r"`key_dim` must be a positive int"),
        ({"num_heads": 2, "key_dim": 2, "value_dim": 0}, r"`value_dim` must be a positive int or None"),
        ({"num_heads": 2, "key_dim": 2, "dropout": 1.0}, r"`dropout` must be in \[0, 1\), received 1.0"),
        ({"num_heads": 2, "key_dim": 2, "output_shape": (0,)}, r"`output_shape` must be a positive int"),
        ({"num_heads": 2, "key_dim": 2, "attention_axes": "1"}, r"`attention_axes` must be an int"),
        ({"num_heads": 2, "key_dim": 2, "sliding_window": 0}, r"`sliding_window` must be a positive int or None"),
    ],
)
def test_mha_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiHeadAttention(name="bad", **kwargs)


def test_mha_rejects_bad_inputs(backend, rng):
    query, value = _data(rng, (2, 4, 5), (2, 6, 5))
    with pytest.raises(ValueError, match=r"'m1'.*value and key but the last must be equal.*\(2, 6, 5\).*\(2, 3, 5\)"):
        MultiHeadAttention(2, 3, name="m1")(query, value, rng.standard_normal((2, 3, 5)).astype("float32"))
    with pytest.raises(ValueError, match=r"same rank.*\(2, 4, 5\).*\(2, 6\)"):
        MultiHeadAttention(2, 3)(query, value[:, :, 0])
    with pytest.raises(ValueError, match=r"query of rank >= 3.*\(2, 5\)"):
        MultiHeadAttention(2, 3)(query[:, 0], value[:, 0])
    with pytest.raises(ValueError, match=r"no `value`"):
        MultiHeadAttention(2, 3)(query)
    with pytest.raises(ValueError, match=r"every input tensor must come from unikeras.Input"):
        MultiHeadAttention(2, 3)(unikeras.Input((4, 5)), value)
    with pytest.raises(ValueError, match=r"`attention_axes` \(3,\) must name distinct axes"):
        MultiHeadAttention(2, 3, attention_axes=3)(query, value)
    with pytest.raises(ValueError, match=r"`attention_axes` \(0,\)"):
        MultiHeadAttention(2, 3, attention_axes=0)(query, value)
    with pytest.raises(ValueError, match=r"must agree on axis 1.*not an attention axis"):
        MultiHeadAttention(2, 3, attention_axes=2)(*_data(rng, (2, 3, 4, 5), (2, 2, 4, 5)))
    with pytest.raises(ValueError, match=r"attention mask.*\(2, 1, 4, 4\) does not broadcast.*\(2, 2, 4, 6\)"):
        MultiHeadAttention(2, 3)(query, value, attention_mask=np.ones((2, 4, 4), bool))
    with pytest.raises(ValueError, match=r"single attention axis"):
        MultiHeadAttention(2, 3, attention_axes=(1, 2))(*_data(rng, (2, 3, 4, 5), (2, 3, 4, 5)), use_causal_mask=True)
    layer = MultiHeadAttention(2, 3, name="m2")
    layer(query, value)
    with pytest.raises(ValueError, match=r"'query'.*expected axis -1 of size 5"):
        layer(rng.standard_normal((2, 4, 7)).astype("float32"), value)
    with pytest.raises(ValueError, match=r"'value'.*expected axis -1 of size 5.*\(None, 6, 3\)"):
        layer(unikeras.Input((4, 5)), unikeras.Input((6, 3)))


def test_mha_in_functional_model_with_mask_input(backend, rng):
    q_in, mask_in = unikeras.Input((4, 6)), unikeras.Input((4, 5), dtype="bool")
    v_in = unikeras.Input((5, 3))
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = layer(q_in, v_in, attention_mask=mask_in, return_attention_scores=True)
    model = unikeras.Model([q_in, v_in, mask_in], [out, scores])
    query, value = _data(rng, (3, 4, 6), (3, 5, 3))
    mask = rng.random((3, 4, 5)) > 0.3
    got_out, got_scores = model.predict([query, value, mask], verbose=0)
    want_out, want_scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(got_out, _np(want_out), **TOL)
    np.testing.assert_allclose(got_scores, _np(want_scores), **TOL)
    assert np.all(got_scores[~np.broadcast_to(mask[:, None], got_scores.shape)] == 0.0)


def test_mha_uses_keras_masks_like_keras(backend, rng):
    ids = np.array([[3, 5, 2, 0, 0], [1, 4, 4, 6, 0]], dtype="int32")
    their_in = keras.Input((5,), dtype="int32")
    their_x = keras.layers.Embedding(8, 4, mask_zero=True)(their_in)
    theirs = keras.Model(their_in, keras.layers.MultiHeadAttention(2, 3)(their_x, their_x))
    theirs.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in theirs.get_weights()])
    our_in = unikeras.Input((5,), dtype="int32")
    our_x = layers.Embedding(8, 4, mask_zero=True)(our_in)
    embedding, attention = layers.Embedding(8, 4, mask_zero=True), MultiHeadAttention(2, 3)
    our_x = embedding(our_in)
    ours = unikeras.Model(our_in, attention(our_x, our_x))
    ours.set_weights(theirs.get_weights())
    got = ours.predict(ids, verbose=0)
    # At padded query steps Keras's fused path (taken without return_attention_scores) and its scores
    # path disagree (rows masked everywhere); the padded steps carry the mask, so compare the others.
    keep = ids != 0
    np.testing.assert_allclose(got[keep], keras.ops.convert_to_numpy(theirs(ids))[keep], **TOL)
    # the Keras masks act as the explicit step masks (here the padded query steps get no attention too)
    embedded = _np(embedding(ids))
    explicit = attention(embedded, embedded, query_mask=keep, value_mask=keep)
    np.testing.assert_allclose(got, _np(explicit), **TOL)
    out_mask = ops.convert_to_numpy(unikeras.layers.layer.get_keras_mask(attention(embedding(ids), embedding(ids))))
    np.testing.assert_array_equal(out_mask, keep)


def test_transformer_block_trains(backend, rng):
    x = rng.standard_normal((48, 6, 4)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > x[:, :, 1].mean(axis=1)).astype("int32")
    inputs = unikeras.Input((6, 4))
    attended = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(inputs, inputs)
    hidden = layers.LayerNormalization()(layers.Add()([inputs, attended]))
    outputs = layers.Dense(2)(layers.GlobalAveragePooling1D()(hidden))
    model = unikeras.Model(inputs, outputs)
    assert len(model.trainable_weights) == 8 + 2 + 2
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.01),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(x, y, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.9 * losses[0], losses


# ====================================================================== Attention / AdditiveAttention
# (id, class, constructor kwargs, weights to set (None: keep))
LUONG_CASES = [
    ("dot", Attention, {}, []),
    ("dot_scale", Attention, {"use_scale": True}, [np.float32(0.7)]),
    ("concat", Attention, {"score_mode": "concat"}, [np.float32(1.3)]),
    ("concat_scale", Attention, {"score_mode": "concat", "use_scale": True}, [np.float32(0.6), np.float32(1.4)]),
    ("additive", AdditiveAttention, {}, None),
    ("additive_no_scale", AdditiveAttention, {"use_scale": False}, []),
]


def _reference_luong(layer, weights, query, value, key=None, **kwargs):
    if isinstance(layer, AdditiveAttention):
        return ref.additive_attention(query, value, key, scale=weights[0] if weights else None, **kwargs)
    scale = weights[0] if layer.use_scale else None
    concat_weight = weights[-1] if layer.score_mode == "concat" else None
    return ref.luong_attention(
        query, value, key, scale=scale, score_mode=layer.score_mode, concat_score_weight=concat_weight, **kwargs
    )


def _luong_layer(case, rng, inputs):
    _, cls, kwargs, weights = case
    layer = cls(**kwargs)
    layer(inputs)
    if weights is None:
        weights = _randomize(layer, rng, -1.0, 1.0)
    else:
        layer.set_weights(weights)
    return layer, layer.get_weights()


@pytest.mark.parametrize("case", LUONG_CASES, ids=[c[0] for c in LUONG_CASES])
def test_attention_forward_matches_reference(backend, rng, case):
    with_key = case[0] in ("dot_scale", "concat", "additive")  # a separate key, else the value is the key
    query, value, key = _data(rng, (2, 3, 4), (2, 5, 6 if with_key else 4), (2, 5, 4))
    inputs = [query, value, key] if with_key else [query, value]
    layer, weights = _luong_layer(case, rng, inputs)
    out, scores = layer(inputs, return_attention_scores=True)
    want_out, want_scores = _reference_luong(layer, weights, *inputs)
    np.testing.assert_allclose(_np(scores), want_scores, **TOL)
    np.testing.assert_allclose(_np(out), want_out, **TOL)
    np.testing.assert_allclose(_np(layer(inputs)), want_out, **TOL)


@pytest.mark.parametrize("case", [LUONG_CASES[1], LUONG_CASES[3], LUONG_CASES[4]], ids=lambda c: c[0])
@pytest.mark.parametrize("causal", [False, True], ids=["padding", "causal"])
def test_attention_masks_match_reference(backend, rng, case, causal):
    query, value = _data(rng, (2, 4, 3), (2, 5, 3))
    q_mask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
    v_mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 0]], bool)  # step 0 always kept: no empty rows
    layer, weights = _luong_layer(case, rng, [query, value])
    out, scores = layer([query, value], mask=[q_mask, v_mask], use_causal_mask=causal, return_attention_scores=True)
    want_out, want_scores = _reference_luong(
        layer, weights, query, value, query_mask=q_mask, value_mask=v_mask, use_causal_mask=causal
    )
    np.testing.assert_allclose(_np(scores), want_scores, **TOL)
    np.testing.assert_allclose(_np(out), want_out, **TOL)
    assert np.all(_np(out)[~q_mask] == 0.0)


@pytest.mark.parametrize("case", [LUONG_CASES[i] for i in (1, 3, 4)], ids=lambda c: c[0])
def test_attention_gradients_match_finite_differences(backend, rng, case):
    query, value, key = _data(rng, (2, 3, 4), (2, 4, 2), (2, 4, 4))
    v_mask = np.array([[1, 1, 0, 1], [1, 0, 1, 1]], bool)
    layer, weights = _luong_layer(case, rng, [query, value, key])
    target = rng.standard_normal((2, 3, 2)).astype("float32")

    def loss_fn():
        return ops.mean(ops.square(ops.subtract(layer([query, value, key], mask=[None, v_mask]), target)))

    _, grads = ops.value_and_grad(loss_fn, layer.trainable_weights)()

    def numpy_loss(params):
        out, _ = _reference_luong(layer, params, query, value, key, value_mask=v_mask)
        return np.mean((out - target) ** 2)

    _finite_difference_check(grads, weights, numpy_loss)


@pytest.mark.parametrize("case", [LUONG_CASES[i] for i in (1, 3, 4)], ids=lambda c: c[0])
def test_attention_matches_keras(backend, rng, case):
    _, cls, kwargs, _ = case
    query, value, key = _data(rng, (2, 4, 3), (2, 5, 2), (2, 5, 3))
    q_mask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
    v_mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 0]], bool)
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    theirs([query, value, key])
    theirs.set_weights([rng.uniform(-1.0, 1.0, w.shape).astype("float32") for w in theirs.get_weights()])
    ours = cls(**kwargs)
    ours([query, value, key])
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    call = {"mask": [q_mask, v_mask], "use_causal_mask": True, "return_attention_scores": True}
    their_out, their_scores = theirs([query, value, key], **call)
    our_out, our_scores = ours([query, value, key], **call)
    np.testing.assert_allclose(_np(our_out), keras.ops.convert_to_numpy(their_out), **TOL)
    np.testing.assert_allclose(_np(our_scores), keras.ops.convert_to_numpy(their_scores), **TOL)


def test_attention_shapes(backend, rng):
    q_in, v_in, k_in = unikeras.Input((4, 3)), unikeras.Input((6, 5)), unikeras.Input((6, 3))
    for layer in (Attention(), AdditiveAttention()):
        out, scores = layer([q_in, v_in, k_in], return_attention_scores=True)
        assert out.shape == (None, 4, 5) and scores.shape == (None, 4, 6)
        assert layer([q_in, v_in, k_in]).shape == (None, 4, 5)
        assert layer.compute_output_shape([(None, 4, 3), (None, 6, 5), (None, 6, 3)]) == (None, 4, 5)
        query, value, key = _data(rng, (2, 4, 3), (2, 6, 5), (2, 6, 3))
        out, scores = layer([query, value, key], return_attention_scores=True)
        assert _np(out).shape == (2, 4, 5) and _np(scores).shape == (2, 4, 6)
    assert Attention()([q_in, unikeras.Input((6, 3))]).shape == (None, 4, 3)


@pytest.mark.parametrize("cls", [Attention, AdditiveAttention])
def test_attention_config_round_trip(backend, rng, cls):
    kwargs = {"use_scale": True, "dropout": 0.2, "seed": 3, "name": "att"}
    if cls is Attention:
        kwargs["score_mode"] = "concat"
    layer = cls(**kwargs)
    query, value = _data(rng, (2, 3, 4), (2, 5, 4))
    layer([query, value])
    _randomize(layer, rng)
    out = _np(layer([query, value]))
    config = layer.get_config()
    assert set(config) - {"build_input_shape"} == set(getattr(keras.layers, cls.__name__)().get_config())
    clone = cls.from_config(config)
    assert clone.get_config() == {k: v for k, v in config.items() if k != "build_input_shape"}
    clone([query, value])
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_np(clone([query, value])), out, rtol=1e-6)


def test_attention_dropout_only_in_training(backend, rng):
    layer = Attention(dropout=0.5, seed=2)
    query, value = _data(rng, (2, 4, 3), (2, 6, 3))
    plain_out, plain_scores = Attention()([query, value], return_attention_scores=True)
    out, scores = layer([query, value], return_attention_scores=True)
    np.testing.assert_allclose(_np(out), _np(plain_out), **TOL)
    out, scores = layer([query, value], return_attention_scores=True, training=True)
    scores, plain_scores = _np(scores), _np(plain_scores)
    dropped = scores == 0.0
    assert dropped.any() and not dropped.all()
    # kept probabilities are scaled by 1 / (1 - rate); Keras returns the distribution after dropout
    np.testing.assert_allclose(scores[~dropped], plain_scores[~dropped] * 2.0, **TOL)


def test_attention_uses_keras_masks(backend, rng):
    ids = np.array([[3, 5, 2, 0], [1, 4, 0, 0]], dtype="int32")
    embedding = layers.Embedding(8, 3, mask_zero=True)
    embedded = embedding(ids)
    layer = AdditiveAttention()
    implicit = layer([embedded, embedded])
    explicit = layer([_np(embedded), _np(embedded)], mask=[ids != 0, ids != 0])
    np.testing.assert_allclose(_np(implicit), _np(explicit), **TOL)
    assert np.all(_np(implicit)[ids == 0] == 0.0)
    np.testing.assert_array_equal(_np(layer.compute_mask([embedded, embedded], [ids != 0, ids != 0])), ids != 0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Attention(score_mode="add", name="a1"), r"Attention 'a1': `score_mode` must be 'dot' or 'concat'"),
        (lambda: Attention(dropout=-0.1), r"`dropout` must be in \[0, 1\)"),
        (lambda: AdditiveAttention(dropout=1.0), r"AdditiveAttention .*`dropout` must be in \[0, 1\)"),
    ],
)
def test_attention_rejects_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_attention_rejects_bad_inputs(backend, rng):
    query, value, key = _data(rng, (2, 4, 3), (2, 5, 2), (2, 5, 3))
    with pytest.raises(ValueError, match=r"Attention 'a2': expects a list of input shapes"):
        Attention(name="a2")(query)
    with pytest.raises(ValueError, match=r"expects 2 or 3 inputs.*received 1"):
        Attention()([query])
    with pytest.raises(ValueError, match=r"expects 2 or 3 inputs.*received 4"):
        AdditiveAttention()([query, value, key, key])
    with pytest.raises(ValueError, match=r"last axis of query and key must match.*value \(used as key\)"):
        Attention()([query, value])
    with pytest.raises(ValueError, match=r"AdditiveAttention .*last axis of query and key must match"):
        AdditiveAttention()([query, value, value])
    with pytest.raises(ValueError, match=r"same number of steps"):
        Attention()([query, value, key[:, :4]])
    with pytest.raises(ValueError, match=r"same rank >= 3"):
        Attention()([query[:, 0], value[:, 0]])
    with pytest.raises(ValueError, match=r"`mask` must be a list \[query_mask, value_mask\]"):
        Attention()([query, key], mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match=r"Attention 'sym': expects a list"):
        Attention(name="sym")(unikeras.Input((4, 3)))


def test_attention_model_trains(backend, rng):
    x = rng.standard_normal((48, 5, 3)).astype("float32")
    y = (x[:, :, 0].max(axis=1) > 1.0).astype("int32")
    inputs = unikeras.Input((5, 3))
    hidden = layers.Dense(4, activation="tanh")(inputs)
    luong = Attention(use_scale=True, score_mode="concat")([hidden, hidden])
    bahdanau = AdditiveAttention()([hidden, hidden])
    pooled = layers.GlobalAveragePooling1D()(layers.Concatenate()([luong, bahdanau]))
    model = unikeras.Model(inputs, layers.Dense(2)(pooled))
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.02),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    losses = model.fit(x, y, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < 0.9 * losses[0], losses
