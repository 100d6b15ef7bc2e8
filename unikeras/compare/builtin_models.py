"""The built-in models of ``unikeras compare`` and the data they train on.

Every built-in model learns the 8x8 scikit-learn digits (``unikeras.datasets.digits``, pixel
values scaled from 0..16 to 0..1, integer labels 0..9):

* ``mlp``: the image flattened, two ``Dense(64, relu)`` layers, a 10-way softmax.
* ``cnn``: the image as ``(8, 8, 1)`` (channels_last), two ``Conv2D`` + ``MaxPooling2D`` blocks.
* ``lstm``: the image read as a sequence of 8 steps (rows) of 8 features, ``LSTM(32)``.

No model uses dropout, so with the same seed every backend starts from the same weights and
trains on the same batches: the curves should overlap, within float32 round-off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BUILTIN_MODELS = ("mlp", "cnn", "lstm")

Data = tuple[tuple[Any, Any], tuple[Any, Any]]


def _check_name(name: str) -> None:
    if name not in BUILTIN_MODELS:
        raise ValueError(f"Unknown built-in model {name!r}. Valid built-in models: {', '.join(BUILTIN_MODELS)}.")


def load_data(name: str = "mlp") -> Data:
    """The digits shaped for the built-in model ``name``: ``(x_train, y_train), (x_test, y_test)``.

    ``x`` is float32 in ``[0, 1]`` of shape ``(n, 8, 8)`` (``(n, 8, 8, 1)`` for ``cnn``);
    ``y`` holds int64 labels 0..9.
    """
    _check_name(name)
    from unikeras.datasets import digits

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = (x_train / 16.0).astype(np.float32)
    x_test = (x_test / 16.0).astype(np.float32)
    if name == "cnn":
        x_train, x_test = x_train[..., None], x_test[..., None]
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def build_model(name: str = "mlp") -> Any:
    """The uncompiled built-in model ``name`` (``"mlp"``, ``"cnn"`` or ``"lstm"``) on the current backend."""
    _check_name(name)
    import unikeras
    from unikeras import layers

    if name == "mlp":
        stack = [
            unikeras.Input((8, 8)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
        ]
    elif name == "cnn":
        stack = [
            unikeras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
        ]
    else:
        stack = [unikeras.Input((8, 8)), layers.LSTM(32)]
    return unikeras.Sequential([*stack, layers.Dense(10, activation="softmax")], name=f"compare_{name}")
