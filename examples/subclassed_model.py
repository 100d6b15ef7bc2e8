"""A subclassed ``keras.Model``: layers made in ``__init__``, the forward pass written in ``call``.

Teaches model subclassing, the most flexible way to define a model: ``call`` is plain Python (here a
loop over residual blocks and a ``training`` flag that turns dropout on only while training), and
the model still trains with ``compile`` / ``fit`` / ``evaluate`` like any other.

    python examples/subclassed_model.py                  # the configured backend
    python examples/subclassed_model.py --blocks 3 --backend jax
    python examples/subclassed_model.py --quick          # a subset, 2 epochs (seconds), as CI runs it

Prints the model summary and the test accuracy.
"""

from __future__ import annotations

import argparse
import os

import unikeras as keras
from unikeras import layers


class ResidualMLP(keras.Model):
    """Flatten, a projection, ``blocks`` residual blocks (x + Dense(Dense(x))), then a softmax classifier."""

    def __init__(self, num_classes: int = 10, width: int = 64, blocks: int = 2, dropout: float = 0.1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.flatten = layers.Flatten()
        self.project = layers.Dense(width, activation="relu")
        # Layers kept in a list attribute are tracked too: their weights are the model's weights.
        self.blocks = [
            (layers.Dense(width, activation="relu"), layers.Dense(width), layers.LayerNormalization())
            for _ in range(blocks)
        ]
        self.dropout = layers.Dropout(dropout)
        self.classify = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs: object, training: bool | None = None) -> object:
        x = self.project(self.flatten(inputs))
        for expand, contract, norm in self.blocks:
            x = norm(x + contract(expand(x)))  # the residual connection
            x = self.dropout(x, training=training)  # active in fit, off in evaluate and predict
        return self.classify(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--blocks", type=int, default=2, help="residual blocks (default 2)")
    parser.add_argument("--epochs", type=int, help="default: 25 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 25)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = x_train / 16.0, x_test / 16.0
    if args.quick:
        x_train, y_train = x_train[:300], y_train[:300]

    model = ResidualMLP(blocks=args.blocks, name="residual_mlp")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=2)  # the first batch builds the weights
    model.summary()
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(
        f"subclassed model ({args.backend}, {args.blocks} residual blocks, {epochs} epochs): "
        f"{model.count_params():,} parameters, test accuracy {accuracy:.4f}"
    )


if __name__ == "__main__":
    main()
