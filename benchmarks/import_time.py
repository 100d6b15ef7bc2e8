"""What ``import unikeras`` costs on top of importing the framework itself, per backend.

    python benchmarks/import_time.py [--backends torch,jax] [--rounds 11] [--json PATH]

Each round is a fresh interpreter, with ``UNIKERAS_BACKEND`` set, that times two stages in turn:

* ``framework``: import the framework and make one tensor (``torch.ones(2) + 1``, ...);
* ``unikeras``: then ``import unikeras`` and ``unikeras.ops.ones((2,)) + 1``, which loads the
  adapter on the framework already in memory.

The second stage is the extra cost of unikeras over using the framework directly; timing both
in one process cancels the 20-40 % swings between processes of this machine. The extra cost is
reported as the median over rounds with a bootstrap 95 % interval, and the time of
``import unikeras`` alone (no framework: it imports none until first use) is reported too.
Target (issue 7): extra < 150 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fit_vs_native import PINNED_THREADS, bootstrap_interval  # noqa: E402

BACKENDS = ("torch", "tensorflow", "jax", "mxnet")
DEFAULT_JSON = ROOT / "bench-results" / "import_time.json"
FRAMEWORK_PROGRAMS = {
    "torch": "import torch; torch.ones(2) + 1",
    "tensorflow": "import tensorflow as tf; tf.ones(2) + 1",
    "jax": "import jax.numpy as jnp; (jnp.ones(2) + 1).block_until_ready()",
    # the same NumPy alias the MXNet adapter sets: MXNet 1.9.1 cannot import without it
    "mxnet": "import numpy; numpy.bool = bool; import mxnet as mx; (mx.np.ones(2) + 1).wait_to_read()",
}
STAGES = """
import time
start = time.perf_counter()
{framework}
middle = time.perf_counter()
import unikeras
unikeras.ops.ones((2,)) + 1
print(middle - start, time.perf_counter() - middle)
"""
BARE = "import time; start = time.perf_counter(); import unikeras; print(time.perf_counter() - start)"


def run_python(program: str, env: dict[str, str]) -> list[float]:
    """The numbers ``python -c program`` prints."""
    out = subprocess.run([sys.executable, "-c", program], env=env, check=True, capture_output=True, text=True)
    return [float(v) for v in out.stdout.split()]


def measure(backend: str, rounds: int) -> dict:
    env = {**os.environ, **PINNED_THREADS, "UNIKERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    program = STAGES.format(framework=FRAMEWORK_PROGRAMS[backend])
    run_python(program, env)  # warm the file cache
    times: dict[str, list[float]] = {"framework": [], "unikeras": [], "unikeras_alone": []}
    for _ in range(rounds):
        framework, extra = run_python(program, env)
        times["framework"].append(framework)
        times["unikeras"].append(extra)
        times["unikeras_alone"].extend(run_python(BARE, env))
    extra = np.array(times["unikeras"])
    low, high = bootstrap_interval(extra)
    return {
        "framework_s_median": float(np.median(times["framework"])),
        "unikeras_alone_s_median": float(np.median(times["unikeras_alone"])),
        "extra_s_median": float(np.median(extra)),
        "extra_s_ci95": [low, high],
        "times_s": times,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    args = parser.parse_args(argv)
    results = {}
    print(f"import cost, {args.rounds} fresh interpreters per backend (seconds, medians)")
    print(f"{'backend':<12}{'framework':>10}{'extra':>8}   95% CI        {'unikeras alone':>14}")
    for backend in args.backends.split(","):
        row = measure(backend, args.rounds)
        results[backend] = row
        low, high = row["extra_s_ci95"]
        print(
            f"{backend:<12}{row['framework_s_median']:>10.3f}"
            f"{row['extra_s_median']:>8.3f}   [{low:.3f}, {high:.3f}]  {row['unikeras_alone_s_median']:>14.3f}"
        )
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rounds": args.rounds, "backends": results}, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
