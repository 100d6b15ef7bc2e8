"""Steps/second of unikeras ``fit`` against a hand-written loop in each framework (digits MLP).

    python benchmarks/fit_vs_native.py [--backends torch,jax] [--rounds 7] [--json out.json]

Each backend runs in its own process with thread counts pinned to one. Inside it, unikeras and
the native loop alternate for ``--rounds`` rounds (the order flips every round) so machine noise
hits both alike; the ratio is the median of the per-round ratios with a bootstrap 95 % interval.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("torch", "tensorflow", "jax", "mxnet")
BATCH_SIZE = 32
EPOCHS_PER_RUN = 2
PINNED_THREADS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "MXNET_CPU_WORKER_NTHREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    import unikeras

    (x, y), _ = unikeras.datasets.digits.load_data()
    return (x.reshape(len(x), 64) / 16.0).astype("float32"), y.astype("int64")


def unikeras_runner(backend: str, x: np.ndarray, y: np.ndarray):
    import unikeras
    from unikeras import layers

    unikeras.config.set_backend(backend)
    unikeras.utils.set_random_seed(0)
    model = unikeras.Sequential(
        [
            unikeras.Input((64,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=unikeras.optimizers.Adam(1e-3), loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )

    def run() -> None:
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS_PER_RUN, verbose=0)

    return run


def native_runner(backend: str, x: np.ndarray, y: np.ndarray):
    module = importlib.import_module(f"benchmarks.native.{backend}_mlp")
    run_epoch = module.make_epoch(x, y, BATCH_SIZE, seed=0)

    def run() -> None:
        for _ in range(EPOCHS_PER_RUN):
            run_epoch()

    return run


def bootstrap_interval(values: np.ndarray, samples: int = 2000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(values, (samples, len(values)), replace=True), axis=1)
    return float(np.percentile(medians, 2.5)), float(np.percentile(medians, 97.5))


def worker(backend: str, rounds: int) -> dict:
    x, y = digits_arrays()
    steps = EPOCHS_PER_RUN * -(-len(x) // BATCH_SIZE)
    runners = {"unikeras": unikeras_runner(backend, x, y), "native": native_runner(backend, x, y)}
    for run in runners.values():  # warm-up: compilation, caches
        run()
    rates: dict[str, list[float]] = {"unikeras": [], "native": []}
    for r in range(rounds):
        order = ("unikeras", "native") if r % 2 == 0 else ("native", "unikeras")
        for name in order:
            start = time.perf_counter()
            runners[name]()
            rates[name].append(steps / (time.perf_counter() - start))
    ratios = np.array(rates["unikeras"]) / np.array(rates["native"])
    low, high = bootstrap_interval(ratios)
    return {
        "backend": backend,
        "steps_per_run": steps,
        "unikeras_steps_per_s": float(np.median(rates["unikeras"])),
        "native_steps_per_s": float(np.median(rates["native"])),
        "ratio_median": float(np.median(ratios)),
        "ratio_ci95": [low, high],
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", default=str(ROOT / "bench-results" / "fit_vs_native.json"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.rounds)))
        return
    env = {**os.environ, **PINNED_THREADS, "PYTHONPATH": str(ROOT)}
    results = []
    print(f"digits MLP 64-64-64-10, Adam, batch {BATCH_SIZE}, {args.rounds} alternating rounds, 1 thread")
    print(f"{'backend':<12}{'unikeras steps/s':>18}{'native steps/s':>16}{'ratio':>8}   95% CI")
    for backend in args.backends.split(","):
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", backend, "--rounds", str(args.rounds)],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            reason = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
            print(f"{backend:<12} failed: {reason}")
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(row)
        low, high = row["ratio_ci95"]
        print(
            f"{backend:<12}{row['unikeras_steps_per_s']:>18.0f}{row['native_steps_per_s']:>16.0f}"
            f"{row['ratio_median']:>8.2f}   [{low:.2f}, {high:.2f}]"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
