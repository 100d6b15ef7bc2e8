"""Datasets from arrays and folders: ``split_dataset``, ``timeseries_dataset_from_array`` and
``image_dataset_from_directory`` / ``text_dataset_from_directory`` / ``audio_dataset_from_directory``.

Keras returns ``tf.data.Dataset`` objects; unikeras returns a ``SampleDataset``, a ``PyDataset`` of
NumPy batches that ``fit``, ``evaluate`` and ``predict`` take on every backend and that a ``for`` loop
iterates. Files are read when their batch is asked for, not all at once.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.utils import io_utils
from unikeras.utils.py_dataset import PyDataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
AUDIO_FORMATS = (".wav",)
_LABEL_MODES = ("int", "categorical", "binary", None)


def _map(fn: Callable[[Any], Any], structure: Any) -> Any:
    if isinstance(structure, tuple):
        return tuple(_map(fn, v) for v in structure)
    if isinstance(structure, list):
        return [_map(fn, v) for v in structure]
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    return fn(structure)


def _leaves(structure: Any) -> list[Any]:
    found: list[Any] = []
    _map(found.append, structure)
    return found


def _first_array(structure: Any) -> Any:
    if isinstance(structure, (tuple, list)):
        return _first_array(structure[0])
    if isinstance(structure, dict):
        return _first_array(next(iter(structure.values())))
    return structure


class SampleDataset(PyDataset):
    """Samples ``0 .. num_samples - 1`` of a source, grouped into batches of NumPy arrays.

    ``fetch(indices)`` returns the samples at ``indices`` stacked along a first axis (an array, or a
    tuple / list / dict of them). With ``batch_size=None`` the dataset yields single samples (as an
    unbatched ``tf.data.Dataset`` does); ``batch(n)`` groups them. ``shuffle=True`` draws a new order
    of the samples every epoch (``on_epoch_end``), reproducibly from ``seed``.

    Attributes:
        class_names: the class names of a dataset made from folders, else ``None``.
        file_paths: the files of the samples, in the order of the unshuffled dataset, else ``None``.
    """

    def __init__(
        self,
        fetch: Callable[[np.ndarray], Any],
        num_samples: int,
        batch_size: int | None = None,
        shuffle: bool = False,
        seed: int | None = None,
        drop_remainder: bool = False,
        class_names: list[str] | None = None,
        file_paths: list[str] | None = None,
    ) -> None:
        super().__init__()
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(f"SampleDataset: `batch_size` must be a positive int or None, received {batch_size!r}.")
        self._fetch = fetch
        self.num_samples = int(num_samples)
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.seed = np.random.randint(1_000_000) if shuffle and seed is None else seed
        self.drop_remainder = bool(drop_remainder)
        self.class_names = class_names
        self.file_paths = file_paths
        self._epoch = 0
        self._order = self._make_order()

    def _make_order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.num_samples)
        return np.random.default_rng([self.seed, self._epoch]).permutation(self.num_samples)

    def __len__(self) -> int:
        if self.batch_size is None:
            return self.num_samples
        whole, rest = divmod(self.num_samples, self.batch_size)
        return whole + (1 if rest and not self.drop_remainder else 0)

    def __getitem__(self, index: int) -> Any:
        if not -len(self) <= index < len(self):
            raise IndexError(f"SampleDataset: index {index} out of range for {len(self)} batches.")
        index %= len(self)
        if self.batch_size is None:
            return _map(lambda a: a[0], self._fetch(self._order[index : index + 1]))
        return self._fetch(self._order[index * self.batch_size : (index + 1) * self.batch_size])

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._epoch += 1
            self._order = self._make_order()

    def _copy(self, **changes: Any) -> SampleDataset:
        arguments = {
            "fetch": self._fetch,
            "num_samples": self.num_samples,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "drop_remainder": self.drop_remainder,
            "class_names": self.class_names,
            "file_paths": self.file_paths,
        }
        arguments.update(changes)
        return SampleDataset(**arguments)

    def batch(self, batch_size: int, drop_remainder: bool = False) -> SampleDataset:
        """The same samples in batches of ``batch_size``."""
        return self._copy(batch_size=batch_size, drop_remainder=drop_remainder)

    def unbatch(self) -> SampleDataset:
        """The same samples, one at a time."""
        return self._copy(batch_size=None, drop_remainder=False)

    def numpy(self) -> Any:
        """Every sample, in the current order, as one structure of NumPy arrays."""
        return self._fetch(self._order)

    def cardinality(self) -> int:
        """The number of elements (batches, or samples when unbatched)."""
        return len(self)


# ----------------------------------------------------------------------------------------------- arrays
def _slicer(structure: Any) -> Callable[[np.ndarray], Any]:
    return lambda indices: _map(lambda array: array[indices], structure)


def _as_arrays(dataset: Any) -> tuple[Any, int]:
    """A structure of NumPy arrays with a shared first axis, and its length, from what ``split_dataset`` takes."""
    if isinstance(dataset, SampleDataset):
        return dataset.numpy(), dataset.num_samples
    if isinstance(dataset, PyDataset):
        batches = list(dataset)
        if not batches:
            raise ValueError("split_dataset(): the dataset is empty.")
        leaves = [_leaves(batch) for batch in batches]
        stacked = iter([np.concatenate([np.asarray(parts[i]) for parts in leaves]) for i in range(len(leaves[0]))])
        arrays = _map(lambda _: next(stacked), batches[0])
        return arrays, len(_first_array(arrays))
    if isinstance(dataset, (tuple, list, dict)):
        arrays = _map(np.asarray, tuple(dataset) if isinstance(dataset, list) else dataset)
    else:
        arrays = np.asarray(dataset)
    lengths: list[int] = []
    _map(lambda a: lengths.append(len(a)), arrays)
    if not lengths or len(set(lengths)) != 1:
        raise ValueError(f"split_dataset(): the arrays must share their first dimension, received lengths {lengths}.")
    return arrays, lengths[0]


def _split_sizes(left_size: Any, right_size: Any, total: int) -> tuple[int, int]:
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and (isinstance(size, bool) or not isinstance(size, (int, float))):
            raise TypeError(f"split_dataset(): `{name}` must be an int, a float or None, received {size!r}.")
        if isinstance(size, int) and not 0 < size < total or isinstance(size, float) and not 0 < size < 1:
            raise ValueError(
                f"split_dataset(): `{name}` must be a positive int smaller than {total} or a float in (0, 1), "
                f"received {size!r}."
            )
    if left_size is None and right_size is None:
        raise ValueError("split_dataset(): at least one of `left_size` and `right_size` must be given.")
    if isinstance(left_size, float) and isinstance(right_size, float) and left_size + right_size > 1:
        raise ValueError(f"split_dataset(): `left_size` + `right_size` is {left_size + right_size}, more than 1.")
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset(): {left} + {right} samples asked for, but the dataset has {total}.")
    if left == 0 or right == 0:
        raise ValueError(
            f"split_dataset(): with {total} samples the {'left' if left == 0 else 'right'} split is empty."
        )
    return int(left), int(right)


def split_dataset(
    dataset: Any,
    left_size: int | float | None = None,
    right_size: int | float | None = None,
    shuffle: bool = False,
    seed: int | None = None,
    preferred_backend: str | None = None,
) -> tuple[SampleDataset, SampleDataset]:
    """Split a dataset into a left part and a right part (e.g. train / test).

    Args:
        dataset: a NumPy array, a tuple / list / dict of arrays with the same first dimension, or a
            ``PyDataset`` (its batches are read and concatenated).
        left_size: an int (a number of samples) or a float in (0, 1) (a share); ``None`` takes what
            ``right_size`` leaves.
        right_size: likewise for the right part.
        shuffle: shuffle the samples before splitting.
        seed: the seed of the shuffle (Python's ``random`` with this seed gives Keras's order).
        preferred_backend: accepted for Keras compatibility; unikeras returns the same type on every backend.

    Returns:
        Two unbatched ``SampleDataset`` s (call ``.batch(n)`` before ``fit``); a batched ``SampleDataset``
        gives batched parts with its batch size.
    """
    arrays, total = _as_arrays(dataset)
    left, right = _split_sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, 1_000_000) if seed is None else seed).shuffle(order)
    parts = []
    batch_size = dataset.batch_size if isinstance(dataset, SampleDataset) else None
    for indices in (np.array(order[:left]), np.array(order[total - right :])):
        part = _map(lambda a, i=indices: a[i], arrays)
        parts.append(SampleDataset(_slicer(part), len(indices), batch_size=batch_size))
    return parts[0], parts[1]


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> SampleDataset:
    """Batches of windows over ``data``: window ``i`` is ``data[s, s + sampling_rate, ...]`` of
    ``sequence_length`` steps, starting at ``s = start_index + i * sequence_stride``; its target is
    ``targets[s]``.

    Args:
        data: array of timesteps (first axis: time).
        targets: array of targets (``targets[i]`` for the window starting at ``i``), or ``None``.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between consecutive timesteps inside a window.
        batch_size: windows per batch; ``None`` yields single windows.
        shuffle: shuffle the windows (once, with ``numpy.random.RandomState(seed)``, as Keras does).
        seed: the shuffle seed.
        start_index: first timestep of ``data`` used.
        end_index: the timestep of ``data`` after the last one used.
    """
    data = np.asarray(data)
    for name, value in (("sequence_length", sequence_length), ("sampling_rate", sampling_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"timeseries_dataset_from_array(): `{name}` must be a positive int, received {value!r}.")
    if sampling_rate >= len(data):
        raise ValueError(
            f"timeseries_dataset_from_array(): `sampling_rate` must be lower than the length of the data "
            f"({len(data)}), received {sampling_rate}."
        )
    if not 0 < sequence_stride < len(data):
        raise ValueError(
            f"timeseries_dataset_from_array(): `sequence_stride` must be in [1, {len(data) - 1}], "
            f"received {sequence_stride}."
        )
    start = 0 if start_index is None else start_index
    end = len(data) if end_index is None else end_index
    if not 0 <= start < len(data):
        raise ValueError(
            f"timeseries_dataset_from_array(): `start_index` must be in [0, {len(data)}), received {start}."
        )
    if not start < end <= len(data):
        raise ValueError(
            f"timeseries_dataset_from_array(): `end_index` must be in ({start}, {len(data)}], received {end}."
        )
    num_windows = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_windows = min(num_windows, len(targets))
    starts = np.arange(0, max(num_windows, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1_000_000) if seed is None else seed).shuffle(starts)
    window = np.arange(sequence_length) * sampling_rate
    series = data[start:end]
    labels = None if targets is None else targets[start:end]

    def fetch(indices: np.ndarray) -> Any:
        positions = starts[indices]
        windows = series[positions[:, None] + window]
        return windows if labels is None else (windows, labels[positions])

    return SampleDataset(fetch, len(starts), batch_size=batch_size)


# ----------------------------------------------------------------------------------------------- folders
def _check_split(validation_split: float | None, subset: str | None, shuffle: bool, seed: int | None) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received {validation_split}.")
    if bool(validation_split) != bool(subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be "training", "validation" or "both", received {subset!r}.')
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "With `validation_split` and `shuffle=True`, pass a `seed`, so that the training and validation "
            "subsets do not overlap."
        )


def index_directory(
    directory: str | os.PathLike,
    labels: Any,
    formats: tuple[str, ...],
    class_names: Sequence[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> tuple[list[str], np.ndarray | None, list[str] | None]:
    """The files of ``directory`` with an extension in ``formats`` (sorted, then shuffled with
    ``numpy.random.RandomState(seed)`` as Keras does), their int labels and the class names."""
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"Directory not found: {directory!r}.")
    if labels == "inferred":
        subdirs = [
            d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d)) and d[0] != "."
        ]
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(
                    f"`class_names` must name subdirectories of {directory!r}: expected a subset of {subdirs}, "
                    f"received {list(class_names)}."
                )
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("`class_names` can only be given with labels='inferred'.")
        subdirs = [""]
    files: list[str] = []
    inferred: list[int] = []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        for root, _, names in sorted(os.walk(root_dir, followlinks=follow_links), key=lambda entry: entry[0]):
            for name in sorted(names):
                if name.lower().endswith(formats):
                    files.append(os.path.join(root, name))
                    inferred.append(index)
    names_out: list[str] | None
    if labels == "inferred":
        label_array: np.ndarray | None = np.array(inferred, dtype="int32")
        names_out = list(subdirs)
    elif labels is None:
        label_array, names_out = None, None
    else:
        if len(labels) != len(files):
            raise ValueError(
                f"`labels` has {len(labels)} entries but {len(files)} files were found in {directory!r}; "
                "give one label per file, in the sorted order of the file paths."
            )
        label_array = np.asarray(labels)
        names_out = [str(label) for label in sorted(set(np.asarray(labels).tolist()))]
    if verbose:
        classes = "" if names_out is None else f" belonging to {len(names_out)} classes"
        io_utils.print_msg(f"Found {len(files)} files{classes}.")
    if shuffle:
        seed = np.random.randint(1_000_000) if seed is None else seed
        np.random.RandomState(seed).shuffle(files)
        if label_array is not None:
            np.random.RandomState(seed).shuffle(label_array)
    return files, label_array, names_out


def _encode_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


def _from_directory(
    what: str,
    directory: Any,
    labels: Any,
    label_mode: str | None,
    class_names: Sequence[str] | None,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    validation_split: float | None,
    subset: str | None,
    follow_links: bool,
    verbose: bool,
    formats: tuple[str, ...],
    load: Callable[[list[str]], np.ndarray],
) -> SampleDataset | list[SampleDataset]:
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(
            f"{what}: `labels` must be 'inferred', None, or a list/tuple of labels, received {labels!r}. To "
            f"give the class names, use `class_names`."
        )
    if label_mode not in _LABEL_MODES:
        raise ValueError(f"{what}: `label_mode` must be one of {_LABEL_MODES}, received {label_mode!r}.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split(validation_split, subset, shuffle, seed)
    if shuffle and seed is None:
        seed = np.random.randint(1_000_000)
    files, label_array, names = index_directory(
        directory, labels, formats, class_names, shuffle, seed, follow_links, verbose
    )
    if label_mode == "binary" and len(names or []) != 2:
        raise ValueError(f"{what}: label_mode='binary' needs exactly 2 classes, found {names}.")
    num_classes = len(names) if names else 0

    def make(paths: list[str], part_labels: np.ndarray | None, part_shuffle: bool) -> SampleDataset:
        if not paths:
            raise ValueError(f"{what}: no files found in {os.fspath(directory)!r}. Allowed formats: {formats}.")
        encoded = None if part_labels is None else _encode_labels(part_labels, label_mode, num_classes)

        def fetch(indices: np.ndarray) -> Any:
            x = load([paths[i] for i in indices])
            return x if encoded is None else (x, encoded[indices])

        return SampleDataset(
            fetch, len(paths), batch_size, shuffle=part_shuffle, seed=seed, class_names=names, file_paths=paths
        )

    def split(part: str) -> tuple[list[str], np.ndarray | None]:
        if not validation_split:
            return files, label_array
        count = int(validation_split * len(files))
        cut = slice(None, len(files) - count) if part == "training" else slice(len(files) - count, None)
        if verbose:
            io_utils.print_msg(f"Using {count if part == 'validation' else len(files) - count} files for {part}.")
        return files[cut], None if label_array is None else label_array[cut]

    if subset == "both":
        return [make(*split("training"), shuffle), make(*split("validation"), False)]
    return make(*split(subset or "training"), shuffle)


def _resize_axis(image: np.ndarray, size: int, axis: int, method: str) -> np.ndarray:
    """Resize one axis with half-pixel centers and no antialiasing (``tf.image.resize``'s rule)."""
    length = image.shape[axis]
    if length == size:
        return image
    centers = (np.arange(size) + 0.5) * (length / size) - 0.5
    if method == "nearest":
        index = np.clip(np.floor(centers + 0.5), 0, length - 1).astype(int)
        return np.take(image, index, axis=axis)
    centers = np.clip(centers, 0, length - 1)
    low = np.floor(centers).astype(int)
    high = np.minimum(low + 1, length - 1)
    shape = [1] * image.ndim
    shape[axis] = size
    weight = (centers - low).reshape(shape)
    return np.take(image, low, axis=axis) * (1 - weight) + np.take(image, high, axis=axis) * weight


def _fit_image(image: np.ndarray, size: tuple[int, int], interpolation: str, crop: bool, pad: bool) -> np.ndarray:
    """``image`` (height, width, channels) brought to ``size``: center-cropped to its aspect ratio then
    resized, or resized to fit inside it then padded, or resized."""
    height, width = image.shape[:2]
    target_height, target_width = size
    if crop:
        crop_height = max(min(height, int(width * target_height / target_width)), 1)
        crop_width = max(min(width, int(height * target_width / target_height)), 1)
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        image = image[top : top + crop_height, left : left + crop_width]
    elif pad:  # shrink to fit inside `size` keeping the aspect ratio, then pad (tf.image.resize_with_pad)
        f32 = np.float32
        ratio = max(f32(width) / f32(target_width), f32(height) / f32(target_height))
        inner_height, inner_width = f32(height) / ratio, f32(width) / ratio
        fitted = _fit_image(
            image, (int(np.floor(inner_height)), int(np.floor(inner_width))), interpolation, False, False
        )
        top = max(0, int(np.floor((f32(target_height) - inner_height) / 2)))
        left = max(0, int(np.floor((f32(target_width) - inner_width) / 2)))
        out = np.zeros((target_height, target_width, image.shape[2]), "float32")
        out[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
        return out
    if image.shape[:2] == tuple(size):
        return image
    if interpolation in ("bilinear", "nearest"):
        return _resize_axis(_resize_axis(image, size[0], 0, interpolation), size[1], 1, interpolation)
    from PIL import Image

    resample = {"bicubic": "BICUBIC", "area": "BOX", "lanczos3": "LANCZOS", "lanczos5": "LANCZOS"}[interpolation]
    channels = [
        np.asarray(
            Image.fromarray(image[:, :, c]).resize((size[1], size[0]), getattr(Image.Resampling, resample)),
            dtype="float32",
        )
        for c in range(image.shape[2])
    ]
    return np.stack(channels, axis=-1)


_IMAGE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def image_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size: tuple[int, int] | int = (256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    verbose: bool = True,
) -> SampleDataset | list[SampleDataset]:
    """A dataset of the images in ``directory`` (``.bmp``, ``.gif``, ``.jpeg``, ``.jpg``, ``.png``),
    labelled by subfolder (``directory/<class>/*.png``) when ``labels="inferred"``.

    Batches are ``(images, labels)`` (``images`` alone when ``labels`` or ``label_mode`` is ``None``);
    images are float32 of shape ``(batch, height, width, channels)`` (channels first with
    ``data_format="channels_first"``), labels int32 (``"int"``), float32 one-hot (``"categorical"``) or
    float32 ``(batch, 1)`` (``"binary"``).

    Args:
        directory: the folder.
        labels: ``"inferred"`` (from the subfolders), ``None``, or a list of labels, one per file in the
            sorted order of the file paths.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None``.
        class_names: the subfolders to use, in the order that sets their labels (default: sorted).
        color_mode: ``"grayscale"``, ``"rgb"`` or ``"rgba"`` (1, 3 or 4 channels).
        batch_size: images per batch; ``None`` yields single images.
        image_size: ``(height, width)`` every image is resized to.
        shuffle: shuffle the files (once, as Keras does, then again every epoch).
        seed: the shuffle seed (needed with ``validation_split`` and ``shuffle``).
        validation_split: the share of files kept for validation.
        subset: ``"training"``, ``"validation"`` or ``"both"`` (returns both datasets).
        interpolation: ``"bilinear"`` or ``"nearest"`` (computed as ``tf.image.resize`` does); ``"bicubic"``,
            ``"area"``, ``"lanczos3"``, ``"lanczos5"`` (computed with Pillow, close to but not equal to Keras).
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio: crop the largest centered region with the target aspect ratio before resizing.
        pad_to_aspect_ratio: resize to fit inside ``image_size`` keeping the aspect ratio, then pad with
            zeros (centered).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses ``image_data_format()``.
        verbose: print how many files and classes were found.
    """
    what = "image_dataset_from_directory()"
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if len(image_size) != 2:
        raise ValueError(f"{what}: `image_size` must be a tuple of 2 ints, received {image_size!r}.")
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(color_mode)
    if channels is None:
        raise ValueError(f'{what}: `color_mode` must be "grayscale", "rgb" or "rgba", received {color_mode!r}.')
    if interpolation not in _IMAGE_INTERPOLATIONS:
        raise ValueError(f"{what}: `interpolation` must be one of {_IMAGE_INTERPOLATIONS}, received {interpolation!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{what}: `pad_to_aspect_ratio` and `crop_to_aspect_ratio` cannot both be True.")
    data_format = config.standardize_data_format(data_format, what)
    size = (int(image_size[0]), int(image_size[1]))

    def load(paths: list[str]) -> np.ndarray:
        from unikeras.utils.image_utils import load_img

        images = []
        for path in paths:
            array = np.asarray(load_img(path, color_mode=color_mode), dtype="float32")
            array = array.reshape(array.shape[:2] + (-1,))
            images.append(_fit_image(array, size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio))
        batch = np.stack(images).astype("float32")
        return batch.transpose(0, 3, 1, 2) if data_format == "channels_first" else batch

    return _from_directory(
        what, directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, IMAGE_FORMATS, load,
    )  # fmt: skip


def text_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> SampleDataset | list[SampleDataset]:
    """A dataset of the ``.txt`` files in ``directory``, labelled by subfolder when ``labels="inferred"``.

    Texts are NumPy arrays of ``str`` (UTF-8 decoded; Keras gives byte strings), truncated to
    ``max_length`` characters. The other arguments are those of ``image_dataset_from_directory``.
    """
    what = "text_dataset_from_directory()"
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise ValueError(f"{what}: `max_length` must be a positive int or None, received {max_length!r}.")

    def load(paths: list[str]) -> np.ndarray:
        texts = []
        for path in paths:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            texts.append(text if max_length is None else text[:max_length])
        return np.array(texts, dtype=object)

    return _from_directory(
        what, directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, TEXT_FORMATS, load,
    )  # fmt: skip


def _read_wav(path: str, sampling_rate: int | None) -> np.ndarray:
    """A WAV file as float32 in [-1, 1], shape (samples, channels); linearly resampled to ``sampling_rate``."""
    import wave

    with wave.open(path, "rb") as f:
        width, channels, rate = f.getsampwidth(), f.getnchannels(), f.getframerate()
        raw = f.readframes(f.getnframes())
    if width == 1:
        audio = (np.frombuffer(raw, "u1").astype("float32") - 128) / 128
    elif width in (2, 4):
        audio = np.frombuffer(raw, f"<i{width}").astype("float32") / float(2 ** (8 * width - 1))
    elif width == 3:
        bytes3 = np.frombuffer(raw, "u1").reshape(-1, 3).astype("int32")
        values = bytes3[:, 0] | (bytes3[:, 1] << 8) | (bytes3[:, 2] << 16)
        audio = (np.where(values >= 2**23, values - 2**24, values) / 2.0**23).astype("float32")
    else:
        raise ValueError(f"audio_dataset_from_directory(): {path}: unsupported sample width of {width} bytes.")
    audio = audio.reshape(-1, channels)
    if sampling_rate is not None and rate != sampling_rate and len(audio):
        length = max(int(round(len(audio) * sampling_rate / rate)), 1)
        times = np.arange(length) * (rate / sampling_rate)
        audio = np.stack([np.interp(times, np.arange(len(audio)), audio[:, c]) for c in range(channels)], -1)
    return audio.astype("float32")


def audio_dataset_from_directory(
    directory: str | os.PathLike,
    labels: Any = "inferred",
    label_mode: str | None = "int",
    class_names: Sequence[str] | None = None,
    batch_size: int | None = 32,
    sampling_rate: int | None = None,
    output_sequence_length: int | None = None,
    ragged: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
) -> SampleDataset | list[SampleDataset]:
    """A dataset of the ``.wav`` files in ``directory`` (read with the standard ``wave`` module),
    labelled by subfolder when ``labels="inferred"``.

    Audio is float32 in [-1, 1], shape ``(batch, samples, channels)``: cut or zero-padded to
    ``output_sequence_length``, else zero-padded to the longest clip of the batch.

    Args:
        sampling_rate: resample every clip to this rate (linear interpolation; Keras uses
            tensorflow-io), or ``None`` to keep each file's rate.
        output_sequence_length: samples per clip.
        ragged: Keras's ragged batches; not supported (NumPy has no ragged arrays) and raises.

    The other arguments are those of ``image_dataset_from_directory``.
    """
    what = "audio_dataset_from_directory()"
    if ragged:
        raise ValueError(
            f"{what}: `ragged=True` is not supported by unikeras (its batches are NumPy arrays); use "
            "`output_sequence_length`, or the default padding to the longest clip of each batch."
        )
    if sampling_rate is not None and (not isinstance(sampling_rate, int) or sampling_rate <= 0):
        raise ValueError(f"{what}: `sampling_rate` must be a positive int or None, received {sampling_rate!r}.")
    if output_sequence_length is not None and (
        not isinstance(output_sequence_length, int) or output_sequence_length <= 0
    ):
        raise ValueError(
            f"{what}: `output_sequence_length` must be a positive int or None, received {output_sequence_length!r}."
        )

    def load(paths: list[str]) -> np.ndarray:
        clips = [_read_wav(path, sampling_rate) for path in paths]
        length = output_sequence_length or max(len(clip) for clip in clips)
        channels = max(clip.shape[1] for clip in clips)
        batch = np.zeros((len(clips), length, channels), "float32")
        for i, clip in enumerate(clips):
            clip = clip[:length]
            batch[i, : len(clip), : clip.shape[1]] = clip
        return batch

    return _from_directory(
        what, directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
        follow_links, verbose, AUDIO_FORMATS, load,
    )  # fmt: skip


__all__ = [
    "SampleDataset",
    "audio_dataset_from_directory",
    "image_dataset_from_directory",
    "index_directory",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
