"""The benchmark suite: unikeras ``fit``/``predict`` against a hand-written native loop and Keras 3, per backend.

    python benchmarks/suite.py [--backends torch,jax] [--workloads mlp,cnn] [--rounds 7] [--quick] [--json out.json]

For every (backend, workload) pair three ways train the same model on the same synthetic data
(see ``benchmarks/workloads.py``): ``native`` (``benchmarks/native/<backend>_models.py``),
``unikeras`` (``fit``) and ``keras`` (Keras 3 ``fit`` with ``KERAS_BACKEND=<backend>``; Keras has
no MXNet backend). Two kinds of fresh processes, all with every thread pool pinned to one thread:

* a *timing* process per pair builds all ways, warms each up (one untimed epoch and predict:
  tracing, compilation, caches), then runs ``--rounds`` rounds; in each round every way trains
  one epoch and then predicts the whole training set in large batches, the order of the ways
  rotating from round to round. Per round the ratios unikeras/native and unikeras/keras are
  taken; each is reported as the median over rounds with a bootstrap 95 % interval.
* a *single-way* process per (pair, way) that imports and runs only that way: time from
  process start (just before the parent spawns it) to the end of the first training step,
  and peak resident memory (``ru_maxrss``) after two epochs and a predict.

Results: a printed table and ``bench-results/suite.json``. ``--quick`` runs one round on three
batches per epoch (the smoke test's mode; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fit_vs_native import PINNED_THREADS, bootstrap_interval  # noqa: E402
from benchmarks.workloads import WORKLOADS, build_model, compile_model, make_data  # noqa: E402

BACKENDS = ("torch", "tensorflow", "jax", "mxnet")
KERAS_BACKENDS = ("torch", "tensorflow", "jax")
WAYS = ("native", "native_xla", "unikeras", "keras")
# native_xla: the native TensorFlow loop compiled by XLA, the other native variant worth timing
# (JAX's loop is always jitted; torch.compile takes 10-40 s per model here and is not what a
# PyTorch user runs by default; MXNet's loop is already hybridized).
NATIVE_VARIANT_BACKENDS = ("tensorflow",)
RATIOS = (("unikeras", "native"), ("unikeras", "native_best"), ("unikeras", "keras"))
WARMUP_S = 10.0  # every way trains this long (whole epochs, at least one) before the rounds
DEFAULT_JSON = ROOT / "bench-results" / "suite.json"
WORKER_TIMEOUT_S = 1200
PROBE_STEPS = 3  # steps of the warm-up call, and of the probe that measures a way's step time
MAX_EPOCH_S = 4.0  # a way slower than this per epoch is timed on its first steps only (see timing_worker)
SINGLE_WAY_STEPS = 3  # steps per epoch in the single-way (start-up and memory) processes
PACKAGES = {  # name in the report: the distributions that may provide it
    "numpy": ("numpy",),
    "torch": ("torch",),
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "jax": ("jax",),
    "jaxlib": ("jaxlib",),
    "mxnet": ("mxnet",),
    "keras": ("keras",),
}


def ways_for(backend: str) -> tuple[str, ...]:
    return tuple(
        way
        for way in WAYS
        if (way != "keras" or backend in KERAS_BACKENDS) and (way != "native_xla" or backend in NATIVE_VARIANT_BACKENDS)
    )


# ---------------------------------------------------------------------------------------------- runners
class Runner(Protocol):
    """One way of training a workload (the native loops' ``Native`` classes and ``FitRunner``)."""

    def train_epoch(self, on_first_step: Callable[[], None] | None = None, max_steps: int | None = None) -> float:
        """One shuffled epoch (its first ``max_steps`` steps); calls ``on_first_step`` after the first one. The loss."""

    def predict(self, max_samples: int | None = None) -> np.ndarray:
        """Outputs for the training inputs (the first ``max_samples``) in large batches."""

    def num_params(self) -> int: ...


def pin_threads(backend: str) -> None:
    """Pin the framework's own thread pools to one thread (the environment of PINNED_THREADS covers the rest)."""
    if backend == "torch":
        import torch

        torch.set_num_threads(1)
    elif backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def native_runner(backend: str, workload: str, x: np.ndarray, y: np.ndarray) -> Runner:
    module = importlib.import_module(f"benchmarks.native.{backend}_models")
    return module.Native(workload, x, y, seed=0)


class FitRunner:
    """unikeras or Keras: ``fit`` one epoch (shuffled, verbose 0) and ``predict`` in large batches."""

    def __init__(self, lib: Any, workload: str, x: np.ndarray, y: np.ndarray) -> None:
        self.lib, self.x, self.y = lib, x, y
        self.workload = WORKLOADS[workload]
        lib.utils.set_random_seed(0)
        self.model = build_model(lib, workload)
        compile_model(lib, self.model)

    def num_params(self) -> int:
        return int(self.model.count_params())

    def train_epoch(self, on_first_step: Callable[[], None] | None = None, max_steps: int | None = None) -> float:
        callbacks = [] if on_first_step is None else [first_step_callback(self.lib, on_first_step)]
        history = self.model.fit(
            self.x,
            self.y,
            batch_size=self.workload.batch_size,
            epochs=1,
            steps_per_epoch=max_steps,
            verbose=0,
            callbacks=callbacks,
        )
        return float(history.history["loss"][-1])

    def predict(self, max_samples: int | None = None) -> np.ndarray:
        x = self.x[:max_samples]
        return np.asarray(self.model.predict(x, batch_size=self.workload.predict_batch_size, verbose=0))


def first_step_callback(lib: Any, hook: Callable[[], None]) -> Any:
    """A ``lib.callbacks.Callback`` that reads the first batch's loss (a sync) and then calls ``hook``."""

    class FirstStep(lib.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            nonlocal hook
            if hook is not None:
                float(np.asarray((logs or {})["loss"]))
                hook()
                hook = None

    return FirstStep()


def make_runner(way: str, backend: str, workload: str, x: np.ndarray, y: np.ndarray) -> Runner:
    if way == "native":
        return native_runner(backend, workload, x, y)
    if way == "native_xla":
        module = importlib.import_module(f"benchmarks.native.{backend}_models")
        return module.Native(workload, x, y, seed=0, jit_compile=True)
    if way == "unikeras":
        import unikeras

        unikeras.config.set_backend(backend)
        return FitRunner(unikeras, workload, x, y)
    if way == "keras":
        if os.environ.get("KERAS_BACKEND") != backend:
            raise RuntimeError(f"the keras way needs KERAS_BACKEND={backend} set before keras is imported")
        import keras

        return FitRunner(keras, workload, x, y)
    raise ValueError(f"unknown way {way!r}; expected one of {WAYS}")


# ---------------------------------------------------------------------------------------------- workers
def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Seconds ``fn(*args, **kwargs)`` takes, after a garbage collection, and its result."""
    gc.collect()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def timing_worker(backend: str, workload: str, rounds: int, quick: bool, warmup_budget_s: float = WARMUP_S) -> dict:
    """All ways of one pair in this process: warm-up, then ``rounds`` rotating rounds of train epoch + predict.

    A way whose epoch would take longer than ``MAX_EPOCH_S`` (measured on ``PROBE_STEPS`` steps after
    the warm-up) trains on its first steps only and predicts as many samples, so that one slow way
    cannot stretch the run; its rates (steps/s, samples/s) stay comparable, and the row says so.
    Each way then trains on until ``warmup_budget_s`` seconds of warm-up have passed.
    """
    pin_threads(backend)
    spec = WORKLOADS[workload]
    x, y = make_data(spec, quick)
    steps = len(x) // spec.batch_size
    ways = ways_for(backend)
    # Build every way before warming any up: importing a library may change global framework state
    # (unikeras's JAX adapter turns on jax_enable_x64, which invalidates every jit cache).
    runners = {way: make_runner(way, backend, workload, x, y) for way in ways}
    out: dict[str, dict] = {}
    for way, runner in runners.items():
        probe = min(steps, PROBE_STEPS)
        warmup_s, _ = timed(runner.train_epoch, max_steps=probe)
        probe_s, _ = timed(runner.train_epoch, max_steps=probe)
        timed_steps = steps if quick else max(probe, min(steps, int(MAX_EPOCH_S * probe / probe_s)))
        # Steady state before timing: tiered steps (unikeras's jit_compile="auto") may switch form
        # after some seconds of training, caches settle; every way gets the same treatment.
        warming = warmup_s + probe_s
        while not quick and warming < warmup_budget_s:
            seconds, _ = timed(runner.train_epoch, max_steps=None if timed_steps == steps else timed_steps)
            warming += seconds
        predict_samples = len(x) if timed_steps == steps else timed_steps * spec.batch_size
        warmup_predict_s, outputs = timed(runner.predict, predict_samples)
        out[way] = {
            "params": runner.num_params(),
            "output": f"{outputs.dtype}{list(outputs.shape)}",
            "warmup_s": warmup_s,
            "warmup_predict_s": warmup_predict_s,
            "timed_steps": timed_steps,
            "predict_samples": predict_samples,
            "steps_per_s": [],
            "predict_samples_per_s": [],
        }
    for r in range(rounds):
        for way in ways[r % len(ways) :] + ways[: r % len(ways)]:
            runner, record = runners[way], out[way]
            max_steps = None if record["timed_steps"] == steps else record["timed_steps"]
            seconds, loss = timed(runner.train_epoch, max_steps=max_steps)
            record["steps_per_s"].append(record["timed_steps"] / seconds)
            record["last_loss"] = loss
            seconds, _ = timed(runner.predict, record["predict_samples"])
            record["predict_samples_per_s"].append(record["predict_samples"] / seconds)
    return {"steps_per_epoch": steps, "samples": len(x), "ways": out}


def single_way_worker(backend: str, workload: str, way: str, t0: float, quick: bool) -> dict:
    """Only ``way`` in this process: time from process start to the end of the first step, and peak RSS.

    The peak is read after two short epochs (``SINGLE_WAY_STEPS`` steps each) on the full data
    and a predict of one large batch.
    """
    spec = WORKLOADS[workload]
    x, y = make_data(spec, quick)
    pin_threads(backend)
    runner = make_runner(way, backend, workload, x, y)
    first_step: list[float] = []
    runner.train_epoch(on_first_step=lambda: first_step.append(time.time()), max_steps=SINGLE_WAY_STEPS)
    runner.train_epoch(max_steps=SINGLE_WAY_STEPS)
    runner.predict(spec.predict_batch_size)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result = {"time_to_first_step_s": first_step[0] - t0, "peak_rss_mib": peak_kib / 1024}
    peak_device = peak_accelerator_bytes(backend)
    if peak_device is not None:
        result["peak_device_mib"] = peak_device / 2**20
    return result


def peak_accelerator_bytes(backend: str) -> int | None:
    """Peak bytes the framework's allocator held on its GPU in this process; None on a CPU-only run."""
    if backend == "torch":
        import torch

        return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        stats = device.memory_stats() if device.platform == "gpu" else None
        return int(stats["peak_bytes_in_use"]) if stats and "peak_bytes_in_use" in stats else None
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"]) if gpus else None
    return None


# ---------------------------------------------------------------------------------------------- driver
def start_worker(args: list[str], backend: str) -> subprocess.Popen:
    python_path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **PINNED_THREADS, "PYTHONPATH": python_path, "UNIKERAS_BACKEND": backend}
    if backend in KERAS_BACKENDS:
        env["KERAS_BACKEND"] = backend
    else:
        env.pop("KERAS_BACKEND", None)
    command = [sys.executable, str(Path(__file__).resolve()), *args, "--t0", repr(time.time())]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_worker(proc: subprocess.Popen) -> tuple[dict | None, str | None]:
    """The worker's JSON result, or why there is none."""
    try:
        stdout, stderr = proc.communicate(timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None, f"timed out after {WORKER_TIMEOUT_S} s"
    if proc.returncode != 0:
        lines = stderr.strip().splitlines()
        return None, lines[-1][:300] if lines else f"exit {proc.returncode}"
    return json.loads(stdout.strip().splitlines()[-1]), None


def run_workers(jobs: list[list[str]], backend: str, concurrent: bool) -> list[tuple[dict | None, str | None]]:
    """Run worker processes one after the other (measuring), or all at once (``--quick``: nothing is measured)."""
    if concurrent:
        return [finish_worker(proc) for proc in [start_worker(job, backend) for job in jobs]]
    return [finish_worker(start_worker(job, backend)) for job in jobs]


def summarize(values: list[float]) -> dict:
    array = np.asarray(values, dtype=float)
    low, high = bootstrap_interval(array) if len(array) > 1 else (float(array[0]), float(array[0]))
    return {"median": float(np.median(array)), "ci95": [low, high], "per_round": [float(v) for v in array]}


def measure_pair(backend: str, workload: str, rounds: int, quick: bool, warmup_s: float = WARMUP_S) -> dict:
    spec = WORKLOADS[workload]
    ways = ways_for(backend)
    flags = ["--quick"] if quick else []
    row: dict[str, Any] = {
        "backend": backend,
        "workload": workload,
        "description": spec.description,
        "batch_size": spec.batch_size,
        "predict_batch_size": spec.predict_batch_size,
        "rounds": rounds,
        "ways": {way: {} for way in ways},
        "ratios": {},
        "errors": {},
    }
    jobs = [["--worker", "timing", backend, workload, "--rounds", str(rounds), "--warmup-s", str(warmup_s), *flags]]
    jobs += [["--worker", "way", backend, workload, way, *flags] for way in ways]
    (timing, error), *singles = run_workers(jobs, backend, concurrent=quick)
    if error:
        row["errors"]["timing"] = error
    else:
        row["steps_per_epoch"], row["samples"] = timing["steps_per_epoch"], timing["samples"]
        for way, data in timing["ways"].items():
            row["ways"][way].update(
                {
                    "params": data["params"],
                    "output": data["output"],
                    "warmup_s": data["warmup_s"],
                    "warmup_predict_s": data["warmup_predict_s"],
                    "timed_steps": data["timed_steps"],
                    "predict_samples": data["predict_samples"],
                    "last_loss": data["last_loss"],
                    "steps_per_s_median": float(np.median(data["steps_per_s"])),
                    "steps_per_s": data["steps_per_s"],
                    "predict_samples_per_s_median": float(np.median(data["predict_samples_per_s"])),
                    "predict_samples_per_s": data["predict_samples_per_s"],
                }
            )
        timed_ways = dict(timing["ways"])
        natives = [timed_ways[w] for w in ("native", "native_xla") if w in timed_ways]
        if natives:  # per round, the faster native variant
            timed_ways["native_best"] = {
                key: np.max([w[key] for w in natives], axis=0).tolist()
                for key in ("steps_per_s", "predict_samples_per_s")
            }
        for a, b in RATIOS:
            if a in timed_ways and b in timed_ways:
                ta, tb = timed_ways[a], timed_ways[b]
                row["ratios"][f"{a}/{b}"] = {
                    "train": summarize(np.divide(ta["steps_per_s"], tb["steps_per_s"]).tolist()),
                    "predict": summarize(np.divide(ta["predict_samples_per_s"], tb["predict_samples_per_s"]).tolist()),
                }
    for way, (single, error) in zip(ways, singles):
        if error:
            row["errors"][f"single:{way}"] = error
        else:
            row["ways"][way].update(single)
    for a, b in RATIOS:
        if "peak_rss_mib" in row["ways"].get(a, {}) and "peak_rss_mib" in row["ways"].get(b, {}):
            row["ratios"].setdefault(f"{a}/{b}", {})["peak_rss"] = (
                row["ways"][a]["peak_rss_mib"] / row["ways"][b]["peak_rss_mib"]
            )
        if "peak_device_mib" in row["ways"].get(a, {}) and "peak_device_mib" in row["ways"].get(b, {}):
            row["ratios"].setdefault(f"{a}/{b}", {})["peak_device"] = (
                row["ways"][a]["peak_device_mib"] / row["ways"][b]["peak_device_mib"]
            )
    return row


def machine_info() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name, distributions in PACKAGES.items():
        versions[name] = None
        for distribution in distributions:
            try:
                versions[name] = version(distribution)
                break
            except PackageNotFoundError:
                continue
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "accelerator": accelerator_info(),
        "load_average_at_start": list(os.getloadavg()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "pinned_threads": PINNED_THREADS,
    }


def accelerator_info() -> str | None:
    """The GPUs and driver as ``nvidia-smi`` names them, without importing a framework; None without one."""
    try:
        proc = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return "; ".join(proc.stdout.strip().splitlines()) or None if proc.returncode == 0 else None


def fmt_ratio(ratio: dict | None, key: str) -> str:
    if not ratio or key not in ratio:
        return "-"
    r = ratio[key]
    return f"{r['median']:.2f} [{r['ci95'][0]:.2f},{r['ci95'][1]:.2f}]"


def fmt_ways(row: dict, key: str, spec: str) -> str:
    return "/".join(
        format(row["ways"][w][key], spec) if key in row["ways"][w] else "-" for w in WAYS if w in row["ways"]
    )


def print_header(rounds: int, quick: bool) -> None:
    mode = "QUICK (figures mean nothing)" if quick else f"{rounds} rotating rounds"
    print(f"benchmark suite: {mode}; every thread pool pinned to 1 thread; ways native[/native_xla]/unikeras/keras")
    print(
        f"{'backend':<11}{'workload':<12}{'steps/s n[/x]/u/k':>22}{'u/native':>20}{'u/native best':>20}{'u/keras':>20}"
        f"{'predict u/n':>20}{'predict u/k':>20}{'peak MiB n/u/k':>17}{'1st step s n/u/k':>18}"
    )


def print_row(row: dict) -> None:
    r_native, r_keras = row["ratios"].get("unikeras/native"), row["ratios"].get("unikeras/keras")
    r_best = row["ratios"].get("unikeras/native_best")
    print(
        f"{row['backend']:<11}{row['workload']:<12}{fmt_ways(row, 'steps_per_s_median', '.0f'):>22}"
        f"{fmt_ratio(r_native, 'train'):>20}{fmt_ratio(r_best, 'train'):>20}{fmt_ratio(r_keras, 'train'):>20}"
        f"{fmt_ratio(r_native, 'predict'):>20}{fmt_ratio(r_keras, 'predict'):>20}"
        f"{fmt_ways(row, 'peak_rss_mib', '.0f'):>22}{fmt_ways(row, 'time_to_first_step_s', '.1f'):>24}"
    )
    if any("peak_device_mib" in way for way in row["ways"].values()):
        print(f"{'':<23}peak GPU MiB n[/x]/u/k: {fmt_ways(row, 'peak_device_mib', '.0f')}")
    for what, error in row["errors"].items():
        print(f"{'':<23}{what} failed: {error}")


def parse_list(value: str, allowed: tuple[str, ...], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown or not items:
        raise SystemExit(f"--{what}: expected a comma-separated subset of {','.join(allowed)}, got {value!r}")
    return items


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=7, help="alternation rounds (default 7; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="one round on a few batches: checks the suite runs")
    parser.add_argument(
        "--warmup-s", type=float, default=WARMUP_S, help=f"warm-up seconds per way (default {WARMUP_S:g})"
    )
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    if args.worker:
        kind, backend, workload, *rest = args.worker
        if kind == "timing":
            result = timing_worker(backend, workload, rounds, args.quick, args.warmup_s)
        else:
            result = single_way_worker(backend, workload, rest[0], args.t0, args.quick)
        print(json.dumps(result))
        return
    if rounds < 1:
        raise SystemExit(f"--rounds: expected a positive count, got {rounds}")
    backends = parse_list(args.backends, BACKENDS, "backends")
    workloads = parse_list(args.workloads, tuple(WORKLOADS), "workloads")
    started = time.time()
    report = {
        "suite_version": 1,
        "quick": args.quick,
        "rounds": rounds,
        "warmup_s": args.warmup_s,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "machine": machine_info(),
        "results": [],
    }
    print_header(rounds, args.quick)
    for backend in backends:
        for workload in workloads:
            row = measure_pair(backend, workload, rounds, args.quick, args.warmup_s)
            report["results"].append(row)
            print_row(row)
            sys.stdout.flush()
    report["wall_s"] = time.time() - started
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{report['wall_s']:.0f} s; results written to {path}")


if __name__ == "__main__":
    main()
