"""Regression on tabular data generated here (made-up house prices), with a Normalization layer.

Teaches a regression model end to end: features on very different scales standardised by
``layers.Normalization`` (its ``adapt`` learns each feature's mean and variance from the training
data, and the statistics are saved with the model), a single linear output trained with mean squared
error, mean absolute error as the metric, and a comparison with a linear least-squares fit, which
cannot capture the curved price rule. Run it with ``--no-normalization`` to see why the layer matters.

    python examples/regression.py                      # the configured backend
    python examples/regression.py --no-normalization   # raw features: training struggles
    python examples/regression.py --quick              # less data, 3 epochs (seconds), as CI runs it

Prints the test mean absolute error (in thousands) of the network and of the linear fit.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras as keras
from unikeras import layers

FEATURES = ["area m2", "rooms", "age years", "m to centre"]


def make_houses(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` houses: features (n, 4) on their natural scales and prices (n, 1) in thousands."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(30, 250, n)
    rooms = np.clip(np.round(area / 35 + rng.normal(0, 0.7, n)), 1, 8)
    age = rng.uniform(0, 100, n)
    distance = rng.exponential(6000, n)  # in metres: a feature in the thousands
    price = 3.0 * area * np.exp(-distance / 12000) + 15 * rooms + 40 * np.exp(-age / 20) + 60 + rng.normal(0, 10, n)
    x = np.stack([area, rooms, age, distance], axis=1).astype("float32")
    return x, price[:, np.newaxis].astype("float32")


def build_model(normalization: layers.Normalization | None) -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input((len(FEATURES),)),
            *([normalization] if normalization is not None else []),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(1),  # no activation: any real number
        ],
        name="house_prices",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--no-normalization", action="store_true", help="feed the raw features")
    parser.add_argument("--epochs", type=int, help="default: 60 (3 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="less data and 3 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (3 if args.quick else 60)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    x_train, y_train = make_houses(400 if args.quick else 4000, seed=args.seed)
    x_test, y_test = make_houses(1000, seed=args.seed + 1)
    for name, column in zip(FEATURES, x_train.T):
        print(f"  {name:<14} mean {column.mean():8.2f}  std {column.std():7.2f}")

    normalization = None
    if not args.no_normalization:
        normalization = layers.Normalization()
        normalization.adapt(x_train)  # learns the mean and variance of each feature (not trained by fit)

    model = build_model(normalization)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="mse", metrics=["mae"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=2)
    _, mae = model.evaluate(x_test, y_test, verbose=0)

    design = lambda x: np.concatenate([x, np.ones((len(x), 1), "float32")], axis=1)  # noqa: E731
    coefficients, *_ = np.linalg.lstsq(design(x_train), y_train, rcond=None)
    linear_mae = float(np.mean(np.abs(design(x_test) @ coefficients - y_test)))
    print(
        f"regression ({args.backend}, {'raw features' if args.no_normalization else 'normalized'}, {epochs} epochs): "
        f"test MAE {mae:.2f} thousand (linear least squares: {linear_mae:.2f})"
    )


if __name__ == "__main__":
    main()
