"""A functional-API model with two inputs and two outputs: two digits in, their sum and a comparison out.

Teaches ``keras.Input`` with names, one encoder shared by both inputs (the same weights see both
images), ``Concatenate``, two named output heads, and ``compile`` with a loss, a loss weight and
metrics per output; ``fit`` and ``evaluate`` take dicts keyed by input and output names.

    python examples/functional_multi_io.py                  # the configured backend
    python examples/functional_multi_io.py --backend tensorflow
    python examples/functional_multi_io.py --quick          # fewer pairs, 2 epochs (seconds), as CI runs it

Prints the test error of the sum and the accuracy of "is the first digit larger?".
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras as keras
from unikeras import layers


def make_pairs(images: np.ndarray, labels: np.ndarray, n: int, seed: int) -> tuple[dict, dict]:
    """``n`` random pairs of digits: inputs ``{"first", "second"}`` and targets ``{"sum", "larger"}``."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(images), size=n), rng.integers(0, len(images), size=n)
    x = {"first": images[a], "second": images[b]}
    y = {
        "sum": (labels[a] + labels[b]).astype("float32")[:, np.newaxis],
        "larger": (labels[a] > labels[b]).astype("float32")[:, np.newaxis],
    }
    return x, y


def build_model() -> keras.Model:
    first = keras.Input((8, 8), name="first")
    second = keras.Input((8, 8), name="second")
    # One encoder, called twice: both images go through the same layers with the same weights.
    encoder = keras.Sequential(
        [
            keras.Input((8, 8)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(32, activation="relu"),
        ],
        name="digit_encoder",
    )
    both = layers.Concatenate()([encoder(first), encoder(second)])
    hidden = layers.Dense(64, activation="relu")(both)
    total = layers.Dense(1, name="sum")(hidden)  # regression head
    larger = layers.Dense(1, activation="sigmoid", name="larger")(hidden)  # binary head
    return keras.Model(inputs={"first": first, "second": second}, outputs={"sum": total, "larger": larger})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--epochs", type=int, help="default: 20 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="fewer pairs and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 20)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = (x_train / 16.0).astype("float32"), (x_test / 16.0).astype("float32")
    pairs_train, targets_train = make_pairs(x_train, y_train, 500 if args.quick else 20000, seed=args.seed)
    pairs_test, targets_test = make_pairs(x_test, y_test, 2000, seed=args.seed + 1)

    model = build_model()
    model.summary()
    model.compile(
        optimizer="adam",
        loss={"sum": "mse", "larger": "binary_crossentropy"},
        loss_weights={"sum": 0.1, "larger": 1.0},  # the sum's squared error is on a larger scale
        metrics={"sum": ["mae"], "larger": ["accuracy"]},
    )
    model.fit(pairs_train, targets_train, batch_size=64, epochs=epochs, validation_split=0.1, verbose=2)
    results = model.evaluate(pairs_test, targets_test, verbose=0, return_dict=True)
    print("test:", ", ".join(f"{name} {value:.4f}" for name, value in results.items()))
    predicted = model.predict(pairs_test, verbose=0)
    exact = float(np.mean(np.round(predicted["sum"]) == targets_test["sum"]))
    print(
        f"two digits in, two answers out ({args.backend}, {epochs} epochs): sum within {results['sum_mae']:.3f} "
        f"on average ({exact:.1%} exact after rounding), 'first is larger' accuracy {results['larger_accuracy']:.4f}"
    )


if __name__ == "__main__":
    main()
