"""Compare the four backends on one model with ``python -m unikeras compare``: a table and a chart.

Teaches the compare command, which trains the same model (same seed, so the same initial weights and
data) on each backend in its own process and reports time per epoch, steps per second, memory and the
final loss and accuracy side by side, with all the training curves on one chart. This script just runs
that command, as you would in a terminal (``unikeras compare --model mlp --plot curves.png``).

    python examples/compare_backends.py                         # every installed backend, the MLP
    python examples/compare_backends.py --model cnn --backends torch,jax --out results/
    python examples/compare_backends.py --quick                 # the command's quick mode, as CI runs it

Prints the command's table; the chart and the JSON results go to --out (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import unikeras as keras


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--backends", default=",".join(keras.backends.available()), help="comma-separated names")
    which.add_argument("--backend", help="compare this backend only (a quick check)")
    parser.add_argument("--model", default="mlp", help="mlp, cnn, lstm, or a .py file defining build_model()")
    parser.add_argument("--epochs", type=int, help="default: the command's own")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for curves.png and results.json (default: a temporary folder)")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="pass --quick to the command: tiny data and few epochs (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    backends = args.backend or args.backends

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.out or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        plot, results = folder / "curves.png", folder / "results.json"
        command = [sys.executable, "-m", "unikeras", "compare", "--model", args.model, "--backends", backends]
        command += ["--seed", str(args.seed), "--plot", str(plot), "--json", str(results)]
        if args.epochs:
            command += ["--epochs", str(args.epochs)]
        if args.quick:
            command.append("--quick")
        print("$", " ".join(["python", *command[1:]]))
        completed = subprocess.run(command, check=False)  # its table goes straight to this terminal
        if completed.returncode != 0:
            sys.exit(f"`unikeras compare` failed with exit status {completed.returncode}")
        rows = json.loads(results.read_text())["rows"]
        kept = f"in {folder}" if args.out else "in a temporary folder (pass --out to keep them)"
        print(f"wrote {plot.name} ({plot.stat().st_size:,} bytes) and {results.name} {kept}")

    ok = [row for row in rows if row.get("status") == "ok"]
    accuracies = [row["test_accuracy"] for row in ok]
    same_start = len({round(row["init_checksum"], 4) for row in ok}) <= 1
    print(
        f"compared {len(rows)} backend(s) on the {args.model} model: {len(ok)} ok"
        + (f", test accuracy {min(accuracies):.4f} to {max(accuracies):.4f}" if ok else "")
        + (", same initial weights everywhere" if same_start else ", DIFFERENT initial weights")
    )
    if len(ok) < len(rows):  # the command exits 0 when at least one backend finished
        sys.exit(f"failed: {', '.join(row['backend'] for row in rows if row.get('status') != 'ok')}")


if __name__ == "__main__":
    main()
