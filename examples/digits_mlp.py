"""Train the same MLP on the scikit-learn digits with every installed backend.

    python examples/digits_mlp.py                 # every backend that is installed
    python examples/digits_mlp.py --backends jax  # just one

Prints one line per backend: backend, seconds, test accuracy.
"""

from __future__ import annotations

import argparse
import time

import unikeras
from unikeras import layers


def build_model() -> unikeras.Sequential:
    return unikeras.Sequential(
        [
            unikeras.Input((8, 8)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.1),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def train(backend: str, epochs: int = 30, seed: int = 0, verbose: int = 0) -> tuple[float, float]:
    """Train on ``backend``; returns (seconds, test accuracy)."""
    (x_train, y_train), (x_test, y_test) = unikeras.datasets.digits.load_data()
    x_train, x_test = x_train / 16.0, x_test / 16.0
    with unikeras.config.use_backend(backend):
        unikeras.utils.set_random_seed(seed)
        model = build_model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=verbose)
        seconds = time.perf_counter() - start
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    return seconds, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(unikeras.backends.available()))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    print(f"{'backend':<12}{'seconds':>9}{'test accuracy':>15}")
    for name in args.backends.split(","):
        seconds, accuracy = train(name, epochs=args.epochs)
        print(f"{name:<12}{seconds:>9.2f}{accuracy:>15.4f}")


if __name__ == "__main__":
    main()
