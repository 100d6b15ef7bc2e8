"""Run every example on every backend, each in its own process, and print a table of the results.

    python tools/run_examples.py                          # all examples, every installed backend, --quick
    python tools/run_examples.py --examples cnn_digits,callbacks --backends torch,jax
    python tools/run_examples.py --full --jobs 1          # the examples' full mode (minutes each)
    python tools/run_examples.py --list                   # the examples and what each teaches

Each run is ``UNIKERAS_BACKEND=<backend> python examples/<name>.py --quick --backend <backend>`` in a
fresh temporary working directory (an example must write nowhere but a temporary folder or ``--out``),
with a time limit. ``--jobs`` runs go at once (default 2); unless ``OMP_NUM_THREADS`` is set, each run
gets an equal share of the CPU cores for its thread pools, so parallel runs do not oversubscribe them.
The table gives example, backend, seconds, status and the last line the example printed; the exit
status is 1 when any run failed or timed out.
"""

from __future__ import annotations

import argparse
import ast
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BACKENDS = ("torch", "tensorflow", "jax", "mxnet")


@dataclass
class Result:
    example: str
    backend: str
    seconds: float
    status: str
    last_line: str
    stderr_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def example_files() -> list[Path]:
    """The example scripts (``examples/*.py`` not starting with ``_``), sorted by name."""
    return sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))


def summary_of(path: Path) -> str:
    """The first line of the file's module docstring ('' when it has none)."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def run_one(path: Path, backend: str, quick: bool, timeout: float, threads: int | None) -> Result:
    """Run one example on one backend in a new process group, in an empty temporary working directory."""
    env = dict(os.environ, UNIKERAS_BACKEND=backend, PYTHONUNBUFFERED="1")
    env.pop("UNIKERAS_EXAMPLES_QUICK", None)  # quick mode comes from the --quick flag only
    if threads is not None:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env.setdefault(name, str(threads))
    command = [sys.executable, str(path), "--backend", backend] + (["--quick"] if quick else [])
    with tempfile.TemporaryDirectory(prefix=f"example_{path.stem}_{backend}_") as cwd:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: a timeout also stops the processes it started
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
            status = "ok" if process.returncode == 0 else f"FAIL (exit {process.returncode})"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            status = f"TIMEOUT ({timeout:.0f} s)"
        seconds = time.perf_counter() - start
        left = sorted(p.name for p in Path(cwd).iterdir())
    if status == "ok" and left:
        status = f"FAIL (wrote {', '.join(left[:3])} into the working directory)"
    lines = [line for line in stdout.splitlines() if line.strip()]
    stderr_lines = [line for line in stderr.splitlines() if line.strip()]
    return Result(
        path.stem, backend, seconds, status, lines[-1].strip() if lines else "", "\n".join(stderr_lines[-15:])
    )


def print_table(results: list[Result], width: int) -> None:
    headers = ("example", "backend", "seconds", "status", "last line of output")
    rows = [(r.example, r.backend, f"{r.seconds:.1f}", r.status, r.last_line) for r in results]
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(4)]
    room = max(20, width - sum(widths) - 8)

    def line(cells: tuple) -> str:
        last = cells[4] if len(cells[4]) <= room else cells[4][: room - 3] + "..."
        left = f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  {cells[2]:>{widths[2]}}  {cells[3]:<{widths[3]}}"
        return f"{left}  {last}"

    print(line(headers))
    print(line(tuple("-" * w for w in widths) + ("-" * min(room, 19),)))
    for row in rows:
        print(line(row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the examples and what each teaches, then exit")
    parser.add_argument("--examples", help="comma-separated example names (default: all)")
    parser.add_argument(
        "--backends", help=f"comma-separated backends (default: the installed ones of {', '.join(BACKENDS)})"
    )
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    parser.add_argument("--timeout", type=float, help="seconds per run (default 300; 1800 with --full)")
    parser.add_argument("--full", action="store_true", help="run the examples' full mode instead of --quick")
    parser.add_argument("--width", type=int, default=160, help="table width in characters (default 160)")
    args = parser.parse_args()

    files = example_files()
    if args.list:
        for path in files:
            print(f"{path.stem:<32}{summary_of(path)}")
        return 0
    if args.examples:
        by_name = {p.stem: p for p in files}
        wanted = [name.strip().removesuffix(".py") for name in args.examples.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in by_name]
        if unknown:
            parser.error(f"--examples: no example named {', '.join(unknown)}; the examples: {', '.join(by_name)}")
        files = [by_name[name] for name in wanted]
    if args.backends:
        backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    else:
        import unikeras  # imports no framework

        backends = unikeras.backends.available()
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, received {args.jobs}")
    timeout = args.timeout or (1800.0 if args.full else 300.0)
    threads = None if "OMP_NUM_THREADS" in os.environ else max(1, (os.cpu_count() or 1) // args.jobs)

    runs = [(path, backend) for path in files for backend in backends]
    mode = "full" if args.full else "quick"
    print(f"{len(runs)} runs ({len(files)} examples x {len(backends)} backends), {mode} mode, {args.jobs} at a time")
    lock = threading.Lock()
    done = 0

    def run(item: tuple[Path, str]) -> Result:
        nonlocal done
        result = run_one(item[0], item[1], quick=not args.full, timeout=timeout, threads=threads)
        with lock:
            done += 1
            print(
                f"[{done}/{len(runs)}] {result.example} on {result.backend}: {result.status} ({result.seconds:.1f} s)"
            )
            if not result.ok and result.stderr_tail:
                print("    " + result.stderr_tail.replace("\n", "\n    "))
            sys.stdout.flush()
        return result

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, runs))
    print()
    print_table(results, args.width)
    failed = [r for r in results if not r.ok]
    print(
        f"\n{len(results) - len(failed)} of {len(results)} runs ok in {time.perf_counter() - start:.0f} s"
        + (f"; failed: {', '.join(f'{r.example} ({r.backend})' for r in failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
