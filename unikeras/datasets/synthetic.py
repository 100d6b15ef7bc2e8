"""Small generated data sets for teaching: sequences, images of simple shapes, token sequences.

Each generator returns ``(x, y)`` as NumPy arrays, the same for the same ``seed`` on every machine,
in a second or less. Call it twice with different seeds for training and test data.
"""

from __future__ import annotations

import numpy as np

SEQUENCE_TASKS = ("frequency", "sum", "sign")
SHAPES = ("square", "circle", "line")


def _check_positive(function: str, **values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{function}(): `{name}` must be a positive int, received {value!r}.")


def _check_noise(function: str, noise: float) -> None:
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"{function}(): `noise` must be a number >= 0, received {noise!r}.")


def sequences(
    num_samples: int = 1000,
    timesteps: int = 20,
    task: str = "frequency",
    num_classes: int = 3,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of one feature for a recurrent model, ``x`` float32 of shape ``(num_samples, timesteps, 1)``.

    Args:
        num_samples: number of sequences.
        timesteps: length of each sequence.
        task: what ``y`` is:
            ``"frequency"``: a sine wave with a random phase; ``y`` (uint8, ``(num_samples,)``) is its
            class ``c`` in ``[0, num_classes)``, the wave making ``c + 1`` full cycles over the sequence
            (``num_classes`` may be at most ``timesteps // 2 - 1``). Classification with
            ``sparse_categorical_crossentropy``.
            ``"sum"``: values drawn uniformly from [-1, 1]; ``y`` (float32, ``(num_samples,)``) is their
            sum. Regression with ``mse``.
            ``"sign"``: the same values; ``y`` (uint8, ``(num_samples,)``) is 1 where their sum is
            positive, else 0. Binary classification with ``binary_crossentropy``.
        num_classes: classes of the ``"frequency"`` task.
        noise: standard deviation of the Gaussian noise added to ``x``; ``y`` is computed from the
            clean signal.
        seed: fixes the data.
    """
    _check_positive("sequences", num_samples=num_samples, timesteps=timesteps, num_classes=num_classes)
    _check_noise("sequences", noise)
    if task not in SEQUENCE_TASKS:
        raise ValueError(f"sequences(): `task` must be one of {SEQUENCE_TASKS}, received {task!r}.")
    rng = np.random.default_rng(seed)
    if task == "frequency":
        if num_classes > timesteps // 2 - 1:
            raise ValueError(
                f"sequences(): a sequence of {timesteps} timesteps can tell at most {max(timesteps // 2 - 1, 0)} "
                f"frequencies apart, received num_classes={num_classes}: raise `timesteps` or lower `num_classes`."
            )
        y = rng.integers(0, num_classes, num_samples)
        phase = rng.uniform(0.0, 2.0 * np.pi, (num_samples, 1))
        t = np.arange(timesteps) / timesteps
        signal = np.sin(2.0 * np.pi * (y[:, None] + 1) * t + phase)
        y = y.astype(np.uint8)
    else:
        signal = rng.uniform(-1.0, 1.0, (num_samples, timesteps))
        total = signal.sum(axis=1)
        y = total.astype(np.float32) if task == "sum" else (total > 0).astype(np.uint8)
    x = signal + noise * rng.standard_normal(signal.shape)
    return x[..., None].astype(np.float32), y


def images(
    num_samples: int = 1000,
    size: int | tuple[int, int] = 16,
    shapes: tuple[str, ...] = SHAPES,
    channels: int | None = 1,
    dtype: str = "float32",
    noise: float = 0.05,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Images of one bright shape on a dark background, labelled by the shape.

    Args:
        num_samples: number of images.
        size: image height and width (an int for square images, or ``(height, width)``), at least 8.
        shapes: the classes, from ``SHAPES``: ``"square"`` (a filled square, side a quarter to half
            of the image), ``"circle"`` (a filled disc) and ``"line"`` (a one-pixel line, horizontal,
            vertical or diagonal, at least half the image long), each at a random place.
        channels: ``1`` gives ``x`` of shape ``(num_samples, height, width, 1)`` (for ``Conv2D``), ``3``
            an RGB image with the shape in a random colour, ``None`` no channel axis:
            ``(num_samples, height, width)``.
        dtype: ``"float32"``, values in [0, 1], or ``"uint8"``, values 0..255 (scale them before
            training: ``x / 255.0`` or a ``Rescaling(1 / 255)`` layer).
        noise: standard deviation of the Gaussian noise added to every pixel (on the [0, 1] scale,
            clipped to it).
        seed: fixes the data.

    Returns:
        ``(x, y)``: the images, and uint8 labels of shape ``(num_samples,)``, the index of each
        image's shape in ``shapes``.
    """
    height, width = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    _check_positive("images", num_samples=num_samples, height=height, width=width)
    _check_noise("images", noise)
    if min(height, width) < 8:
        raise ValueError(f"images(): `size` must be at least 8 pixels a side, received {size!r}.")
    unknown = [s for s in shapes if s not in SHAPES]
    if not shapes or unknown:
        raise ValueError(f"images(): `shapes` must name some of {SHAPES}, received {shapes!r}.")
    if channels not in (None, 1, 3):
        raise ValueError(f"images(): `channels` must be 1, 3 or None, received {channels!r}.")
    if dtype not in ("float32", "uint8"):
        raise ValueError(f"images(): `dtype` must be 'float32' or 'uint8', received {dtype!r}.")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(shapes), num_samples)
    rows, cols = np.mgrid[0:height, 0:width]
    small = min(height, width)
    masks = np.zeros((num_samples, height, width), dtype=bool)
    for i, label in enumerate(y):
        kind = shapes[label]
        if kind == "square":
            side = rng.integers(small // 4, small // 2 + 1)
            top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
            masks[i, top : top + side, left : left + side] = True
        elif kind == "circle":
            radius = rng.uniform(small / 8, small / 4)
            cy, cx = rng.uniform(radius, height - radius), rng.uniform(radius, width - radius)
            masks[i] = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2
        else:
            direction = rng.integers(0, 4)  # horizontal, vertical, down-right, up-right
            length = rng.integers(small // 2, small + 1)
            steps = np.arange(length)
            dy, dx = ((0, 1), (1, 0), (1, 1), (-1, 1))[direction]
            r0 = rng.integers(0, height) if dy == 0 else rng.integers(0, height - length + 1)
            if dy < 0:
                r0 += length - 1
            c0 = rng.integers(0, width) if dx == 0 else rng.integers(0, width - length + 1)
            masks[i, r0 + dy * steps, c0 + dx * steps] = True
    if channels == 3:
        colours = rng.uniform(0.5, 1.0, (num_samples, 1, 1, 3))
        x = masks[..., None] * colours
    else:
        x = masks.astype(np.float64)
        if channels == 1:
            x = x[..., None]
    if noise:
        x = np.clip(x + noise * rng.standard_normal(x.shape), 0.0, 1.0)
    x = np.round(x * 255).astype(np.uint8) if dtype == "uint8" else x.astype(np.float32)
    return x, y.astype(np.uint8)


def text(
    num_samples: int = 1000,
    sequence_length: int = 20,
    vocabulary_size: int = 100,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Token sequences labelled by the sentiment of their words, for ``Embedding`` models.

    Token 0 is padding; with ``k = max(1, (vocabulary_size - 1) // 10)``, tokens ``1..k`` are
    "positive" words, ``k+1..2k`` "negative" words and the rest neutral. Each sequence holds between
    ``sequence_length // 2`` and ``sequence_length`` words, padded with 0 at the end, among them an
    odd number (1, 3 or 5) of positive or negative words; ``y`` is 1 where positive words outnumber
    negative ones, else 0.

    Args:
        num_samples: number of sequences.
        sequence_length: length of each (padded) sequence, at least 5.
        vocabulary_size: number of distinct tokens, padding included (``Embedding(vocabulary_size, ...)``),
            at least 4.
        seed: fixes the data.

    Returns:
        ``(x, y)``: int32 tokens of shape ``(num_samples, sequence_length)`` and uint8 labels of shape
        ``(num_samples,)``.
    """
    _check_positive("text", num_samples=num_samples, sequence_length=sequence_length, vocabulary_size=vocabulary_size)
    if sequence_length < 5 or vocabulary_size < 4:
        raise ValueError(
            f"text(): `sequence_length` must be at least 5 and `vocabulary_size` at least 4, received "
            f"{sequence_length} and {vocabulary_size}."
        )
    k = max(1, (vocabulary_size - 1) // 10)
    rng = np.random.default_rng(seed)
    x = np.zeros((num_samples, sequence_length), dtype=np.int32)
    y = np.zeros(num_samples, dtype=np.uint8)
    for i in range(num_samples):
        length = rng.integers(max(sequence_length // 2, 5), sequence_length + 1)
        words = rng.integers(2 * k + 1, vocabulary_size, length)  # neutral words (2k + 1 < vocabulary_size)
        count = rng.choice((1, 3, 5))
        positive = rng.random(count) < 0.5
        sentiment = np.where(positive, rng.integers(1, k + 1, count), rng.integers(k + 1, 2 * k + 1, count))
        words[rng.choice(length, count, replace=False)] = sentiment
        x[i, :length] = words
        y[i] = positive.sum() > count - positive.sum()
    return x, y
