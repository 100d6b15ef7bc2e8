"""Reuters newswire topics (11,228 wires as word indices, 46 topics; Keras's ``reuters.npz``) from a local file."""

from __future__ import annotations

import os

import numpy as np

from unikeras.datasets import _local, _sequences
from unikeras.datasets.imdb import _objects


def load_data(
    path: str | os.PathLike = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: wires as object arrays of word-index lists, topics 0..45.

    Args:
        path: the Keras-format ``reuters.npz`` (arrays ``x``, ``y``), or its name in the cache folder.
        num_words, skip_top, maxlen, seed, start_char, oov_char, index_from: as ``imdb.load_data``.
        test_split: the share of wires kept for testing.
    """
    how = f"download it by hand from {_local.KERAS_ORIGIN}reuters.npz"
    file = _local.find("reuters", ("reuters.npz",), path, None, how)
    arrays = _local.load_npz(file, "reuters")
    _local.require(arrays, ("x", "y"), file, "reuters")
    xs, labels = _sequences.shuffle([np.asarray(arrays["x"]), np.asarray(arrays["y"])], np.random.RandomState(seed))
    xs = _sequences.encode(list(xs), num_words, skip_top, start_char, oov_char, index_from)
    if maxlen:
        xs, labels = _sequences.remove_long(maxlen, xs, labels)
    xs = _sequences.limit(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return (_objects(xs[:cut]), np.array(labels[:cut])), (_objects(xs[cut:]), np.array(labels[cut:]))


def get_word_index(path: str | os.PathLike = "reuters_word_index.json") -> dict[str, int]:
    """The word -> index dictionary (Keras's ``reuters_word_index.json``) from a local file."""
    import json

    how = f"download it by hand from {_local.KERAS_ORIGIN}reuters_word_index.json"
    file = _local.find("reuters", ("reuters_word_index.json",), path, None, how)
    with open(file) as f:
        return json.load(f)


__all__ = ["get_word_index", "load_data"]
