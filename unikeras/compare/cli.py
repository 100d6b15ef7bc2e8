"""``unikeras compare``: the command-line interface of :func:`unikeras.compare.compare`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from unikeras.compare import runner
from unikeras.compare.builtin_models import BUILTIN_MODELS
from unikeras.compare.report import format_table
from unikeras.compare.settings import DEFAULT_EPOCHS, DEFAULT_TIMEOUT, QUICK_EPOCHS

DESCRIPTION = """\
Train one model on every installed backend (or those named), each in its own process, with the
same seed (so the same initial weights and batches); print a side-by-side table and optionally
save the training curves as a PNG. The exit status is 0 when at least one backend finished,
1 when every backend failed, 2 for invalid arguments."""

EPILOG = """\
examples:
  unikeras compare                                   # the mlp on every installed backend
  unikeras compare --model cnn --backends torch,jax --epochs 10 --plot curves.png
  unikeras compare --model lesson3.py --json results.json --quick
A model file defines build_model() and optionally load_data() -> (x_train, y_train), (x_test, y_test)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``compare``."""
    parser.add_argument(
        "--model",
        default="mlp",
        help=f"a built-in model ({', '.join(BUILTIN_MODELS)}; default mlp) or a .py file defining build_model()",
    )
    parser.add_argument(
        "--backends", default=None, help="comma-separated backend names (default: every installed backend)"
    )
    parser.add_argument("--epochs", type=int, default=None, help="epochs to train (default 5; 2 with --quick)")
    parser.add_argument("--batch-size", type=int, default=32, help="samples per batch (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="the seed every backend starts from (default 0)")
    parser.add_argument("--plot", metavar="PNG", default=None, help="save the training curves to this PNG file")
    parser.add_argument("--json", metavar="FILE", default=None, help="write the settings and rows to this JSON file")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 2 epochs on 256 training and 128 test samples"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one backend may take before it is stopped (default {DEFAULT_TIMEOUT:g})",
    )


def _progress(row: dict[str, Any]) -> None:
    status = row.get("status")
    note = "" if status == "ok" else f": {row.get('error')}"
    print(f"  {row.get('backend')}: {status}{note} ({row.get('wall_seconds', 0.0):.1f} s)", file=sys.stderr)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run ``compare`` for parsed ``args``; ``parser`` reports invalid arguments (exit status 2)."""
    epochs = args.epochs if args.epochs is not None else (QUICK_EPOCHS if args.quick else DEFAULT_EPOCHS)
    try:
        model, backends = runner.check_arguments(
            args.model, args.backends, epochs, args.batch_size, args.seed, args.timeout
        )
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err).replace("compare(): ", "", 1))
    print(f"compare: training {args.model} on {', '.join(backends)} ...", file=sys.stderr)
    rows = runner.compare(
        model,
        backends=backends,
        epochs=epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        quick=args.quick,
        timeout=args.timeout,
        plot=args.plot,
        json_path=args.json,
        on_result=_progress,
    )
    first = next((row for row in rows if row.get("status") == "ok"), {})
    samples = f", {first.get('train_samples')} train / {first.get('test_samples')} test samples" if first else ""
    title = f"model {args.model}, {epochs} epochs, batch size {args.batch_size}, seed {args.seed}{samples}"
    print(format_table(rows, title=title))
    if args.plot is not None:
        print(f"curves saved to {args.plot}")
    if args.json is not None:
        print(f"results saved to {args.json}")
    return 0 if any(row.get("status") == "ok" for row in rows) else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m unikeras.compare.cli``: the ``compare`` command on its own."""
    parser = argparse.ArgumentParser(
        prog="unikeras compare",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv), parser)
