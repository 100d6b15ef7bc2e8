"""Keras's data sets read from local files in their published formats (unikeras never downloads)."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest

from unikeras import config
from unikeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    reuters,
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty unikeras cache (and no Keras cache); returns the datasets folder."""
    monkeypatch.setenv("UNIKERAS_HOME", str(tmp_path / "unikeras"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    folder = tmp_path / "unikeras" / "datasets"
    folder.mkdir(parents=True)
    return folder


def _split(x, y, test_split, seed):
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


@pytest.mark.parametrize("module", [boston_housing, california_housing])
def test_housing_sets_shuffle_and_split_as_keras(home, rng, module):
    name = module.__name__.rsplit(".", 1)[-1]
    x, y = rng.standard_normal((50, 13 if name == "boston_housing" else 8)), rng.uniform(5, 50, 50)
    np.savez(home / f"{name}.npz", x=x, y=y)
    (x_train, y_train), (x_test, y_test) = module.load_data(test_split=0.3, seed=7)
    (ex_train, ey_train), (ex_test, ey_test) = _split(x, y, 0.3, 7)
    for got, expected in ((x_train, ex_train), (y_train, ey_train), (x_test, ex_test), (y_test, ey_test)):
        np.testing.assert_array_equal(got, expected)
    if module is california_housing:
        (small_x, _), (small_test, _) = module.load_data(version="small")
        assert len(small_x) + len(small_test) == 50  # fewer than 600 samples here
        with pytest.raises(ValueError, match="version"):
            module.load_data(version="medium")


def test_missing_files_say_which_file_to_put_where(home):
    for module, file in (
        (boston_housing, "boston_housing.npz"),
        (california_housing, "california_housing.npz"),
        (imdb, "imdb.npz"),
        (reuters, "reuters.npz"),
        (cifar10, "cifar-10-batches-py"),
        (cifar100, "cifar-100-python"),
        (fashion_mnist, "fashion-mnist"),
    ):
        with pytest.raises(FileNotFoundError) as info:
            module.load_data()
        message = str(info.value)
        assert "never downloads" in message and file in message and str(home) in message, message


def _idx(path, array):
    code = {1: 0x08}[array.dtype.itemsize]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_fashion_mnist_reads_the_four_idx_files(home, rng):
    folder = home / "fashion-mnist"
    folder.mkdir()
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }
    for key, name in fashion_mnist.FILES.items():
        _idx(folder / name, arrays[key])
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    (folder / fashion_mnist.FILES["y_test"]).unlink()
    with pytest.raises(FileNotFoundError, match="lacks t10k-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()


def _cifar_python(folder, batches, label_key):
    folder.mkdir()
    for name, (data, labels) in batches.items():
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, label_key.encode(): labels, b"batch_label": b"x"}, f)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cifar10_python_and_binary_versions(home, rng, data_format):
    images = rng.integers(0, 256, (12, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, 12)
    batches = {f"data_batch_{i}": (images[2 * i - 2 : 2 * i], list(labels[2 * i - 2 : 2 * i])) for i in range(1, 6)}
    batches["test_batch"] = (images[10:], list(labels[10:]))
    _cifar_python(home / "cifar-10-batches-py", batches, "labels")
    previous = config.image_data_format()
    config.set_image_data_format(data_format)
    try:
        (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    finally:
        config.set_image_data_format(previous)
    expected = images.reshape(12, 3, 32, 32)
    if data_format == "channels_last":
        expected = expected.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), expected)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test])[:, 0], labels)
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8

    binary = home / "bin" / "cifar-10-batches-bin"
    binary.mkdir(parents=True)
    for name, (data, batch_labels) in batches.items():
        records = np.concatenate([np.asarray(batch_labels, np.uint8)[:, None], data], axis=1)
        records.tofile(binary / f"{name}.bin")
    (bx_train, by_train), _ = cifar10.load_data(path=binary)
    np.testing.assert_array_equal(by_train[:, 0], labels[:10])
    assert bx_train.shape == ((10, 32, 32, 3) if previous == "channels_last" else (10, 3, 32, 32))


def test_cifar100_fine_and_coarse_labels(home, rng):
    images = rng.integers(0, 256, (5, 3072), dtype=np.uint8)
    fine, coarse = rng.integers(0, 100, 5), rng.integers(0, 20, 5)
    folder = home / "cifar-100-python"
    folder.mkdir()
    for name, rows in (("train", slice(0, 3)), ("test", slice(3, 5))):
        with open(folder / name, "wb") as f:
            pickle.dump(
                {b"data": images[rows], b"fine_labels": list(fine[rows]), b"coarse_labels": list(coarse[rows])}, f
            )
    (_, y_train), (_, y_test) = cifar100.load_data()
    np.testing.assert_array_equal(np.concatenate([y_train, y_test])[:, 0], fine)
    (_, y_train), _ = cifar100.load_data(label_mode="coarse")
    np.testing.assert_array_equal(y_train[:, 0], coarse[:3])
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_pickled_files_cannot_run_code(home):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    folder = home / "cifar-100-python"
    folder.mkdir()
    for name in ("train", "test"):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": Evil(), b"fine_labels": [1]}, f)
    with pytest.raises(ValueError, match="refusing to load builtins.print"):
        cifar100.load_data()


def _object_array(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def _keras_sequences(xs, num_words, skip_top, start_char, oov_char, index_from):
    xs = [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]


def test_imdb_processing_matches_keras(home, rng):
    x_train = _object_array([list(rng.integers(1, 30, rng.integers(3, 9))) for _ in range(8)])
    x_test = _object_array([list(rng.integers(1, 30, rng.integers(3, 9))) for _ in range(6)])
    y_train, y_test = rng.integers(0, 2, 8), rng.integers(0, 2, 6)
    np.savez(home / "imdb.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    (gx_train, gy_train), (gx_test, gy_test) = imdb.load_data(num_words=20, skip_top=2, seed=3)
    state = np.random.RandomState(3)
    order_train = np.arange(8)
    state.shuffle(order_train)
    order_test = np.arange(6)
    state.shuffle(order_test)
    expected_train = _keras_sequences(list(x_train[order_train]), 20, 2, 1, 2, 3)
    expected_test = _keras_sequences(list(x_test[order_test]), 20, 2, 1, 2, 3)
    assert gx_train.dtype == object and [list(x) for x in gx_train] == expected_train
    assert [list(x) for x in gx_test] == expected_test
    np.testing.assert_array_equal(gy_train, y_train[order_train])
    np.testing.assert_array_equal(gy_test, y_test[order_test])
    (short, _), _ = imdb.load_data(maxlen=8)
    assert all(len(x) < 8 for x in short)
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=1)


def test_reuters_processing_and_split(home, rng):
    xs = _object_array([list(rng.integers(1, 40, rng.integers(2, 7))) for _ in range(10)])
    ys = rng.integers(0, 46, 10)
    np.savez(home / "reuters.npz", x=xs, y=ys)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.3, seed=5, oov_char=None, num_words=25)
    order = np.arange(10)
    np.random.RandomState(5).shuffle(order)
    shifted = [[1] + [w + 3 for w in x] for x in xs[order]]
    expected = [[w for w in x if w < 25] for x in shifted]
    assert [list(x) for x in x_train] + [list(x) for x in x_test] == expected
    assert len(x_train) == 7
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), ys[order])
