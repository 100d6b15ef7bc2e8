"""CIFAR-10 (60,000 32x32 colour images in 10 classes) from local files (Python or binary version)."""

from __future__ import annotations

import os

import numpy as np

from unikeras.datasets import _cifar, _local

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FOLDERS = ("cifar-10-batches-py", "cifar-10-batches-bin")


def load_data(path: str | os.PathLike | None = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` (channels-first when
    ``image_data_format()`` says so) and labels ``(n, 1)``.

    Args:
        path: the extracted folder ``cifar-10-batches-py`` (``data_batch_1`` .. ``data_batch_5``,
            ``test_batch``) or ``cifar-10-batches-bin`` (``data_batch_1.bin`` .., ``test_batch.bin``);
            by default looked up in the cache folders. Keras's ``load_data()`` takes no argument.
    """
    how = f"extract {ORIGIN} (or the binary version) there; download it by hand"
    folder = _local.find("cifar10", FOLDERS, path, None, how)
    binary = (folder / "test_batch.bin").is_file()
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    parts = []
    for name in names:
        file = folder / (name + ".bin" if binary else name)
        if not file.is_file():
            raise FileNotFoundError(f"cifar10.load_data(): {folder} lacks {file.name}; extract the whole archive.")
        if binary:
            parts.append(_cifar.binary_batch(file, 1, 0, "cifar10"))
        else:
            parts.append(_cifar.python_batch(file, "labels", "cifar10"))
    x_train = np.concatenate([p[0] for p in parts[:5]])
    y_train = np.concatenate([p[1] for p in parts[:5]])
    return _cifar.finish(x_train, y_train, *parts[5])


__all__ = ["load_data"]
