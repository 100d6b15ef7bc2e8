"""One custom training loop, written once, run on every installed backend.

Teaches how to own the training step without touching a framework, in two ways:
1. a plain loop: ``unikeras.ops.value_and_grad`` gives the loss and the gradients,
   ``optimizer.apply_gradients`` updates the weights;
2. a ``Model`` subclass that overrides ``train_step`` with the same code, so ``fit`` (with its
   callbacks, progress bar and compiled step) runs it.
Prints the per-epoch loss of each way on each backend.

    python examples/custom_training_loop.py                  # every backend that is installed
    python examples/custom_training_loop.py --backend torch  # just one
    python examples/custom_training_loop.py --quick          # 2 epochs (seconds), as CI runs it
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras
from unikeras import layers, ops


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    (x_train, y_train), _ = unikeras.datasets.digits.load_data()
    return (x_train.reshape(len(x_train), -1) / 16.0).astype("float32"), y_train


def build_mlp() -> unikeras.Sequential:
    return unikeras.Sequential([unikeras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dense(10)])


def plain_loop(backend: str, epochs: int = 2, batch_size: int = 64, seed: int = 0) -> list[float]:
    """Train with a hand-written loop; returns the mean loss of each epoch."""
    x, y = load_digits()
    with unikeras.config.use_backend(backend):
        unikeras.utils.set_random_seed(seed)
        model = build_mlp()
        optimizer = unikeras.optimizers.SGD(learning_rate=0.1)
        loss_fn = unikeras.losses.SparseCategoricalCrossentropy(from_logits=True)

        def batch_loss(xb: object, yb: object) -> object:
            return loss_fn(yb, model(xb, training=True))

        loss_and_grads = ops.value_and_grad(batch_loss, model.trainable_variables)
        order = np.random.default_rng(seed)
        epoch_losses = []
        for _ in range(epochs):
            losses = []
            for batch in np.array_split(order.permutation(len(x)), len(x) // batch_size):
                loss, grads = loss_and_grads(x[batch], y[batch])
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                losses.append(float(ops.convert_to_numpy(loss)))
            epoch_losses.append(float(np.mean(losses)))
    return epoch_losses


class StepOwningModel(unikeras.Model):
    """A functional model whose training step is written here, once, for every backend."""

    def train_step(self, data: object) -> dict:
        x, y, sample_weight = unikeras.utils.unpack_x_y_sample_weight(data)

        def forward() -> tuple:
            y_pred = self(x, training=True)
            return self.compute_loss(x, y, y_pred, sample_weight), y_pred

        (loss, y_pred), grads = ops.value_and_grad(forward, self.trainable_variables, has_aux=True)()
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()


def overridden_train_step(backend: str, epochs: int = 2, batch_size: int = 64, seed: int = 0) -> list[float]:
    """Train with ``fit`` running ``StepOwningModel.train_step``; returns the per-epoch loss."""
    x, y = load_digits()
    with unikeras.config.use_backend(backend):
        unikeras.utils.set_random_seed(seed)
        inputs = unikeras.Input((64,))
        outputs = layers.Dense(10)(layers.Dense(32, activation="relu")(inputs))
        model = StepOwningModel(inputs, outputs)
        model.compile(
            unikeras.optimizers.SGD(learning_rate=0.1),
            loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return history.history["loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--backends", default=",".join(unikeras.backends.available()), help="comma-separated names")
    which.add_argument("--backend", help="run on this backend only")
    parser.add_argument("--epochs", type=int, help="default: 3 (2 with --quick)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="2 epochs of larger batches, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 3)
    batch_size = 128 if args.quick else 64
    names = [args.backend] if args.backend else args.backends.split(",")
    finals = []
    for name in names:
        loop = plain_loop(name, epochs=epochs, batch_size=batch_size)
        step = overridden_train_step(name, epochs=epochs, batch_size=batch_size)
        print(f"{name:<12} plain loop: {' '.join(f'{v:.4f}' for v in loop)}")
        print(f"{'':<12} train_step: {' '.join(f'{v:.4f}' for v in step)}")
        finals += [loop[-1], step[-1]]
    print(
        f"custom training loop, {epochs} epochs: final loss {min(finals):.4f} to {max(finals):.4f} "
        f"on {len(names)} backend(s)"
    )


if __name__ == "__main__":
    main()
