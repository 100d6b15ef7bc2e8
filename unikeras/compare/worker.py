"""What runs inside one backend's subprocess of ``unikeras compare``.

    UNIKERAS_BACKEND=jax python -m unikeras.compare.worker --model mlp --epochs 5

trains the model on the backend ``UNIKERAS_BACKEND`` names and prints ONE JSON line on stdout:
the row of the comparison table (what :func:`run` returns). Anything else the model code prints
goes to stderr. Errors are caught and reported in the row (``status: "error"``); the exit status
is 0 when the row says ``"ok"``, 1 otherwise.

Clocks:

* ``first_step_seconds``: wall-clock seconds from the start of this process to the end of the
  first training step. The start is the ``time.time()`` the parent passes in the environment
  variable ``UNIKERAS_COMPARE_STARTED_AT`` just before it launches the process; without it (a
  worker started by hand, or :func:`run` called in-process) the process start time from
  ``/proc/self/stat`` (Linux, 10 ms ticks against a boot time in whole seconds), else ``None``.
  The step counts as ended when its loss has been read back, so asynchronous frameworks (JAX,
  MXNet) have finished it. It covers interpreter start-up, imports, data loading, building,
  tracing or compiling the step, and the step itself.
* ``epoch_seconds``: the training part of each epoch (the validation pass excluded).
  ``seconds_per_epoch`` is their mean over epochs 2..N when there are several epochs, since epoch
  1 also pays for tracing and compiling (that cost shows in ``first_step_seconds``);
  ``steps_per_second`` uses the same epochs.
* ``peak_memory_mib``: the process's peak resident memory (``resource.getrusage`` ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from unikeras.compare.settings import QUICK_TEST_SAMPLES, QUICK_TRAIN_SAMPLES, STARTED_AT_ENV

_ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy")


# ---------------------------------------------------------------------- small helpers
def process_start_time() -> float | None:
    """This process's start as a ``time.time()`` value, read from ``/proc`` (Linux), else ``None``."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, counted after the command name
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line[:5] == "btime")
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def peak_memory_mib() -> float | None:
    """Peak resident memory of this process in MiB (Linux reports KiB, macOS bytes)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _head(data: Any, n: int) -> Any:
    """The first ``n`` samples of an array, or of each array of a list / tuple / dict."""
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: _head(v, n) for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and all(getattr(v, "ndim", 0) or isinstance(v, dict) for v in data):
        return type(data)(_head(v, n) for v in data)  # several inputs or outputs
    return data[:n]


def _num_samples(data: Any) -> int | None:
    if isinstance(data, dict):
        data = next(iter(data.values()), None)
    elif isinstance(data, (list, tuple)):
        data = data[0] if data else None
    shape = getattr(data, "shape", None)
    return int(shape[0]) if shape else None


def default_compile_arguments(y: Any) -> tuple[str, list[str]]:
    """The loss and metrics ``compare`` compiles an uncompiled model with, chosen from the labels.

    Integer labels: sparse categorical cross-entropy; one-hot rows: categorical cross-entropy;
    0/1 floats in one column: binary cross-entropy (these three with ``accuracy``); anything
    else: mean squared error (no metric).
    """
    if isinstance(y, (list, tuple, dict)):
        raise ValueError(
            "compare: build_model() returned an uncompiled model and load_data() gives several targets; "
            "compile the model inside build_model() to choose its losses."
        )
    y = np.asarray(y)
    if y.dtype == bool:
        return "binary_crossentropy", ["accuracy"]
    if np.issubdtype(y.dtype, np.integer):
        return "sparse_categorical_crossentropy", ["accuracy"]
    binary = y.size > 0 and bool(np.all((y == 0) | (y == 1)))
    if binary and y.ndim == 2 and y.shape[1] > 1 and bool(np.all(y.sum(axis=1) == 1)):
        return "categorical_crossentropy", ["accuracy"]
    if binary and (y.ndim == 1 or y.shape[-1] == 1):
        return "binary_crossentropy", ["accuracy"]
    return "mean_squared_error", []


def load_user_file(path: str | os.PathLike) -> Any:
    """Import the Python file ``path`` as a module; it must define ``build_model()``."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"unikeras_compare_user_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"compare: cannot import {str(path)!r} as a Python file.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "build_model", None)):
        raise ValueError(f"compare: {str(path)!r} must define build_model() returning a unikeras model.")
    return module


def _accuracy_key(names: Any) -> str | None:
    names = [n for n in names if not n.startswith("val_")]
    for key in _ACCURACY_KEYS:
        if key in names:
            return key
    return next((n for n in names if "acc" in n), None)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _make_timer(started_at: float | None) -> Any:
    from unikeras.callbacks import Callback

    class Timer(Callback):
        """Times the first training step and the training part of each epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.first_step_seconds: float | None = None
            self.epoch_seconds: list[float] = []
            self.epoch_steps: list[int] = []
            self._start = 0.0
            self._steps = 0
            self._open = False
            self._first_done = False

        def on_epoch_begin(self, epoch, logs=None):
            self._steps, self._open, self._start = 0, True, time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self._steps += 1
            if not self._first_done:
                self._first_done = True
                len(logs)  # reads the loss back: waits for an asynchronous step to finish
                if started_at is not None:
                    self.first_step_seconds = time.time() - started_at

        def on_test_begin(self, logs=None):  # validation starts: training of this epoch is over
            self._close()

        def on_epoch_end(self, epoch, logs=None):
            self._close()

        def _close(self) -> None:
            if self._open:  # fit read the logs before this hook: the epoch's steps are done
                self.epoch_seconds.append(time.perf_counter() - self._start)
                self.epoch_steps.append(self._steps)
                self._open = False

    return Timer()


# ---------------------------------------------------------------------- the run
def run(
    model: str = "mlp",
    epochs: int = 5,
    batch_size: int = 32,
    seed: int = 0,
    quick: bool = False,
    started_at: float | None = None,
) -> dict[str, Any]:
    """Train ``model`` on the configured backend (``unikeras.config.backend()``); the result row.

    Args:
        model: a built-in model name (``"mlp"``, ``"cnn"``, ``"lstm"``) or the path of a Python
            file defining ``build_model()`` and optionally ``load_data()``.
        epochs: epochs to train.
        batch_size: samples per batch.
        seed: given to ``unikeras.utils.set_random_seed`` before ``load_data()`` and again
            before ``build_model()``.
        quick: train on the first 256 and test on the first 128 samples.
        started_at: ``time.time()`` at the start of the process (see the module docstring);
            ``None`` reads it from ``/proc``.

    An exception becomes ``status: "error"`` with the message in ``error``; it is not raised.
    """
    import unikeras
    from unikeras import backends, config
    from unikeras.compare import builtin_models
    from unikeras.utils import set_random_seed

    if started_at is None:
        started_at = process_start_time()
    name = config.backend()
    row: dict[str, Any] = {"backend": name, "status": "error", "error": None, "model": str(model)}
    try:
        adapter = backends.get(name)
        row["framework"] = adapter.framework
        row["framework_version"] = adapter.framework_version()
        row["import_seconds"] = None if started_at is None else time.time() - started_at

        builtin = model in builtin_models.BUILTIN_MODELS
        user = None if builtin else load_user_file(model)
        set_random_seed(seed)
        if builtin:
            data = builtin_models.load_data(model)
        elif callable(getattr(user, "load_data", None)):
            data = user.load_data()
        else:
            data = builtin_models.load_data("mlp")
        try:
            (x_train, y_train), (x_test, y_test) = data
        except (TypeError, ValueError) as err:
            raise ValueError(
                "compare: load_data() must return (x_train, y_train), (x_test, y_test), "
                f"received a {type(data).__name__}."
            ) from err
        if quick:
            x_train, y_train = _head(x_train, QUICK_TRAIN_SAMPLES), _head(y_train, QUICK_TRAIN_SAMPLES)
            x_test, y_test = _head(x_test, QUICK_TEST_SAMPLES), _head(y_test, QUICK_TEST_SAMPLES)
        row["train_samples"], row["test_samples"] = _num_samples(x_train), _num_samples(x_test)

        set_random_seed(seed)
        net = builtin_models.build_model(model) if builtin else user.build_model()
        if not isinstance(net, unikeras.Model):
            raise TypeError(
                f"compare: build_model() must return a unikeras Model, received {type(net).__module__}."
                f"{type(net).__qualname__}."
            )
        if not net.built:
            net(_head(x_train, 1))  # a subclassed model creates its weights on its first call
        if not net.compiled:
            loss, metrics = default_compile_arguments(y_train)
            net.compile(optimizer="adam", loss=loss, metrics=metrics)
        weights = net.get_weights()
        row["params"] = int(sum(w.size for w in weights))
        row["init_checksum"] = float(sum(np.sum(w, dtype=np.float64) for w in weights))

        timer = _make_timer(started_at)
        history = net.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            verbose=0,
            callbacks=[timer],
            validation_data=(x_test, y_test),
        ).history
        test = net.evaluate(x_test, y_test, batch_size=batch_size, verbose=0, return_dict=True)

        timed = slice(1, None) if len(timer.epoch_seconds) > 1 else slice(None)
        seconds, steps = sum(timer.epoch_seconds[timed]), sum(timer.epoch_steps[timed])
        accuracy = _accuracy_key(history)
        row.update(
            epochs=len(timer.epoch_seconds),
            batch_size=batch_size,
            seed=seed,
            epoch_seconds=timer.epoch_seconds,
            seconds_per_epoch=seconds / len(timer.epoch_seconds[timed]) if timer.epoch_seconds else None,
            steps_per_second=steps / seconds if seconds > 0 else None,
            first_step_seconds=timer.first_step_seconds,
            loss=_float(history["loss"][-1]) if history.get("loss") else None,
            accuracy=_float(history[accuracy][-1]) if accuracy else None,
            test_loss=_float(test.get("loss")),
            test_accuracy=_float(test.get(accuracy)) if accuracy else None,
            accuracy_metric=accuracy,
            history={k: [float(v) for v in values] for k, values in history.items()},
        )
        row["status"] = "ok"
    except Exception as err:  # the row reports it; the other backends still run
        traceback.print_exc(file=sys.stderr)
        message = str(err).strip().splitlines()
        row["error"] = f"{type(err).__name__}: {message[0] if message else ''}".rstrip(": ")
    row["peak_memory_mib"] = peak_memory_mib()
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unikeras.compare.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    started_at = os.environ.get(STARTED_AT_ENV)
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # the model's own prints must not mix with the JSON line
        row = run(
            args.model,
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            quick=args.quick,
            started_at=float(started_at) if started_at else None,
        )
    out.write(json.dumps(row) + "\n")
    out.flush()
    return 0 if row["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
