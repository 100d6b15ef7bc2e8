"""Run one model on several backends, each in its own subprocess, and collect the rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from unikeras.compare.builtin_models import BUILTIN_MODELS
from unikeras.compare.settings import DEFAULT_EPOCHS, DEFAULT_TIMEOUT, QUICK_EPOCHS, STARTED_AT_ENV

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds `unikeras/`


def _positive_int(value: Any, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"compare(): `{argument}` must be a positive int, received {value!r}.")
    return value


def check_model(model: str | os.PathLike) -> str:
    """A built-in model name, or the absolute path of an existing ``.py`` file; else a clear error."""
    text = os.fspath(model)
    if text in BUILTIN_MODELS:
        return text
    if not text.endswith(".py"):
        raise ValueError(
            f"compare(): `model` must be a built-in model ({', '.join(BUILTIN_MODELS)}) or the path of a Python "
            f"file defining build_model(), received {text!r}."
        )
    path = Path(text)
    if not path.is_file():
        raise FileNotFoundError(f"compare(): the model file {text!r} does not exist.")
    return str(path.resolve())


def check_backends(names: str | Sequence[str] | None) -> list[str]:
    """The backend names to run: every installed one for ``None``; unknown names are a clear error."""
    from unikeras import backends

    if names is None:
        selected = backends.available()
        if not selected:
            raise ValueError(
                "compare(): no backend is installed. Install one, e.g. pip install 'unikeras[torch]'; "
                f"registered backends: {', '.join(sorted(backends.registered()))}."
            )
        return selected
    if isinstance(names, str):
        names = names.split(",")
    selected = [n.strip() for n in names if n.strip()]
    if not selected:
        raise ValueError("compare(): `backends` is empty; name at least one backend.")
    valid = backends.registered()
    unknown = [n for n in selected if n not in valid]
    if unknown:
        raise ValueError(
            f"compare(): unknown backend{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}. "
            f"Valid backends: {', '.join(sorted(valid))}."
        )
    return list(dict.fromkeys(selected))  # drop repeats, keep the order


def check_arguments(
    model: str | os.PathLike,
    backends: str | Sequence[str] | None,
    epochs: int,
    batch_size: int,
    seed: int,
    timeout: float,
) -> tuple[str, list[str]]:
    """Validate the arguments of :func:`compare` before anything runs; the model and backend names."""
    _positive_int(epochs, "epochs")
    _positive_int(batch_size, "batch_size")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"compare(): `seed` must be an int, received {seed!r}.")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"compare(): `timeout` must be a positive number of seconds, received {timeout!r}.")
    return check_model(model), check_backends(backends)


def _failed_row(backend: str, model: str, status: str, error: str) -> dict[str, Any]:
    return {"backend": backend, "model": model, "status": status, "error": error}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _parse_row(stdout: str) -> dict[str, Any] | None:
    """The worker's JSON line: the last line of stdout that parses as a row."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and "backend" in row:
                return row
    return None


def run_backend(
    backend: str, model: str, epochs: int, batch_size: int, seed: int, quick: bool, timeout: float
) -> dict[str, Any]:
    """Train ``model`` on ``backend`` in a fresh Python process; its row (never raises for a failed run)."""
    command = [sys.executable, "-m", "unikeras.compare.worker", "--model", model]
    command += ["--epochs", str(epochs), "--batch-size", str(batch_size), "--seed", str(seed)]
    command += ["--quick"] if quick else []
    env = dict(os.environ, UNIKERAS_BACKEND=backend)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
    start = time.perf_counter()
    env[STARTED_AT_ENV] = repr(time.time())
    proc = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        row = _failed_row(backend, model, "timeout", f"no result after {timeout:g} s (--timeout)")
    else:
        row = _parse_row(stdout)
        if row is None:
            code = proc.returncode
            if code < 0:
                try:
                    how = f"killed by {signal.Signals(-code).name}"
                except ValueError:
                    how = f"killed by signal {-code}"
            else:
                how = f"exit status {code}"
            detail = _last_line(stderr)
            row = _failed_row(backend, model, "crashed", f"{how}{': ' + detail if detail else ''}")
        elif row.get("status") != "ok":
            row["details"] = stderr.strip()[-4000:]
    row["wall_seconds"] = time.perf_counter() - start
    return row


def compare(
    model: str | os.PathLike = "mlp",
    backends: str | Sequence[str] | None = None,
    epochs: int | None = None,
    batch_size: int = 32,
    seed: int = 0,
    plot: str | os.PathLike | None = None,
    quick: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    json_path: str | os.PathLike | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Train one model on several backends, each in its own subprocess; one result row per backend.

    Every backend gets the same seed, so the same initial weights (the ``init_checksum`` of the
    rows agrees) and the same batches. A backend that fails (not installed, an exception, a crash,
    a timeout) gets a row with ``status`` ``"error"``, ``"crashed"`` or ``"timeout"`` and the short
    message in ``error``; the others still run. Backends run one after another, so they do not
    compete for the CPU.

    Args:
        model: a built-in model (``"mlp"``, ``"cnn"``, ``"lstm"``: see
            ``unikeras.compare.builtin_models``) or the path of a Python file defining
            ``build_model()`` (an uncompiled model is compiled with Adam and a loss chosen from the
            labels) and optionally ``load_data()`` returning ``(x_train, y_train), (x_test, y_test)``
            (default: the digits, scaled to [0, 1]).
        backends: backend names (a list or ``"torch,jax"``); ``None``: every installed backend.
        epochs: epochs to train (default 5; 2 with ``quick``).
        batch_size: samples per batch.
        seed: the seed given to ``unikeras.utils.set_random_seed`` in every worker.
        plot: path of a PNG to save the training curves of all backends to (needs matplotlib).
        quick: a smoke run: 2 epochs (unless ``epochs`` is given) on 256 training and 128 test samples.
        timeout: seconds each backend may take before its process is killed.
        json_path: path of a JSON file to write the settings and the rows to.
        on_result: called with each row as soon as its backend finishes (progress reports).

    Returns:
        One dict per backend, in order: ``backend``, ``status``, ``error``, ``framework_version``,
        ``params``, ``epoch_seconds``, ``seconds_per_epoch``, ``steps_per_second``,
        ``peak_memory_mib``, ``loss``, ``accuracy``, ``test_loss``, ``test_accuracy``,
        ``first_step_seconds``, ``init_checksum``, ``history`` and more (see
        ``unikeras.compare.worker``).
    """
    if epochs is None:
        epochs = QUICK_EPOCHS if quick else DEFAULT_EPOCHS
    model, names = check_arguments(model, backends, epochs, batch_size, seed, timeout)
    rows = []
    for name in names:
        row = run_backend(name, model, epochs, batch_size, seed, bool(quick), timeout)
        rows.append(row)
        if on_result is not None:
            on_result(row)
    if json_path is not None:
        settings = {"model": model, "epochs": epochs, "batch_size": batch_size, "seed": seed, "quick": bool(quick)}
        Path(json_path).write_text(json.dumps({**settings, "rows": rows}, indent=2) + "\n")
    if plot is not None:
        from unikeras.compare.curves import plot_curves

        plot_curves(rows, to_file=plot, title=f"unikeras compare: {_model_label(model)} (seed {seed})")
    return rows


def _model_label(model: str) -> str:
    return model if model in BUILTIN_MODELS else Path(model).name
