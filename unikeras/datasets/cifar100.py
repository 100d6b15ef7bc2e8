"""CIFAR-100 (60,000 32x32 colour images in 100 fine / 20 coarse classes) from local files."""

from __future__ import annotations

import os

from unikeras.datasets import _cifar, _local

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FOLDERS = ("cifar-100-python", "cifar-100-binary")


def load_data(label_mode: str = "fine", path: str | os.PathLike | None = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 32, 32, 3)`` and labels ``(n, 1)``.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 super-classes).
        path: the extracted folder ``cifar-100-python`` (``train``, ``test``) or ``cifar-100-binary``
            (``train.bin``, ``test.bin``); by default looked up in the cache folders.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    how = f"extract {ORIGIN} (or the binary version) there; download it by hand"
    folder = _local.find("cifar100", FOLDERS, path, None, how)
    binary = (folder / "test.bin").is_file()
    parts = []
    for name in ("train", "test"):
        file = folder / (name + ".bin" if binary else name)
        if not file.is_file():
            raise FileNotFoundError(f"cifar100.load_data(): {folder} lacks {file.name}; extract the whole archive.")
        if binary:  # each record: coarse label, fine label, 3072 pixels
            parts.append(_cifar.binary_batch(file, 2, 1 if label_mode == "fine" else 0, "cifar100"))
        else:
            parts.append(_cifar.python_batch(file, f"{label_mode}_labels", "cifar100"))
    return _cifar.finish(*parts[0], *parts[1])


__all__ = ["load_data"]
