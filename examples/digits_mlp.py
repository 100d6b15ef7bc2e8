"""Train the same MLP on the scikit-learn digits with every installed backend.

Teaches the basic Keras workflow — ``Sequential``, ``compile``, ``fit``, ``evaluate`` — and that
one model definition trains the same way on PyTorch, TensorFlow, JAX and MXNet.

    python examples/digits_mlp.py                 # every backend that is installed
    python examples/digits_mlp.py --backend jax   # just one
    python examples/digits_mlp.py --quick         # 2 epochs (seconds), as CI runs it

Prints one line per backend: backend, seconds, test accuracy.
"""

from __future__ import annotations

import argparse
import os
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
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--backends", default=",".join(unikeras.backends.available()), help="comma-separated names")
    which.add_argument("--backend", help="run on this backend only")
    parser.add_argument("--epochs", type=int, help="default: 30 (2 with --quick)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 30)
    names = [args.backend] if args.backend else args.backends.split(",")
    print(f"{'backend':<12}{'seconds':>9}{'test accuracy':>15}")
    results = []
    for name in names:
        seconds, accuracy = train(name, epochs=epochs)
        results.append(accuracy)
        print(f"{name:<12}{seconds:>9.2f}{accuracy:>15.4f}")
    print(
        f"digits MLP, {epochs} epochs: test accuracy {min(results):.4f} to {max(results):.4f} "
        f"on {len(names)} backend(s)"
    )


if __name__ == "__main__":
    main()
