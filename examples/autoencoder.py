"""A dense autoencoder that squeezes the 64-pixel digits through an 8-number code and back.

Teaches unsupervised training (the input is also the target), building an encoder and a decoder
as two models and chaining them with the functional API, and judging the result by the
reconstruction error against a baseline (always answering the average image).

    python examples/autoencoder.py                  # the configured backend
    python examples/autoencoder.py --code-size 2 --backend jax
    python examples/autoencoder.py --quick          # a subset, 2 epochs (seconds), as CI runs it

Prints the test reconstruction error and one digit with its reconstruction as text.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras as keras
from unikeras import layers


def build_autoencoder(code_size: int) -> tuple[keras.Model, keras.Model, keras.Model]:
    """The (encoder, decoder, autoencoder) models; the autoencoder is the decoder applied to the encoder."""
    encoder = keras.Sequential(
        [keras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dense(code_size)], name="encoder"
    )
    decoder = keras.Sequential(
        [keras.Input((code_size,)), layers.Dense(32, activation="relu"), layers.Dense(64, activation="sigmoid")],
        name="decoder",
    )
    images = keras.Input((64,), name="image")
    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    return encoder, decoder, autoencoder


def as_text(image: np.ndarray) -> list[str]:
    """An 8x8 image in [0, 1] drawn with characters, one string per row."""
    shades = " .:-=+*#%@"
    return ["".join(shades[int(v * (len(shades) - 1) + 0.5)] * 2 for v in row) for row in image.reshape(8, 8)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--code-size", type=int, default=8, help="numbers in the code (default 8)")
    parser.add_argument("--epochs", type=int, help="default: 60 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 60)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, _), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = (x_train / 16.0).reshape(-1, 64).astype("float32")  # pixels 0..16 -> [0, 1], flattened
    x_test = (x_test / 16.0).reshape(-1, 64).astype("float32")
    if args.quick:
        x_train = x_train[:300]

    encoder, decoder, autoencoder = build_autoencoder(args.code_size)
    autoencoder.summary()
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="mse")
    autoencoder.fit(x_train, x_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=2)

    reconstructions = autoencoder.predict(x_test, verbose=0)
    error = float(np.mean((reconstructions - x_test) ** 2))
    baseline = float(np.mean((x_train.mean(axis=0) - x_test) ** 2))
    codes = encoder.predict(x_test[:1], verbose=0)
    print(f"test digit {y_test[0]}, its code [{' '.join(f'{v:.2f}' for v in codes[0])}], and its reconstruction:")
    for left, right in zip(as_text(x_test[0]), as_text(reconstructions[0])):
        print(f"  |{left}|   |{right}|")
    print(
        f"autoencoder ({args.backend}, code size {args.code_size}, {epochs} epochs): test reconstruction MSE "
        f"{error:.4f} (the average image: {baseline:.4f})"
    )


if __name__ == "__main__":
    main()
