"""IMDB movie-review sentiment (25,000 + 25,000 reviews as word indices; Keras's ``imdb.npz``) from a local file."""

from __future__ import annotations

import os

import numpy as np

from unikeras.datasets import _local, _sequences


def load_data(
    path: str | os.PathLike = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs,
) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: reviews as object arrays of word-index lists, labels 0/1.

    Args:
        path: the Keras-format ``imdb.npz`` (``x_train``, ``y_train``, ``x_test``, ``y_test``), or its
            name in the cache folder.
        num_words: keep the ``num_words`` most frequent words; the others become ``oov_char``.
        skip_top: also replace the ``skip_top`` most frequent words.
        maxlen: drop the reviews of ``maxlen`` words or more.
        seed: seed of the shuffles.
        start_char: index marking the start of a review (``None``: none).
        oov_char: index of out-of-vocabulary words (``None``: drop them).
        index_from: offset added to every word index.
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    how = f"download it by hand from {_local.KERAS_ORIGIN}imdb.npz"
    file = _local.find("imdb", ("imdb.npz",), path, None, how)
    arrays = _local.load_npz(file, "imdb")
    _local.require(arrays, ("x_train", "y_train", "x_test", "y_test"), file, "imdb")
    rng = np.random.RandomState(seed)
    x_train, y_train = _sequences.shuffle([np.asarray(arrays["x_train"]), np.asarray(arrays["y_train"])], rng)
    x_test, y_test = _sequences.shuffle([np.asarray(arrays["x_test"]), np.asarray(arrays["y_test"])], rng)
    x_train = _sequences.encode(list(x_train), num_words, skip_top, start_char, oov_char, index_from)
    x_test = _sequences.encode(list(x_test), num_words, skip_top, start_char, oov_char, index_from)
    if maxlen:
        x_train, y_train = _sequences.remove_long(maxlen, x_train, y_train)
        x_test, y_test = _sequences.remove_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(
                f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
            )
    xs = _sequences.limit(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    cut = len(x_train)
    return (_objects(xs[:cut]), labels[:cut]), (_objects(xs[cut:]), labels[cut:])


def _objects(lists: list) -> np.ndarray:
    out = np.empty(len(lists), dtype="object")
    out[:] = lists
    return out


def get_word_index(path: str | os.PathLike = "imdb_word_index.json") -> dict[str, int]:
    """The word -> index dictionary (Keras's ``imdb_word_index.json``) from a local file."""
    import json

    how = f"download it by hand from {_local.KERAS_ORIGIN}imdb_word_index.json"
    file = _local.find("imdb", ("imdb_word_index.json",), path, None, how)
    with open(file) as f:
        return json.load(f)


__all__ = ["get_word_index", "load_data"]
