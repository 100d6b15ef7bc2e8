"""A custom layer: subclass ``keras.layers.Layer``, use it in a model, save the model and load it back.

Teaches the four methods of a layer — ``__init__`` (settings), ``build`` (weights, made with
``add_weight`` once the input size is known), ``call`` (the computation, written with ``keras.ops``
so it runs on every backend) and ``get_config`` (what saving needs to rebuild it) — and loading a
saved model with ``custom_objects``. The layer is a cosine-similarity classifier head with a
learnable temperature.

    python examples/custom_layer.py                  # the configured backend
    python examples/custom_layer.py --backend mxnet
    python examples/custom_layer.py --quick          # a subset, 2 epochs (seconds), as CI runs it

Prints the test accuracy, the learned temperature, and how far the reloaded model's predictions are
from the original's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

import unikeras as keras
from unikeras import layers, ops


class CosineDense(layers.Layer):
    """Scores each class by the cosine between the input and a learned class vector, times a learned scale."""

    def __init__(self, units: int, initial_scale: float = 5.0, **kwargs: object) -> None:
        super().__init__(**kwargs)  # name, dtype, trainable, ...
        self.units = units
        self.initial_scale = initial_scale

    def build(self, input_shape: tuple) -> None:
        # Called once, on the first call, with the input's shape: now the kernel's size is known.
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel")
        self.scale = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(self.initial_scale), name="scale"
        )

    def call(self, inputs: object) -> object:
        x = inputs / ops.sqrt(ops.sum(ops.square(inputs), axis=-1, keepdims=True) + 1e-7)
        w = self.kernel / ops.sqrt(ops.sum(ops.square(self.kernel), axis=0, keepdims=True) + 1e-7)
        return self.scale * ops.matmul(x, w)

    def get_config(self) -> dict:
        # Everything __init__ needs, so that CosineDense(**config) rebuilds the layer.
        return {**super().get_config(), "units": self.units, "initial_scale": self.initial_scale}


def build_model() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input((64,)),
            layers.Dense(64, activation="relu"),
            CosineDense(10, name="cosine_head"),
            layers.Softmax(),
        ],
        name="cosine_classifier",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--epochs", type=int, help="default: 30 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for the saved model (default: a temporary folder, removed at the end)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 30)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = (x_train / 16.0).reshape(-1, 64), (x_test / 16.0).reshape(-1, 64)
    if args.quick:
        x_train, y_train = x_train[:300], y_train[:300]

    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    scale = float(ops.convert_to_numpy(model.get_layer("cosine_head").scale))
    print(f"test accuracy {accuracy:.4f}; learned scale {scale:.3f} (started at 5.0)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.out or tmp) / "cosine_classifier.ukeras"
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        # The file names the class "CosineDense"; loading needs to be told which class that is.
        try:
            keras.saving.load_model(path)
        except (ValueError, TypeError) as err:
            print(f"without custom_objects, loading fails as it should: {str(err).splitlines()[0]}")
        reloaded = keras.saving.load_model(path, custom_objects={"CosineDense": CosineDense})
        difference = float(np.max(np.abs(reloaded.predict(x_test, verbose=0) - model.predict(x_test, verbose=0))))
        print(f"saved to {path.name} and reloaded: {type(reloaded.get_layer('cosine_head')).__name__} layer back")

    print(
        f"custom layer ({args.backend}, {epochs} epochs): test accuracy {accuracy:.4f}, "
        f"reloaded model's predictions differ by at most {difference:.1e}"
    )


if __name__ == "__main__":
    main()
