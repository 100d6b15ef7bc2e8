"""Keras's word-index processing of the IMDB and Reuters data sets (start and out-of-vocabulary markers)."""

from __future__ import annotations

from typing import Any

import numpy as np


def remove_long(maxlen: int, xs: list, labels: np.ndarray) -> tuple[list, np.ndarray]:
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], np.array([y for _, y in kept])


def encode(
    xs: list[Any], num_words: int | None, skip_top: int, start_char: int | None, oov_char: int | None, index_from: int
) -> list[list[int]]:
    """Shift word indices by ``index_from``, prepend ``start_char``, and replace (or drop, without
    ``oov_char``) words outside ``[skip_top, num_words)``."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    return xs


def limit(xs: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None) -> list[list[int]]:
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def shuffle(arrays: list[np.ndarray], rng: np.random.RandomState) -> list[np.ndarray]:
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [a[indices] for a in arrays]
