"""The four workloads of the benchmark suite: synthetic data and the model, written once for unikeras and Keras.

unikeras and Keras 3 share the API, so ``build_model(lib, name)`` builds the same model from
``lib = unikeras`` or ``lib = keras``; the native loops in ``benchmarks/native/*_models.py``
write the same layers by hand. Every model: sparse categorical cross-entropy from logits, Adam
(learning rate 1e-3, epsilon 1e-7, Keras's defaults otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

NUM_CLASSES = 10
LEARNING_RATE = 1e-3
EPSILON = 1e-7  # Adam's epsilon, Keras's default
BETA_1, BETA_2 = 0.9, 0.999
LAYER_NORM_EPSILON = 1e-3  # Keras's LayerNormalization default
DATA_SEED = 20240607


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    input_shape: tuple[int, ...]  # one sample, channels_last
    batch_size: int
    steps_per_epoch: int  # full run: one epoch is about 1-3 s on one thread
    quick_steps: int  # --quick: a handful of steps
    predict_batch_size: int  # divides the full run's sample count: no partial last batch to compile

    def samples(self, quick: bool) -> int:
        return self.batch_size * (self.quick_steps if quick else self.steps_per_epoch)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("mlp", "MLP 784-256-256-10", (784,), 128, 160, 3, 1024),
        Workload("cnn", "CNN conv32-pool-conv64-pool-128-10 on 28x28x1", (28, 28, 1), 64, 32, 3, 512),
        Workload("lstm", "LSTM 64 on 32 steps x 16 features, Dense 10", (32, 16), 64, 40, 3, 512),
        Workload("transformer", "MHA 4x16 + FFN 128 block on 64 x 64, Dense 10", (64, 64), 32, 40, 3, 256),
    )
}


def make_data(workload: Workload, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (float32, channels_last) and integer labels from a fixed seed.

    The labels come from a random linear teacher on the inputs so the loss has something to learn.
    """
    rng = np.random.default_rng(DATA_SEED)
    n = workload.samples(quick)
    x = rng.standard_normal((n, *workload.input_shape), dtype=np.float32)
    teacher = rng.standard_normal((int(np.prod(workload.input_shape)), NUM_CLASSES)).astype(np.float32)
    y = np.argmax(x.reshape(n, -1) @ teacher, axis=1).astype(np.int64)
    return x, y


def build_model(lib: Any, name: str) -> Any:
    """The workload's model built with ``lib`` (``unikeras`` or ``keras``), uncompiled."""
    layers = lib.layers
    shape = WORKLOADS[name].input_shape
    if name == "mlp":
        return lib.Sequential(
            [
                lib.Input(shape),
                layers.Dense(256, activation="relu"),
                layers.Dense(256, activation="relu"),
                layers.Dense(NUM_CLASSES),
            ]
        )
    if name == "cnn":
        return lib.Sequential(
            [
                lib.Input(shape),
                layers.Conv2D(32, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Conv2D(64, 3, activation="relu"),
                layers.MaxPooling2D(2),
                layers.Flatten(),
                layers.Dense(128, activation="relu"),
                layers.Dense(NUM_CLASSES),
            ]
        )
    if name == "lstm":
        return lib.Sequential([lib.Input(shape), layers.LSTM(64), layers.Dense(NUM_CLASSES)])
    if name == "transformer":
        inputs = lib.Input(shape)
        attention = layers.MultiHeadAttention(num_heads=4, key_dim=16)(inputs, inputs)
        h = layers.LayerNormalization()(layers.Add()([inputs, attention]))
        ffn = layers.Dense(64)(layers.Dense(128, activation="relu")(h))
        h = layers.LayerNormalization()(layers.Add()([h, ffn]))
        outputs = layers.Dense(NUM_CLASSES)(layers.GlobalAveragePooling1D()(h))
        return lib.Model(inputs, outputs)
    raise ValueError(f"unknown workload {name!r}; expected one of {sorted(WORKLOADS)}")


def compile_model(lib: Any, model: Any) -> None:
    """Adam 1e-3 and sparse categorical cross-entropy from logits, each framework's default step compilation."""
    model.compile(
        optimizer=lib.optimizers.Adam(LEARNING_RATE),
        loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
