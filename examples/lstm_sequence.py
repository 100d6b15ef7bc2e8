"""An LSTM (or GRU) that forecasts the next value of noisy sine waves generated here.

Teaches recurrent layers on ``(batch, timesteps, features)`` input: stacking two recurrent layers
(``return_sequences=True`` on the first), a regression head with mean squared error, and comparing
the model with a naive baseline (repeat the last value) to see that it learned something.

    python examples/lstm_sequence.py                  # the configured backend, LSTM
    python examples/lstm_sequence.py --cell gru --backend tensorflow
    python examples/lstm_sequence.py --quick          # less data, 2 epochs (seconds), as CI runs it

Prints the test mean squared error of the model and of the baseline.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras as keras
from unikeras import layers

TIMESTEPS = 24


def make_waves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sine waves with random frequency, phase and amplitude plus noise.

    Returns ``x`` of shape (n, TIMESTEPS, 1) (the noisy wave) and ``y`` of shape (n, 1): the clean
    value of the wave at the next step.
    """
    rng = np.random.default_rng(seed)
    frequency = rng.uniform(0.03, 0.12, size=(n, 1))  # cycles per step
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    amplitude = rng.uniform(0.5, 1.0, size=(n, 1))
    t = np.arange(TIMESTEPS + 1)[np.newaxis, :]
    clean = amplitude * np.sin(2 * np.pi * frequency * t + phase)
    noisy = clean[:, :TIMESTEPS] + rng.normal(0, 0.05, size=(n, TIMESTEPS))
    return noisy[..., np.newaxis].astype("float32"), clean[:, TIMESTEPS:].astype("float32")


def build_model(cell: str) -> keras.Sequential:
    recurrent = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]
    return keras.Sequential(
        [
            keras.Input((TIMESTEPS, 1)),
            recurrent(32, return_sequences=True),  # one output per timestep, fed to the next layer
            recurrent(32),  # only the last output
            layers.Dense(1),
        ],
        name=f"{cell}_forecaster",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    parser.add_argument("--epochs", type=int, help="default: 20 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="less data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 20)
    n_train = 256 if args.quick else 4000

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    x_train, y_train = make_waves(n_train, seed=args.seed)
    x_test, y_test = make_waves(500, seed=args.seed + 1)

    model = build_model(args.cell)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="mse", metrics=["mae"])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1, verbose=2)

    mse = float(np.mean((model.predict(x_test, verbose=0) - y_test) ** 2))
    baseline = float(np.mean((x_test[:, -1, :] - y_test) ** 2))  # "tomorrow is like today"
    print(
        f"{args.cell.upper()} forecast ({args.backend}, {epochs} epochs): test MSE {mse:.5f} "
        f"({'below' if mse < baseline else 'not below'} the {baseline:.5f} of repeating the last value)"
    )


if __name__ == "__main__":
    main()
