"""Export a trained model to ONNX and run it with onnxruntime, without unikeras or any framework.

Teaches ``model.export(path, format="onnx")`` and inference with ``onnxruntime.InferenceSession``:
the file holds the graph and the weights, takes a batch of any size, and gives the same answers as
``model.predict`` — from whichever backend trained the model.

    python examples/onnx_export.py                  # train on the configured backend
    python examples/onnx_export.py --backend tensorflow --out exported/
    python examples/onnx_export.py --quick          # a subset, 2 epochs (seconds), as CI runs it

Needs ``onnx`` (to write the file) and ``onnxruntime`` (to run it): ``pip install onnx onnxruntime``.
Prints the ONNX graph's inputs and outputs, and how far onnxruntime's outputs are from ``predict``'s.
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
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dropout(0.2),  # exported as an identity: ONNX files are for inference
            layers.Dense(10, activation="softmax"),
        ],
        name="digits_cnn",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--epochs", type=int, help="default: 20 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for model.onnx (default: a temporary folder)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 20)
    import onnxruntime  # imported here so that --help works without it

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train = (x_train / 16.0).astype("float32")[..., np.newaxis]
    x_test = (x_test / 16.0).astype("float32")[..., np.newaxis]  # ONNX inputs are float32
    if args.quick:
        x_train, y_train = x_train[:300], y_train[:300]

    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, verbose=0)
    expected = model.predict(x_test, verbose=0)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.out or tmp) / "model.onnx"
        path.parent.mkdir(parents=True, exist_ok=True)
        model.export(path, format="onnx")
        print(f"wrote {path.name}: {path.stat().st_size:,} bytes")

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for kind, args_ in (("input", session.get_inputs()), ("output", session.get_outputs())):
            for arg in args_:
                print(f"  ONNX {kind} {arg.name!r}: shape {arg.shape}, {arg.type}")
        input_name = session.get_inputs()[0].name
        (onnx_all,) = session.run(None, {input_name: x_test})  # the whole test set in one batch
        (onnx_one,) = session.run(None, {input_name: x_test[:1]})  # and a batch of one: the batch size is free

    difference = float(np.max(np.abs(onnx_all - expected)))
    agree = float(np.mean(onnx_all.argmax(axis=1) == expected.argmax(axis=1)))
    accuracy = float(np.mean(onnx_all.argmax(axis=1) == y_test))
    print(f"batch of one: predicted digit {onnx_one[0].argmax()} (true label {y_test[0]})")
    print(
        f"ONNX export ({args.backend}, {epochs} epochs): onnxruntime test accuracy {accuracy:.4f}, "
        f"max |onnxruntime - predict| {difference:.1e}, same class for {agree:.1%}"
    )


if __name__ == "__main__":
    main()
