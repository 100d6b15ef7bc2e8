"""Steps/second of ``fit`` under ``compile(jit_compile=False | "auto" | True)`` on each backend.

    python benchmarks/compiled_steps.py [--backends torch,jax] [--rounds 5] [--json out.json]

Two workloads on the digits data: the MLP of ``fit_vs_native`` (64-64-64-10) and a small
convnet (Conv2D 16 3x3, Conv2D 32 3x3, global average pooling, Dense 10), Adam, batch 32.
Each backend runs in its own process with one thread. The first fit of each setting (tracing,
compilation) is timed on its own as the warm-up; then the settings alternate for ``--rounds``
rounds, the order rotating every round, and the median steps/s of each is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.fit_vs_native import BACKENDS, BATCH_SIZE, PINNED_THREADS, ROOT, digits_arrays  # noqa: E402

SETTINGS = (False, "auto", True)
WORKLOADS = ("mlp", "convnet")


def build(workload: str):
    import unikeras
    from unikeras import layers

    if workload == "mlp":
        return unikeras.Sequential(
            [
                unikeras.Input((64,)),
                layers.Dense(64, activation="relu"),
                layers.Dense(64, activation="relu"),
                layers.Dense(10),
            ]
        )
    return unikeras.Sequential(
        [
            unikeras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10),
        ]
    )


def runner(backend: str, workload: str, jit_compile: bool | str, x: np.ndarray, y: np.ndarray):
    import unikeras

    unikeras.config.set_backend(backend)
    unikeras.utils.set_random_seed(0)
    model = build(workload)
    model.compile(
        optimizer=unikeras.optimizers.Adam(1e-3),
        loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )
    data = x if workload == "mlp" else x.reshape(len(x), 8, 8, 1)

    def run() -> None:
        model.fit(data, y, batch_size=BATCH_SIZE, epochs=1, verbose=0)

    return run


def worker(backend: str, rounds: int) -> list[dict]:
    x, y = digits_arrays()
    steps = -(-len(x) // BATCH_SIZE)
    rows = []
    for workload in WORKLOADS:
        runs, first_epoch = {}, {}
        for setting in SETTINGS:
            run = runner(backend, workload, setting, x, y)
            start = time.perf_counter()
            try:
                run()
            except Exception as err:  # noqa: BLE001 - a setting the framework cannot run is reported
                first_epoch[str(setting)] = f"failed: {type(err).__name__}: {err}"[:200]
                continue
            first_epoch[str(setting)] = time.perf_counter() - start
            runs[str(setting)] = run
        rates: dict[str, list[float]] = {name: [] for name in runs}
        names = list(runs)
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                start = time.perf_counter()
                runs[name]()
                rates[name].append(steps / (time.perf_counter() - start))
        rows.append(
            {
                "backend": backend,
                "workload": workload,
                "steps_per_epoch": steps,
                "first_epoch_s": first_epoch,
                "steps_per_s": {name: float(np.median(values)) for name, values in rates.items()},
                "rounds": rounds,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", default=str(ROOT / "bench-results" / "compiled_steps.json"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.rounds)))
        return
    env = {**os.environ, **PINNED_THREADS, "PYTHONPATH": str(ROOT)}
    results = []
    print(f"fit steps/s by jit_compile, batch {BATCH_SIZE}, {args.rounds} rotating rounds, 1 thread")
    print(f"{'backend':<12}{'workload':<10}" + "".join(f"{str(s):>10}" for s in SETTINGS) + "   first epoch (s)")
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
        for row in json.loads(proc.stdout.strip().splitlines()[-1]):
            results.append(row)
            rates = "".join(f"{row['steps_per_s'].get(str(s), float('nan')):>10.0f}" for s in SETTINGS)
            first = ", ".join(
                f"{k}: {v:.1f}" if isinstance(v, float) else f"{k}: {v}" for k, v in row["first_epoch_s"].items()
            )
            print(f"{backend:<12}{row['workload']:<10}{rates}   {first}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
