"""Fashion-MNIST (Zalando's 28x28 grey clothing images, 10 classes) from its four local IDX files."""

from __future__ import annotations

import os

import numpy as np

from unikeras.datasets import _local
from unikeras.datasets.mnist import read_idx

FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def load_data(path: str | os.PathLike | None = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: uint8 images ``(n, 28, 28)`` and labels 0..9.

    Args:
        path: a folder holding the four gzipped IDX files (default: ``cache_dir()/fashion-mnist``,
            then Keras's ``~/.keras/datasets/fashion-mnist``). Keras's ``load_data()`` takes no argument.
    """
    how = f"the four files {', '.join(FILES.values())}, downloaded by hand from {ORIGIN}"
    folder = _local.find("fashion_mnist", ("fashion-mnist",), path, "fashion-mnist", how)
    if folder.is_file():
        folder = folder.parent
    arrays = {}
    for key, name in FILES.items():
        candidates = [folder / name, folder / name.removesuffix(".gz")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise FileNotFoundError(
                f"fashion_mnist.load_data(): {folder} lacks {name}; put the four files {', '.join(FILES.values())} "
                f"there (download them by hand from {ORIGIN})."
            )
        arrays[key] = read_idx(found).astype(np.uint8, copy=False)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


__all__ = ["load_data"]
