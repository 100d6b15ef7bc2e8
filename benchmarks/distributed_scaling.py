"""Data-parallel scaling on one machine: ``fit`` with 1 replica against 2, per backend.

    python benchmarks/distributed_scaling.py [--backends torch,jax] [--replicas 2] [--epochs 4] [--json PATH]

Workload: the suite's MLP (784-256-256-10, Adam) on 8192 synthetic samples, global batch 256,
so the work per step is the same for every replica count and only the split changes. Each run
is a fresh launch with every thread pool pinned to one thread per replica: torch under
``torchrun --nproc_per_node=N`` and mxnet under ``mxnet_launch -n N`` (a process per replica),
jax as one process with N host devices (``--xla_force_host_platform_device_count``), tensorflow
as one process with N logical CPUs (and N threads); the first epoch is a warm-up, the rate is the
median steps/s of the others. Prints a table and writes ``bench-results/distributed_scaling.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fit_vs_native import PINNED_THREADS  # noqa: E402

SAMPLES, FEATURES, CLASSES, BATCH = 8192, 784, 10, 256
DEFAULT_JSON = ROOT / "bench-results" / "distributed_scaling.json"
TIMEOUT_S = 600


def worker(epochs: int, distributed: bool) -> None:
    """Train in this process (a replica when ``distributed``); the chief prints the epoch times as JSON."""
    import unikeras
    from unikeras import layers

    logical_cpus = int(os.environ.get("BENCH_TF_LOGICAL_CPUS", "0"))
    if logical_cpus:  # TensorFlow's replicas on a CPU-only host: split the CPU before TensorFlow starts
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
    if distributed:
        unikeras.distribution.initialize()
        unikeras.distribution.set_distribution(unikeras.distribution.DataParallel())
    unikeras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, FEATURES)).astype("float32")
    y = (x @ rng.standard_normal((FEATURES, CLASSES))).argmax(axis=1)
    model = unikeras.Sequential(
        [
            unikeras.Input((FEATURES,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(CLASSES),
        ]
    )
    model.compile(optimizer="adam", loss=unikeras.losses.SparseCategoricalCrossentropy(from_logits=True))

    class EpochTimes(unikeras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            times.append(time.perf_counter() - self.start)

    times: list[float] = []
    history = model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[EpochTimes()])
    engine = unikeras.distribution.distribution().engine(unikeras.config.backend()) if distributed else None
    if engine is None or engine.is_chief:
        replicas = 1 if engine is None else engine.num_replicas
        print(json.dumps({"epoch_s": times, "replicas": replicas, "loss": history.history["loss"]}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(backend: str, replicas: int, epochs: int) -> dict:
    env = {**os.environ, **PINNED_THREADS, "PYTHONPATH": str(ROOT), "UNIKERAS_BACKEND": backend}
    me = [str(Path(__file__).resolve()), "--worker", "--epochs", str(epochs)]
    if backend == "torch":
        command = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={replicas}"]
        command += [f"--master_port={free_port()}", *me, "--distributed"]
    elif backend == "jax":
        env["XLA_FLAGS"] = f"{env['XLA_FLAGS']} --xla_force_host_platform_device_count={replicas}"
        command = [sys.executable, *me, "--distributed"]
    elif backend == "tensorflow":
        env["BENCH_TF_LOGICAL_CPUS"] = str(replicas)
        # one TensorFlow process drives every replica: give it a thread per replica
        env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = str(replicas)
        command = [sys.executable, *me, "--distributed"]
    elif backend == "mxnet":
        command = [sys.executable, "-m", "unikeras.distribution.mxnet_launch", "-n", str(replicas), *me]
        command.append("--distributed")
    else:
        raise SystemExit(f"--backends: no scaling run for {backend!r}; expected torch, tensorflow, jax or mxnet")
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"{backend} with {replicas} replicas failed:\n{proc.stderr[-2000:]}")
    result = json.loads([line for line in proc.stdout.splitlines() if line.startswith("{")][-1])
    steps = SAMPLES // BATCH
    result["steps_per_s"] = float(np.median([steps / t for t in result["epoch_s"][1:]]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="torch,tensorflow,jax,mxnet")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.epochs, args.distributed)
        return
    rows = []
    print(f"MLP 784-256-256-10, global batch {BATCH}, {SAMPLES // BATCH} steps/epoch, one thread per replica")
    print(f"{'backend':<12}{'1 replica steps/s':>20}{f'{args.replicas} replicas steps/s':>22}{'speed-up':>10}")
    for backend in args.backends.split(","):
        one = launch(backend, 1, args.epochs)
        many = launch(backend, args.replicas, args.epochs)
        speedup = many["steps_per_s"] / one["steps_per_s"]
        rows.append({"backend": backend, "one": one, "many": many, "speedup": speedup})
        print(f"{backend:<12}{one['steps_per_s']:>20.1f}{many['steps_per_s']:>22.1f}{speedup:>10.2f}")
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"replicas": args.replicas, "cpu_count": os.cpu_count(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
