"""Finding and reading the local files of Keras's data sets (unikeras never downloads).

A file is looked up as given, then in ``cache_dir()`` (``~/.unikeras/datasets``, moved by
``UNIKERAS_HOME``), then in Keras's cache (``~/.keras/datasets`` and its sub-folder for the set).
Pickled files (CIFAR's Python version, the object arrays of ``imdb.npz`` and ``reuters.npz``) are
read with an unpickler that builds nothing but NumPy arrays, lists, dicts and numbers.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from unikeras.datasets.mnist import _keras_cache_dir, cache_dir

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
}


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file (only arrays are allowed)")


def safe_unpickle(data: bytes | io.BufferedIOBase, source: str, encoding: str = "ASCII") -> Any:
    """Unpickle data that should hold only arrays, lists, dicts and numbers."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        return _DataUnpickler(stream, encoding=encoding).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as err:
        raise ValueError(f"{source}: not a readable data file ({err}).") from err


def load_npz(file: Path, dataset: str) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` file; object arrays (lists of word indices) through ``safe_unpickle``."""
    arrays = {}
    try:
        with zipfile.ZipFile(file) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as raw:
                    stream = io.BytesIO(raw.read())
                version = np.lib.format.read_magic(stream)
                reader = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                _, _, dtype = reader(stream)
                if dtype.hasobject:
                    arrays[member[:-4]] = safe_unpickle(stream.read(), f"{dataset}.load_data(): {file}", "latin1")
                else:
                    stream.seek(0)
                    arrays[member[:-4]] = np.lib.format.read_array(stream, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise ValueError(f"{dataset}.load_data(): cannot read {file} as a Keras-format .npz file: {err}") from err
    return arrays


def require(arrays: dict[str, Any], keys: tuple[str, ...], file: Path, dataset: str) -> None:
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise ValueError(
            f"{dataset}.load_data(): {file} is not a Keras-format {dataset} file: it lacks the arrays {missing} "
            f"(it has {sorted(arrays)}; expected {', '.join(keys)})."
        )


def find(
    dataset: str, names: tuple[str, ...], path: str | os.PathLike | None, keras_subdir: str | None, how: str
) -> Path:
    """The first of ``names`` (files or folders) found under ``path`` or the cache folders.

    ``how`` says where the file comes from, for the error raised when none is found.
    """
    looked: list[Path] = []
    roots: list[Path] = []
    if path is not None:
        given = Path(os.fspath(path)).expanduser()
        if given.exists():
            return given.absolute()
        looked.append(given.absolute())
        if given.is_absolute():
            raise FileNotFoundError(_message(dataset, names, looked, how))
        roots += [cache_dir() / given, _keras_cache_dir() / given]
        for candidate in roots:
            if candidate.exists():
                return candidate
            looked.append(candidate)
    folders = [cache_dir(), cache_dir() / (keras_subdir or dataset), _keras_cache_dir()]
    if keras_subdir:
        folders.append(_keras_cache_dir() / keras_subdir)
    for folder in folders:
        for name in names:
            candidate = folder / name
            if candidate.exists():
                return candidate
            looked.append(candidate)
    raise FileNotFoundError(_message(dataset, names, looked, how))


def _message(dataset: str, names: tuple[str, ...], looked: list[Path], how: str) -> str:
    places = "\n".join(f"  {p}" for p in dict.fromkeys(looked))
    return (
        f"{dataset}.load_data(): no {dataset} file found (unikeras never downloads). Looked at:\n{places}\n"
        f"Put {' or '.join(names)} into {cache_dir()} (or pass its path as `path`): {how}\n"
        "The folder moves with the UNIKERAS_HOME environment variable."
    )


def shuffled_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> tuple:
    """Keras's split: a permutation from ``np.random.RandomState(seed)``, the first ``1 - test_split`` for training."""
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split}")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
