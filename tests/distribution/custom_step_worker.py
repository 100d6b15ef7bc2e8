"""A worker of the distributed tests whose model overrides ``train_step``: otherwise ``train_worker.py``.

    python custom_step_worker.py OUT.npz [--distributed] [--batch-size B] [--epochs E] [-- OUT2.npz FLAGS ...]

Runs separated by ``--`` train one after the other in this process (a framework starts once); a
reference run (no ``--distributed``) is done by the launcher's rank 0 only (``RANK``).

The step is Keras's "customizing fit" step in backend-neutral form (``ops.value_and_grad``,
``self.optimizer.apply``, metric updates) and returns the metrics' results plus the batch's own
loss tensor (``batch_loss``), which each replica computes on its part of the batch.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import train_worker

import unikeras
from unikeras import layers, ops


class CustomStep(unikeras.Model):
    """Trains like the built-in step, written out."""

    def train_step(self, data: Any) -> dict:
        x, y, sample_weight = unikeras.utils.unpack_x_y_sample_weight(data)

        def forward() -> tuple:
            y_pred = self(x, training=True)
            return self.compute_loss(x, y, y_pred, sample_weight), y_pred

        (loss, y_pred), grads = ops.value_and_grad(forward, self.trainable_variables, has_aux=True)()
        self.optimizer.apply(grads, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=ops.shape(x)[0])  # a mean over the batch's samples
            else:
                metric.update_state(y, y_pred, sample_weight)
        return {**self.get_metrics_result(), "batch_loss": loss}


def build() -> unikeras.Model:
    inputs = unikeras.Input((train_worker.FEATURES,))
    outputs = layers.Dense(train_worker.CLASSES)(layers.Dense(16, activation="tanh")(inputs))
    model = CustomStep(inputs, outputs)
    model.compile(
        optimizer=unikeras.optimizers.Adam(0.01),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def main() -> None:
    """``train_worker.main`` with this model, once per run in ``sys.argv``."""
    program, runs = sys.argv[0], [[]]
    for arg in sys.argv[1:]:
        if arg == "--":
            runs.append([])
        else:
            runs[-1].append(arg)
    built_in, train_worker.build = train_worker.build, build
    try:
        for run in runs:
            if "--distributed" not in run and os.environ.get("RANK", "0") != "0":
                continue
            sys.argv = [program, *run]
            unikeras.distribution.set_distribution(None)  # a reference run trains without the last one's
            train_worker.main()
    finally:
        train_worker.build = built_in


if __name__ == "__main__":
    main()
