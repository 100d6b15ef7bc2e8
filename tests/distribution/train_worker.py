"""A worker of the distributed tests: trains the test model and writes its weights and history.

    python train_worker.py OUT.npz [--distributed] [--batch-size B] [--epochs E] [--die-at-step K]

``TEST_TF_LOGICAL_CPUS=N`` splits the CPU into N logical devices for TensorFlow first.
With ``--distributed`` it joins the launcher's run (``unikeras.distribution.initialize()``) and
trains under ``DataParallel``; otherwise it is the one-process reference. The backend comes from
``UNIKERAS_BACKEND``. Only the chief (or the single process) writes ``OUT.npz``; every rank
writes ``OUT.rank<r>.npz`` so the test can check that the replicas agree.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import unikeras
from unikeras import layers

SAMPLES, FEATURES, CLASSES = 72, 6, 3


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, FEATURES)).astype("float32")
    y = (x @ rng.standard_normal((FEATURES, CLASSES))).argmax(axis=1)
    return x, y


def build() -> unikeras.Model:
    model = unikeras.Sequential(
        [unikeras.Input((FEATURES,)), layers.Dense(16, activation="tanh"), layers.Dense(CLASSES)]
    )
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.01),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


class DieAt(unikeras.callbacks.Callback):
    """Rank 1 exits mid-epoch, without a word, as a crashed worker would."""

    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        engine = unikeras.distribution.distribution().engine(unikeras.config.backend())
        if batch == self.step and engine.process_index == 1:
            os._exit(3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--distributed", action="store_true")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--die-at-step", type=int)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    rank = 0
    logical_cpus = int(os.environ.get("TEST_TF_LOGICAL_CPUS", "0"))
    if logical_cpus:  # TensorFlow's replicas on a CPU-only host: split the CPU before TensorFlow starts
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
    if args.distributed:
        unikeras.distribution.initialize(timeout=args.timeout)
        unikeras.distribution.set_distribution(unikeras.distribution.DataParallel())
    unikeras.utils.set_random_seed(7)
    model = build()
    callbacks = [] if args.die_at_step is None else [DieAt(args.die_at_step)]
    x, y = data()
    history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=2, callbacks=callbacks)
    if args.distributed:
        engine = unikeras.distribution.distribution().engine(unikeras.config.backend())
        rank = engine.process_index
        replicas = engine.num_replicas
    else:
        replicas = 1
    arrays = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    arrays.update({f"h_{k}": np.asarray(v) for k, v in history.history.items()})
    arrays["replicas"] = np.asarray(replicas)
    np.savez(f"{args.out}.rank{rank}.npz", **arrays)
    if rank == 0:
        np.savez(args.out, **arrays)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
