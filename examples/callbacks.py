"""Callbacks: stop training when validation stops improving, keep the best model on disk, log each epoch.

Teaches ``EarlyStopping(restore_best_weights=True)`` (train "too many" epochs and let it stop at the
right one), ``ModelCheckpoint(save_best_only=True)`` (the best model so far, saved as training goes),
``CSVLogger`` (every epoch's metrics in a file) and ``LambdaCallback`` (your own code at any hook).
A deliberately large network on a small part of the digits overfits, so there is something to stop.

    python examples/callbacks.py                  # the configured backend
    python examples/callbacks.py --out runs/      # keep the checkpoint and the CSV log in runs/
    python examples/callbacks.py --quick          # a subset, at most 4 epochs (seconds), as CI runs it

Prints where training stopped, the best validation loss, and the test accuracy of the restored
model and of the reloaded checkpoint (the same model).
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from pathlib import Path

import numpy as np

import unikeras as keras
from unikeras import layers


def build_model() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input((8, 8)),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--epochs", type=int, help="the most epochs to run (default: 200, 4 with --quick)")
    parser.add_argument("--patience", type=int, default=5, help="epochs without improvement before stopping")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for the checkpoint and the CSV log (default: a temporary folder)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="a subset of the data and at most 4 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (4 if args.quick else 200)
    patience = min(args.patience, 1) if args.quick else args.patience

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    x_train, x_test = x_train / 16.0, x_test / 16.0
    x_train, y_train = x_train[:200], y_train[:200]  # little data: the big network soon overfits
    x_val, y_val = (x_test[:100], y_test[:100]) if args.quick else (x_test[:150], y_test[:150])
    x_test, y_test = x_test[150:], y_test[150:]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.out or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        best_path, log_path = folder / "best.ukeras", folder / "training_log.csv"
        callbacks = [
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True, verbose=1),
            keras.callbacks.ModelCheckpoint(best_path, monitor="val_loss", save_best_only=True),
            keras.callbacks.CSVLogger(log_path),
            keras.callbacks.LambdaCallback(
                on_epoch_end=lambda epoch, logs: print(
                    f"  epoch {epoch + 1:>3}: loss {logs['loss']:.4f}, val_loss {logs['val_loss']:.4f}"
                )
            ),
        ]

        model = build_model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(
            x_train,
            y_train,
            validation_data=(x_val, y_val),
            batch_size=32,
            epochs=epochs,
            callbacks=callbacks,
            verbose=0,
        )

        ran = len(history.history["loss"])
        best_epoch = int(np.argmin(history.history["val_loss"])) + 1
        with open(log_path, newline="") as f:
            rows = list(csv.DictReader(f))
        print(
            f"ran {ran} of {epochs} epochs; best val_loss {min(history.history['val_loss']):.4f} at epoch {best_epoch}"
        )
        print(f"{log_path.name}: {len(rows)} rows with columns {', '.join(rows[0])}")

        _, restored_accuracy = model.evaluate(x_test, y_test, verbose=0)  # weights restored from the best epoch
        checkpoint = keras.saving.load_model(best_path)
        _, checkpoint_accuracy = checkpoint.evaluate(x_test, y_test, verbose=0)

    print(
        f"callbacks ({args.backend}): stopped after {ran} epochs, best epoch {best_epoch}; test accuracy "
        f"{restored_accuracy:.4f} (restored weights), {checkpoint_accuracy:.4f} (best checkpoint)"
    )


if __name__ == "__main__":
    main()
