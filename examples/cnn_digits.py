"""A small convolutional network (Conv2D, MaxPooling2D) on the 8x8 digits.

Teaches image input shapes (``(height, width, channels)``, channels last), scaling integer pixels to
[0, 1], and a Conv2D -> MaxPooling2D -> Dense classifier with a validation split.

    python examples/cnn_digits.py                  # the configured backend (UNIKERAS_BACKEND, default torch)
    python examples/cnn_digits.py --backend jax
    python examples/cnn_digits.py --quick          # a subset and 2 epochs (seconds), as CI runs it

Prints the model summary, then the test accuracy.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras as keras
from unikeras import layers


def load_images(quick: bool) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Digits as float32 images of shape (n, 8, 8, 1) in [0, 1]; labels 0..9."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    # the pixels are integers 0..16: scale them, and add the channels axis Conv2D expects
    x_train = (x_train / 16.0).astype("float32")[..., np.newaxis]
    x_test = (x_test / 16.0).astype("float32")[..., np.newaxis]
    if quick:
        x_train, y_train = x_train[:400], y_train[:400]
    return (x_train, y_train), (x_test, y_test)


def build_model() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),  # 8x8 -> 4x4
            layers.Conv2D(32, 3, activation="relu"),  # 4x4 -> 2x2 ("valid" padding)
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ],
        name="cnn_digits",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--epochs", type=int, help="default: 15 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 15)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_images(args.quick)

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"CNN on the digits ({args.backend}, {epochs} epochs): test loss {loss:.4f}, test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
