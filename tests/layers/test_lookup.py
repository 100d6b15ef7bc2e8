"""Lookup and encoding layers against Keras (TensorFlow backend) and NumPy references, on every backend."""

from __future__ import annotations

import functools
import json
import os
import re

import numpy as np
import pytest

import unikeras
from tests.conftest import load_backend
from tests.reference import lookup as ref
from unikeras import config, layers, ops
from unikeras.layers import lookup_hash
from unikeras.layers.serialization import deserialize, serialize
from unikeras.utils.py_dataset import PyDataset

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402 - a test dependency, never one of unikeras
import tensorflow as tf  # noqa: E402

INTS = np.array([[1, 2, 2], [0, 3, 1]])
FLOATS = np.array([[-1.5, 0.0, 0.5], [1.0, 2.0, 9.0]], "float32")
WORDS = np.array([["a", "c", "x"], ["d", "", "b"]])
TEXTS = np.array(["The cat sat.", "the dog, the CAT!", "A bird", "cat  cat dog", "Zoë's café"])


def _np(x):
    return x if isinstance(x, np.ndarray) else np.asarray(ops.convert_to_numpy(x))


def _same(got, want) -> None:
    got, want = _np(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.astype("float64"), want.astype("float64"), rtol=1e-6, atol=1e-6)


def _keras(cls: str, kwargs: dict, x, adapt=None, **call):
    layer = getattr(keras.layers, cls)(**kwargs)
    if adapt is not None:
        layer.adapt(adapt)
    out = layer(x, **call)
    return np.asarray(out) if not isinstance(out, list) else out


class Batches(PyDataset):
    def __init__(self, data, size):
        super().__init__()
        self.data, self.size = data, size

    def __getitem__(self, index):
        return self.data[index * self.size : (index + 1) * self.size]

    @property
    def num_batches(self):
        return -(-len(self.data) // self.size)


# ---------------------------------------------------------------------- hashes
def test_hashes_match_tensorflow():
    rng = np.random.default_rng(0)
    lengths = list(range(0, 70)) + [127, 128, 129, 300]
    texts = ["".join(chr(c) for c in rng.integers(32, 127, n)) for n in lengths] + ["naïve ünïcode ✓" * 5]
    big = 2**62 + 11
    fast = [lookup_hash.fingerprint64(t.encode()) % big for t in texts]
    assert fast == tf.strings.to_hash_bucket_fast(texts, big).numpy().tolist()
    strong = [lookup_hash.siphash(12, 34, t.encode()) % big for t in texts]
    assert strong == tf.strings.to_hash_bucket_strong(texts, big, key=[12, 34]).numpy().tolist()


# ---------------------------------------------------------------------- CategoryEncoding
CE_CASES = [
    ("one_hot", INTS),
    ("one_hot", np.array([[1], [3]])),
    ("multi_hot", INTS),
    ("multi_hot", np.array([1, 2, 3])),
    ("count", INTS),
]


@functools.cache
def _ce_keras():
    outs = [_keras("CategoryEncoding", {"num_tokens": 4, "output_mode": m}, x) for m, x in CE_CASES]
    w = np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 3.0]], "float32")
    return outs, _keras("CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, INTS, count_weights=w)


def test_category_encoding(backend):
    theirs, weighted = _ce_keras()
    for (mode, x), want in zip(CE_CASES, theirs):
        layer = layers.CategoryEncoding(num_tokens=4, output_mode=mode)
        out = layer(x)
        _same(out, ref.encode(x, mode, 4))
        _same(out, want)
        assert tuple(layer.compute_output_shape(x.shape)) == want.shape
    w = np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 3.0]], "float32")
    out = layers.CategoryEncoding(num_tokens=4, output_mode="count")(INTS, count_weights=w)
    _same(out, ref.encode(INTS, "count", 4, w))
    _same(out, weighted)
    with pytest.raises(ValueError, match="CategoryEncoding 'ce_probe'.*num_tokens"):
        layers.CategoryEncoding(num_tokens=0, name="ce_probe")
    with pytest.raises(ValueError, match="CategoryEncoding 'ce_probe2'.*rank 1 or 2"):
        layers.CategoryEncoding(num_tokens=3, name="ce_probe2")(np.zeros((2, 2, 2), "int32"))


# ---------------------------------------------------------------------- Discretization
@functools.cache
def _disc_keras():
    outs = {m: _keras("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": m}, FLOATS) for m in
            ("int", "one_hot", "multi_hot", "count")}  # fmt: skip
    data = np.random.default_rng(3).standard_normal((60, 2)).astype("float32")
    k = keras.layers.Discretization(num_bins=4, epsilon=0.05)
    k.adapt(data)
    return outs, data, k.bin_boundaries


def test_discretization(backend):
    outs, data, boundaries = _disc_keras()
    for mode, want in outs.items():
        layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode=mode)
        got = layer(FLOATS)
        _same(got, want)
        if mode == "int":
            _same(got, ref.digitize(FLOATS, [0.0, 1.0, 2.0]))
        else:
            _same(got, ref.encode(ref.digitize(FLOATS, [0.0, 1.0, 2.0]), mode, 4))
    for source in (data, (data[i : i + 60] for i in (0,)), Batches(data, 60)):
        layer = layers.Discretization(num_bins=4, epsilon=0.05)
        layer.adapt(source)
        np.testing.assert_allclose(layer.bin_boundaries, boundaries, rtol=1e-6)
    clone = layers.Discretization.from_config(json.loads(json.dumps(layer.get_config())))
    _same(clone(data[:5]), layer(data[:5]))
    with pytest.raises(ValueError, match="Discretization 'disc_probe'.*bin_boundaries"):
        layers.Discretization(name="disc_probe")
    with pytest.raises(ValueError, match="Discretization 'disc_probe2'.*cannot adapt"):
        layers.Discretization(bin_boundaries=[0.0], name="disc_probe2").adapt(data)


# ---------------------------------------------------------------------- Hashing
HASH_CASES = [
    ({"num_bins": 7}, WORDS),
    ({"num_bins": 7, "mask_value": ""}, WORDS),
    ({"num_bins": 7, "salt": [4, 9]}, WORDS),
    ({"num_bins": 5, "output_mode": "multi_hot"}, WORDS),
    ({"num_bins": 1000}, INTS * 12345 - 7),
    ({"num_bins": 9, "mask_value": 0, "output_mode": "count"}, INTS),
    ({"num_bins": 9, "output_mode": "one_hot"}, np.array([[1.7], [-2.5]], "float32")),
]


@functools.cache
def _hash_keras():
    return [_keras("Hashing", kw, x) for kw, x in HASH_CASES]


def test_hashing(backend):
    for (kwargs, x), want in zip(HASH_CASES, _hash_keras()):
        layer = layers.Hashing(**kwargs)
        _same(layer(x), want)
        _same(layer(x.tolist()), want)
        assert tuple(layer.compute_output_shape(x.shape)) == want.shape
    with pytest.raises(ValueError, match="Hashing 'hash_probe'.*num_bins"):
        layers.Hashing(num_bins=0, name="hash_probe")
    with pytest.raises(ValueError, match="Hashing 'hash_probe2'.*salt"):
        layers.Hashing(num_bins=3, salt="pepper", name="hash_probe2")


# ---------------------------------------------------------------------- HashedCrossing
CROSS_CASES = [
    ("int", (np.array([[1], [2], [3]]), np.array([["x"], ["y"], ["z"]]))),
    ("int", (np.array([5, 6]), np.array([7, 8]), np.array(["p", "q"]))),
    ("one_hot", (np.array(4), np.array("w"))),
]


@functools.cache
def _cross_keras():
    return [_keras("HashedCrossing", {"num_bins": 11, "output_mode": m}, x) for m, x in CROSS_CASES]


def test_hashed_crossing(backend):
    for (mode, x), want in zip(CROSS_CASES, _cross_keras()):
        layer = layers.HashedCrossing(num_bins=11, output_mode=mode)
        _same(layer(x), want)
    with pytest.raises(ValueError, match="HashedCrossing 'cross_probe'.*at least two"):
        layers.HashedCrossing(num_bins=3, name="cross_probe")([np.array([1])])
    with pytest.raises(ValueError, match="HashedCrossing 'cross_probe2'.*same shape"):
        layers.HashedCrossing(num_bins=3, name="cross_probe2")([np.array([1, 2]), np.array([1])])


# ---------------------------------------------------------------------- IntegerLookup
VOCAB_INTS = [10, 20, 30, 40]
IL_X = np.array([[10, 30, 7], [40, 0, 20]])
IL_CASES = [
    {},
    {"mask_token": 0},
    {"num_oov_indices": 3},
    {"num_oov_indices": 3, "oov_method": "farmhash", "salt": 3},
    {"output_mode": "multi_hot"},
    {"output_mode": "count", "mask_token": 0},
    {"output_mode": "tf_idf", "idf_weights": [1.0, 2.0, 3.0, 4.0]},
    {"max_tokens": 8, "pad_to_max_tokens": True, "output_mode": "one_hot"},
]


@functools.cache
def _il_keras():
    outs = [_keras("IntegerLookup", {"vocabulary": VOCAB_INTS, **kw}, IL_X) for kw in IL_CASES]
    inverted = _keras("IntegerLookup", {"vocabulary": VOCAB_INTS, "invert": True, "mask_token": 0}, IL_X % 7)
    k = keras.layers.IntegerLookup(max_tokens=4, output_mode="tf_idf")
    k.adapt(np.array([5, 5, 3, 9, 9, 9, 1, 3]))
    return outs, inverted, k.get_vocabulary(), np.asarray(k(IL_X % 10))


def test_integer_lookup(backend):
    outs, inverted, vocabulary, adapted = _il_keras()
    for kwargs, want in zip(IL_CASES, outs):
        _same(layers.IntegerLookup(vocabulary=VOCAB_INTS, **kwargs)(IL_X), want)
    _same(layers.IntegerLookup(vocabulary=VOCAB_INTS, mask_token=0)(IL_X), ref.lookup(IL_X, VOCAB_INTS, 0))
    _same(layers.IntegerLookup(vocabulary=VOCAB_INTS, invert=True, mask_token=0)(IL_X % 7), inverted)
    layer = layers.IntegerLookup(max_tokens=4, output_mode="tf_idf")
    layer.adapt(np.array([5, 5, 3, 9, 9, 9, 1, 3]))
    assert layer.get_vocabulary() == vocabulary and layer.vocabulary_size() == 4
    _same(layer(IL_X % 10), adapted)
    with pytest.raises(ValueError, match="IntegerLookup 'il_probe'.*num_oov_indices=0"):
        layers.IntegerLookup(vocabulary=VOCAB_INTS, num_oov_indices=0, name="il_probe")(IL_X)
    with pytest.raises(ValueError, match="IntegerLookup 'il_probe2'.*repeats"):
        layers.IntegerLookup(vocabulary=[1, 1], name="il_probe2")
    with pytest.raises(ValueError, match="IntegerLookup 'il_probe3'.*cannot adapt"):
        layers.IntegerLookup(vocabulary=[1, 2], name="il_probe3").adapt(np.array([1]))


def test_integer_layers_run_in_compiled_predict(backend):
    """The integer layers are backend ops: they run inside a model's compiled predict step."""
    inputs = unikeras.Input((3,), dtype="int32")
    indices = layers.IntegerLookup(vocabulary=VOCAB_INTS, mask_token=0)(inputs)
    outputs = layers.CategoryEncoding(num_tokens=6, output_mode="multi_hot")(indices)
    model = unikeras.Model(inputs, outputs)
    x = IL_X.astype("int32")
    _same(model.predict(x, verbose=0), ref.encode(ref.lookup(x, VOCAB_INTS, 0), "multi_hot", 6))


# ---------------------------------------------------------------------- StringLookup
VOCAB = ["a", "b", "c", "d"]
SL_CASES = [
    {},
    {"mask_token": ""},
    {"num_oov_indices": 3, "salt": 5},
    {"output_mode": "multi_hot"},
    {"output_mode": "count", "mask_token": ""},
    {"output_mode": "tf_idf", "idf_weights": [1.0, 2.0, 3.0, 4.0]},
]
SL_DATA = np.array([["a", "b", "b"], ["c", "c", "c"], ["d", "b", "a"]])


@functools.cache
def _sl_keras():
    outs = [_keras("StringLookup", {"vocabulary": VOCAB, **kw}, WORDS) for kw in SL_CASES]
    inverted = _keras("StringLookup", {"vocabulary": VOCAB, "invert": True, "mask_token": ""}, INTS * 2)
    adapted = []
    for kw in ({}, {"output_mode": "tf_idf"}, {"max_tokens": 4, "num_oov_indices": 2}):
        k = keras.layers.StringLookup(**kw)
        k.adapt(SL_DATA)
        adapted.append((kw, k.get_vocabulary(), np.asarray(k(SL_DATA))))
    return outs, np.char.decode(inverted.astype(bytes)), adapted


def test_string_lookup(backend):
    outs, inverted, adapted = _sl_keras()
    for kwargs, want in zip(SL_CASES, outs):
        layer = layers.StringLookup(vocabulary=VOCAB, **kwargs)
        _same(layer(WORDS), want)
        assert tuple(layer.compute_output_shape(WORDS.shape)) == want.shape
    _same(layers.StringLookup(vocabulary=VOCAB, mask_token="")(WORDS), ref.lookup(WORDS, VOCAB, ""))
    _same(layers.StringLookup(vocabulary=VOCAB)(WORDS.astype(bytes)), outs[0])
    got = layers.StringLookup(vocabulary=VOCAB, invert=True, mask_token="")(INTS * 2)
    assert got.tolist() == inverted.tolist()
    for kwargs, vocabulary, want in adapted:
        for source in (SL_DATA, SL_DATA.tolist(), iter([SL_DATA]), Batches(SL_DATA, 3)):
            layer = layers.StringLookup(**kwargs)
            layer.adapt(source)
            assert layer.get_vocabulary() == vocabulary
        _same(layer(SL_DATA), want)
    layer = layers.StringLookup()
    layer.set_vocabulary(["[UNK]", "x", "y"])
    assert layer.get_vocabulary(include_special_tokens=False) == ["x", "y"] and layer.vocabulary_size() == 3
    with pytest.raises(ValueError, match="StringLookup 'sl_probe'.*mask token"):
        layers.StringLookup(vocabulary=["a", ""], mask_token="", name="sl_probe")
    with pytest.raises(ValueError, match="StringLookup 'sl_probe2'.*invert"):
        layers.StringLookup(invert=True, output_mode="count", name="sl_probe2")
    with pytest.raises(RuntimeError, match="StringLookup 'sl_probe3'.*vocabulary"):
        layers.StringLookup(output_mode="count", name="sl_probe3")(WORDS)


# ---------------------------------------------------------------------- TextVectorization
def _upper(x):
    """Keras's TensorFlow backend hands callables string tensors; unikeras hands NumPy arrays of str."""
    return tf.strings.upper(x) if tf.is_tensor(x) else np.char.upper(np.asarray(x, dtype=str))


def _comma_split(x):
    return tf.strings.split(x, ",") if tf.is_tensor(x) else [s.split(",") for s in np.asarray(x).tolist()]


TV_CASES = [
    {},
    {"max_tokens": 6, "output_sequence_length": 7},
    {"output_mode": "tf_idf", "ngrams": 2},
    {"output_mode": "multi_hot", "max_tokens": 12, "pad_to_max_tokens": True},
    {"split": "character", "standardize": "lower", "output_mode": "count"},
    {"standardize": None, "split": None},
    {"standardize": "strip_punctuation", "ngrams": (1, 3), "output_mode": "count"},
]


@functools.cache
def _tv_keras():
    outs = []
    for kw in TV_CASES:
        k = keras.layers.TextVectorization(**kw)
        k.adapt(TEXTS)
        outs.append((k.get_vocabulary(), np.asarray(k(TEXTS)), np.asarray(k(TEXTS[:2].reshape(2, 1)))))
    k = keras.layers.TextVectorization(standardize=_upper, split=_comma_split, vocabulary=["A", "B C"])
    return outs, np.asarray(k(np.array(["a,b c,z", "b c"])))


def test_text_vectorization(backend):
    outs, custom = _tv_keras()
    for kwargs, (vocabulary, want, column) in zip(TV_CASES, outs):
        layer = layers.TextVectorization(**kwargs)
        layer.adapt(TEXTS)
        assert layer.get_vocabulary() == vocabulary
        _same(layer(TEXTS), want)
        _same(layer(TEXTS[:2].reshape(2, 1)), column)
        assert all(a in (None, b) for a, b in zip(layer.compute_output_shape(TEXTS.shape), want.shape))
    layer = layers.TextVectorization(standardize=_upper, split=_comma_split, vocabulary=["A", "B C"])
    _same(layer(["a,b c,z", "b c"]), custom)
    batched = layers.TextVectorization()
    batched.adapt(Batches(TEXTS, 2))
    assert batched.get_vocabulary() == outs[0][0]
    with pytest.raises(ValueError, match="TextVectorization 'tv_probe'.*output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3, name="tv_probe")
    with pytest.raises(ValueError, match="TextVectorization 'tv_probe2'.*split"):
        layers.TextVectorization(split="comma", name="tv_probe2")
    with pytest.raises(ValueError, match="TextVectorization 'tv_probe3'.*last axis of size 1"):
        layers.TextVectorization(vocabulary=["a"], name="tv_probe3")(np.array([["a", "b"]]))


# ---------------------------------------------------------------------- saved on one backend, loaded on another
def test_string_layers_saved_on_one_backend_load_on_another():
    """A layer's config (what a model file stores) keeps the given or adapted vocabulary and IDF weights."""
    load_backend("torch")
    load_backend("jax")
    with config.use_backend("torch"):
        made = [
            layers.TextVectorization(output_mode="tf_idf", ngrams=2),
            layers.TextVectorization(max_tokens=7, output_sequence_length=5),
            layers.StringLookup(num_oov_indices=2, mask_token=""),
            layers.StringLookup(vocabulary=VOCAB, output_mode="tf_idf", idf_weights=[1.0, 2.0, 3.0, 4.0]),
            layers.IntegerLookup(oov_method="farmhash", num_oov_indices=2),
        ]
        inputs = [TEXTS, TEXTS, WORDS, WORDS, IL_X]
        for layer, x in zip(made[:3] + made[4:], inputs[:3] + inputs[4:]):
            layer.adapt(x)
        saved = [json.dumps(serialize(layer)) for layer in made]
        expected = [_np(layer(x)) for layer, x in zip(made, inputs)]
    with config.use_backend("jax"):
        for text, x, want, original in zip(saved, inputs, expected, made):
            loaded = deserialize(json.loads(text))
            assert loaded.get_vocabulary() == original.get_vocabulary()
            _same(loaded(x), want)
    with pytest.raises(ValueError, match=re.escape(f"{type(loaded).__name__} '{loaded.name}'")):
        loaded.adapt(IL_X)  # a saved vocabulary is a given one: Keras refuses to adapt it too


def test_hashing_in_a_compiled_step_fails_clearly_or_hashes(backend):
    """Hashing runs on NumPy: eager steps hash as Keras does; a traced step refuses with a named error."""
    inputs = unikeras.Input((3,), dtype="int32")
    model = unikeras.Model(inputs, layers.Hashing(num_bins=1000, name="hash_in_model")(inputs))
    x = (INTS * 12345 - 7).astype("int32")
    try:
        got = model.predict(x, verbose=0)
    except ValueError as err:
        assert re.search(r"Hashing 'hash_in_model'.*outside compiled steps.*backend '\w+'", str(err))
        return
    _same(got, _hash_keras()[4])
