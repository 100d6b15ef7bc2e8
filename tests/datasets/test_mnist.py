"""mnist.load_data reads local Keras-format npz or IDX files, and without one says where to put it."""

from __future__ import annotations

import gzip
import socket
import struct

import numpy as np
import pytest

from unikeras.datasets import mnist


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """An empty unikeras home and Keras home, and a working directory without mnist.npz."""
    monkeypatch.setenv("UNIKERAS_HOME", str(tmp_path / "uk_home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fake(seed: int = 0):
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 4, dtype=np.uint8),
    }


def _idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding, written from the format's description: magic 0x0000 08 <ndim>, big-endian sizes."""
    magic = 0x00000800 | array.ndim  # 0x803 for images, 0x801 for labels
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(">u1").tobytes()


def _write_idx(folder, arrays, gzipped: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, name in mnist.IDX_NAMES.items():
        data = _idx_bytes(arrays[key])
        if gzipped:
            (folder / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)


def _check(result, arrays) -> None:
    (x_train, y_train), (x_test, y_test) = result
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])


def test_reads_npz_from_a_path_and_from_the_cache(homes):
    arrays = _fake()
    np.savez(homes / "mine.npz", **arrays)
    _check(mnist.load_data(str(homes / "mine.npz")), arrays)  # absolute file
    _check(mnist.load_data("mine.npz"), arrays)  # relative to the working directory
    cache = homes / "uk_home" / "datasets"
    cache.mkdir(parents=True)
    other = _fake(1)
    np.savez(cache / "mnist.npz", **other)
    assert mnist.cache_dir() == cache
    _check(mnist.load_data(), other)  # the default name, found in $UNIKERAS_HOME/datasets


def test_reads_idx_files_plain_or_gzipped(homes):
    arrays = _fake(2)
    assert _idx_bytes(arrays["y_test"])[:4] == b"\x00\x00\x08\x01"
    assert _idx_bytes(arrays["x_test"])[:8] == b"\x00\x00\x08\x03\x00\x00\x00\x04"
    _write_idx(homes / "plain", arrays, gzipped=False)
    _check(mnist.load_data(homes / "plain"), arrays)  # a folder
    _write_idx(homes / "uk_home" / "datasets", arrays, gzipped=True)
    _check(mnist.load_data(), arrays)  # the cache folder holds the IDX files instead of mnist.npz
    # one of the files names its folder
    _check(mnist.load_data(homes / "uk_home" / "datasets" / "t10k-images-idx3-ubyte.gz"), arrays)


def test_missing_file_says_which_files_to_put_where(homes, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("mnist.load_data() tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    cache = str(homes / "uk_home" / "datasets")
    assert f"Put one of these into {cache}" in message
    assert "mnist.npz" in message and "never downloads" in message
    for name in mnist.IDX_NAMES.values():
        assert name + ".gz" in message
    assert mnist.NPZ_URL in message and mnist.IDX_URL in message
    # a folder with only part of the IDX files names the missing ones
    arrays = _fake()
    _write_idx(homes / "part", arrays, gzipped=False)
    (homes / "part" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=r"missing: t10k-labels-idx1-ubyte\[\.gz\]"):
        mnist.load_data(homes / "part")


def test_bad_files_are_named(homes):
    arrays = _fake()
    np.savez(homes / "wrong.npz", x_train=arrays["x_train"], y_train=arrays["y_train"])
    with pytest.raises(ValueError, match=r"wrong\.npz is not a Keras-format MNIST file: it lacks the arrays"):
        mnist.load_data(homes / "wrong.npz")
    _write_idx(homes / "cut", arrays, gzipped=False)
    images = homes / "cut" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"truncated or corrupt: its header announces shape \(6, 28, 28\)"):
        mnist.load_data(homes / "cut")
