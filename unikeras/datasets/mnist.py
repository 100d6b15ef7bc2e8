"""MNIST handwritten digits (60,000 training and 10,000 test images of 28x28 pixels) from local files.

unikeras never downloads: ``load_data`` reads a Keras-format ``mnist.npz`` or the four IDX files of
the original distribution from a path you give, or from the cache folder ``~/.unikeras/datasets/``
(``$UNIKERAS_HOME/datasets/`` when ``UNIKERAS_HOME`` is set), or Keras's own cache
(``~/.keras/datasets/``, ``$KERAS_HOME/datasets/``) if Keras downloaded the file before. Without a
file it raises ``FileNotFoundError`` saying which file to put where.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from unikeras import config

NPZ_NAME = "mnist.npz"
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
IDX_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

# IDX element types: the third byte of the magic number.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def cache_dir() -> Path:
    """The folder unikeras looks in for data files: ``~/.unikeras/datasets`` (``$UNIKERAS_HOME/datasets``)."""
    return config.config_path().parent / "datasets"


def _keras_cache_dir() -> Path:
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def load_data(path: str | os.PathLike = NPZ_NAME) -> Split:
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)`` from local files.

    Args:
        path: a Keras-format ``.npz`` file (arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``),
            or a folder holding ``mnist.npz`` or the four IDX files (``train-images-idx3-ubyte``,
            ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
            optionally gzipped as ``.gz``). A relative path that does not exist from the working
            directory is looked up in ``cache_dir()``, then in Keras's cache folder.

    Returns:
        ``x``: uint8 images of shape ``(n, 28, 28)`` with values 0..255; ``y``: uint8 labels 0..9
        (60,000 training and 10,000 test samples for the real files).

    Raises:
        FileNotFoundError: no such file or folder, or a folder without the MNIST files.
    """
    given = Path(os.fspath(path)).expanduser()
    candidates = [given.absolute()]
    if not given.is_absolute():
        candidates += [cache_dir() / given, _keras_cache_dir() / given]
    if os.fspath(path) == NPZ_NAME:
        candidates += [cache_dir()]  # the cache folder may hold the IDX files instead of mnist.npz
    for candidate in candidates:
        if candidate.is_file():
            if candidate.name.removesuffix(".gz") in IDX_NAMES.values():
                candidate = candidate.parent  # one of the IDX files: read all four from its folder
            else:
                return _read_npz(candidate)
        if candidate.is_dir():
            found = _read_folder(candidate)
            if found is not None:
                return found
    raise FileNotFoundError(_missing_message(path, candidates))


def _read_folder(folder: Path) -> Split | None:
    """MNIST from ``folder`` (its mnist.npz, else the four IDX files); ``None`` if it holds neither."""
    if (folder / NPZ_NAME).is_file():
        return _read_npz(folder / NPZ_NAME)
    files = {}
    for key, name in IDX_NAMES.items():
        matches = [folder / n for n in (name, name + ".gz") if (folder / n).is_file()]
        if matches:
            files[key] = matches[0]
    if not files:
        return None
    if len(files) < len(IDX_NAMES):
        missing = [name + "[.gz]" for key, name in IDX_NAMES.items() if key not in files]
        raise FileNotFoundError(
            f"mnist.load_data(): {folder} holds only some of the MNIST IDX files; missing: {', '.join(missing)}."
        )
    return _checked({key: read_idx(file) for key, file in files.items()}, str(folder))


def _read_npz(file: Path) -> Split:
    try:
        data = np.load(file, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise ValueError(f"mnist.load_data(): cannot read {file} as a Keras-format MNIST .npz file: {err}") from err
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f"mnist.load_data(): {file} holds one array, not a Keras-format MNIST .npz file.")
    with data:
        missing = [key for key in IDX_NAMES if key not in data.files]
        if missing:
            raise ValueError(
                f"mnist.load_data(): {file} is not a Keras-format MNIST file: it lacks the arrays {missing} "
                f"(it has {data.files}; expected x_train, y_train, x_test, y_test)."
            )
        arrays = {key: data[key] for key in IDX_NAMES}
    return _checked(arrays, str(file))


def _checked(arrays: dict[str, np.ndarray], source: str) -> Split:
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"mnist.load_data(): {source} holds x_{part} of shape {x.shape} and y_{part} of shape {y.shape}; "
                "expected images (n, rows, cols) and labels (n,) with the same n."
            )
    out = {key: a.astype(np.uint8, copy=False) for key, a in arrays.items()}
    return (out["x_train"], out["y_train"]), (out["x_test"], out["y_test"])


def read_idx(file: str | os.PathLike) -> np.ndarray:
    """One IDX file (gzipped or not) as an array in its own dtype and shape.

    The format: a 4-byte magic number (two zero bytes, the element type, e.g. ``0x08`` for unsigned
    bytes, and the number of dimensions), one big-endian 4-byte size per dimension, then the data.
    """
    file = Path(file)
    with open(file, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    with gzip.open(file, "rb") if gzipped else open(file, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"mnist.load_data(): {file} is not an IDX file (magic number {raw[:4].hex() or 'missing'}).")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header], dtype=">u4")) if len(raw) >= header else None
    if shape is None or len(raw) - header != int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(
            f"mnist.load_data(): {file} is truncated or corrupt: its header announces shape {shape} of "
            f"{dtype.name}, but it holds {max(len(raw) - header, 0)} bytes of data."
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _missing_message(path: str | os.PathLike, looked: list[Path]) -> str:
    places = "\n".join(f"  {p}" for p in dict.fromkeys(looked))
    idx = ", ".join(n + ".gz" for n in IDX_NAMES.values())
    return (
        f"mnist.load_data(path={os.fspath(path)!r}): no MNIST file found (unikeras never downloads). Looked at:\n"
        f"{places}\n"
        f"Put one of these into {cache_dir()} (or pass its path as `path`):\n"
        f"  - {NPZ_NAME}, the Keras-format file: download it by hand from {NPZ_URL}\n"
        f"  - or the four IDX files {idx} (gzipped or not): download them by hand from {IDX_URL}\n"
        "The folder moves with the UNIKERAS_HOME environment variable."
    )
