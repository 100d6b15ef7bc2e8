"""Train and save a model on one backend, load it on every other backend, and check the predictions agree.

Teaches ``model.save`` / ``keras.saving.load_model`` and that a saved model does not belong to a
framework: a model trained with PyTorch loads on TensorFlow, JAX or MXNet (``keras.config.use_backend``
switches inside one process) and predicts the same numbers, compiled and ready to evaluate. The file is a
Keras 3 ``.keras`` file by default (Keras itself can open it) or unikeras's own ``.ukeras``.

    python examples/save_and_load_across_backends.py                   # train on the configured backend
    python examples/save_and_load_across_backends.py --backend jax --format ukeras
    python examples/save_and_load_across_backends.py --quick           # a subset, 2 epochs (seconds), as CI runs it

Prints one line per backend: test accuracy and the largest difference from the original predictions.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

import unikeras as keras
from unikeras import layers


def build_model() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="backend to train and save on")
    parser.add_argument("--backends", default=",".join(keras.backends.available()), help="backends to load on")
    parser.add_argument("--format", choices=["keras", "ukeras"], default="keras", help="file type (default .keras)")
    parser.add_argument("--epochs", type=int, help="default: 20 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for the saved model (default: a temporary folder)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 20)

    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = (x_train / 16.0)[..., np.newaxis], (x_test / 16.0)[..., np.newaxis]
    if args.quick:
        x_train, y_train = x_train[:300], y_train[:300]

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.out or tmp) / f"digits_cnn.{args.format}"
        path.parent.mkdir(parents=True, exist_ok=True)

        with keras.config.use_backend(args.backend):
            keras.utils.set_random_seed(args.seed)
            model = build_model()
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
            reference = model.predict(x_test, verbose=0)
            model.save(path)
        print(f"trained on {args.backend} for {epochs} epochs, saved {path.name} ({path.stat().st_size:,} bytes)")

        print(f"{'loaded on':<12}{'test accuracy':>15}{'max |difference|':>18}{'same classes':>14}")
        differences = []
        for name in args.backends.split(","):
            with keras.config.use_backend(name):
                loaded = keras.saving.load_model(path)  # rebuilt on `name`, compiled as it was saved
                _, accuracy = loaded.evaluate(x_test, y_test, verbose=0)
                predictions = loaded.predict(x_test, verbose=0)
            difference = float(np.max(np.abs(predictions - reference)))
            same = float(np.mean(predictions.argmax(axis=1) == reference.argmax(axis=1)))
            differences.append(difference)
            print(f"{name:<12}{accuracy:>15.4f}{difference:>18.2e}{same:>14.1%}")

    print(
        f"saved on {args.backend}, loaded on {len(differences)} backend(s): predictions agree within "
        f"{max(differences):.1e}"
    )


if __name__ == "__main__":
    main()
