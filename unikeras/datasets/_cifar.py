"""CIFAR-10 and CIFAR-100 batches: the Python version (pickled dicts) or the binary version."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unikeras import config
from unikeras.datasets import _local


def python_batch(file: Path, label_key: str, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n, 3, 32, 32), labels (n,))`` from one pickled batch of the Python version."""
    with open(file, "rb") as f:
        batch = _local.safe_unpickle(f, f"{dataset}.load_data(): {file}", "bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{dataset}.load_data(): {file} is not a CIFAR batch (a dict of data and labels).")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or label_key not in batch:
        raise ValueError(f"{dataset}.load_data(): {file} lacks 'data' or '{label_key}' (it has {sorted(batch)}).")
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(len(data), 3, 32, 32), np.asarray(batch[label_key])


def binary_batch(file: Path, label_bytes: int, label_index: int, dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` from a file of the binary version: per image ``label_bytes`` then 3072 pixels."""
    raw = np.fromfile(file, dtype=np.uint8)
    record = label_bytes + 3072
    if raw.size == 0 or raw.size % record:
        raise ValueError(f"{dataset}.load_data(): {file} is not a CIFAR binary batch ({raw.size} bytes).")
    rows = raw.reshape(-1, record)
    return rows[:, label_bytes:].reshape(-1, 3, 32, 32), rows[:, label_index].astype(np.int64)


def finish(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> tuple:
    """Labels as ``(n, 1)`` uint8, images channels-last unless ``image_data_format()`` is channels_first."""
    y_train = np.reshape(y_train, (len(y_train), 1)).astype(np.uint8)
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(np.uint8)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
