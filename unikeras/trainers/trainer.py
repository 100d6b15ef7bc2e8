"""``compile`` / ``fit`` / ``evaluate`` / ``predict``: the epoch loop shared by every backend."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from unikeras import backends, config, losses, optimizers
from unikeras import metrics as metrics_module
from unikeras.callbacks import Callback, CallbackList, History, ProgbarLogger
from unikeras.trainers import steps
from unikeras.trainers.data_adapter import (
    ArrayBatches,
    check_lengths,
    map_arrays,
    num_samples,
    split_validation,
    to_array,
    to_arrays,
)
from unikeras.utils import seeding


class LazyLogs(Mapping):
    """Batch logs read from the metrics only if a callback looks at them (no sync otherwise)."""

    def __init__(self, read: Callable[[], dict]) -> None:
        self._read = read
        self._logs: dict | None = None

    def _get(self) -> dict:
        if self._logs is None:
            self._logs = self._read()
        return self._logs

    def __getitem__(self, key: str) -> float:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class Trainer:
    """Mixed into ``Model``: the Keras training API."""

    def _init_trainer(self) -> None:
        self.compiled = False
        self.optimizer: optimizers.Optimizer | None = None
        self.loss: losses.Loss | None = None
        self.compiled_metrics: list[metrics_module.Metric] = []
        self.loss_tracker: metrics_module.Mean | None = None
        self.jit_compile: bool | str = "auto"
        self.run_eagerly = False
        self.stop_training = False
        self.history: History | None = None
        self._step_functions: dict[str, Callable[..., Any]] = {}

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Sequence[Any] | None = None,
        run_eagerly: bool = False,
        jit_compile: bool | str = "auto",
    ) -> None:
        """Configure training.

        Args:
            optimizer: name (``"sgd"``, ``"adam"``) or Optimizer instance.
            loss: name, Loss instance, or function ``(y_true, y_pred) -> losses``.
            metrics: names (``"accuracy"``), Metric instances or functions.
            run_eagerly: run steps as plain eager code (no graph, no jit), for debugging.
            jit_compile: ``True`` for the strongest compiler, ``"auto"`` for each backend's
                fastest default.
        """
        if loss is None:
            raise ValueError("compile(): `loss` is required (a name, a Loss or a function).")
        if isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
            raise ValueError(f"compile(): `metrics` must be a list, received {metrics!r}.")
        with self._backend_scope():
            self.optimizer = optimizers.get(optimizer)
            self.loss = losses.get(loss)
            loss_name = loss if isinstance(loss, str) else getattr(self.loss, "name", None)
            self.compiled_metrics = [metrics_module.get(m, loss_name) for m in (metrics or [])]
            self.loss_tracker = metrics_module.Mean(name="loss")
            self._metrics_backend = backends.current()
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = False if run_eagerly else jit_compile
        self._step_functions = {}
        self.compiled = True

    def _backend_scope(self) -> Any:
        return backends.activated(self._backend) if self._backend is not None else contextlib.nullcontext()

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        return ([self.loss_tracker] if self.loss_tracker else []) + list(self.compiled_metrics)

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    @property
    def metric_variables(self) -> list[Any]:
        return [v for m in self.metrics for v in m.variables]

    def compute_loss(self, y: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """The compiled loss of a batch."""
        if isinstance(y_pred, (list, tuple, dict)):
            raise ValueError(
                f"Model '{self.name}' has several outputs: training them (one loss per output) is not supported yet."
            )
        loss = self.loss(y, y_pred, sample_weight)
        for penalty in self.losses:  # weight regularizers
            loss = self._backend.add(loss, penalty)
        return loss

    def _require_compiled(self, method: str) -> None:
        if not self.compiled:
            raise RuntimeError(f"You must call compile() on model '{self.name}' before {method}().")

    # ------------------------------------------------------------------ data preparation
    def _prepare_arrays(self, x: Any, y: Any, sample_weight: Any) -> tuple:
        x = to_arrays(x, "x")
        y = to_array(y, "y")
        sample_weight = to_array(sample_weight, "sample_weight")
        if x is None:
            raise ValueError("`x` is required.")
        check_lengths(x, y, sample_weight)
        floatx = config.floatx()
        x = map_arrays(lambda a: a.astype(floatx) if a.dtype.kind == "f" and a.dtype != floatx else a, x)
        if y is not None and y.dtype.kind == "f" and y.dtype != floatx:
            y = y.astype(floatx)
        if sample_weight is not None:
            sample_weight = sample_weight.astype(floatx)
        return x, y, sample_weight

    def _prepare_model(self, x: np.ndarray, y: np.ndarray | None) -> None:
        """Build on the data's shape (checking it against the model's inputs) and check labels."""
        if self._backend is not None and self.compiled and self._metrics_backend is not self._backend:
            raise ValueError(
                f"Model '{self.name}' was built on backend '{self._backend.name}' but compiled while "
                f"'{self._metrics_backend.name}' was active: compile it again on '{self._backend.name}'."
            )
        with self._backend_scope():
            shape = map_arrays(lambda a: (None,) + tuple(a.shape[1:]), x)
            output_shape = self.build_for_input_shape(shape)
        if y is not None and self.loss is not None:
            self._check_labels(y, output_shape)

    def _check_labels(self, y: np.ndarray, output_shape: tuple) -> None:
        fn = getattr(self.loss, "fn", None)
        if fn is not losses.sparse_categorical_crossentropy or not output_shape or output_shape[-1] is None:
            return
        num_classes = output_shape[-1]
        if y.size == 0:
            return
        if y.dtype.kind == "f" and not np.all(np.floor(y) == y):
            raise ValueError(
                "sparse_categorical_crossentropy: labels `y` must be integers, received non-integer floats."
            )
        ignore = self.loss._fn_kwargs.get("ignore_class")
        labels = y if ignore is None else y[y != ignore]
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"sparse_categorical_crossentropy: labels must lie in [0, {num_classes}) for a model with "
                f"{num_classes} outputs, received labels in [{labels.min()}, {labels.max()}]."
            )

    def _step_function(self, kind: str) -> Callable[..., Any]:
        fn = self._step_functions.get(kind)
        if fn is None:
            builder = {"train": steps.make_train_step, "test": steps.make_test_step, "predict": steps.make_predict_step}
            fn = self._step_functions[kind] = builder[kind](self)
        return fn

    def _read_logs(self) -> dict[str, float]:
        return {m.name: float(self._backend.to_numpy(m.result())) for m in self.metrics}

    def _reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for ``epochs`` epochs on NumPy-like ``x``, ``y``; returns the History."""
        self._require_compiled("fit")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        if y is None:
            raise ValueError("fit(): `y` is required for array inputs.")
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError(
                    "fit(): `validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight)."
                )
            val = (
                self._prepare_arrays(*validation_data)
                if len(validation_data) == 3
                else self._prepare_arrays(validation_data[0], validation_data[1], None)
            )
        elif validation_split:
            (x, y, sample_weight), val = split_validation(x, y, sample_weight, validation_split)
        self._prepare_model(x, y)
        if val is not None:
            self._prepare_model(val[0], val[1])
        verbose = 1 if verbose == "auto" else int(verbose)
        # Shuffling follows the global seed, so a seeded run visits batches in the same order on every backend.
        batches = ArrayBatches(x, y, sample_weight, batch_size or 32, shuffle=shuffle, seed=seeding.next_stream_seed())
        self.history = History()
        callback_list = CallbackList(
            [self.history, *([ProgbarLogger()] if verbose else []), *(callbacks or [])],
            model=self,
            params={"epochs": epochs, "steps": batches.num_batches, "verbose": verbose, "mode": "fit"},
        )
        self.stop_training = False
        with backends.activated(self._backend):
            train_step = self._step_function("train")
            wants_begin = callback_list.wants("on_train_batch_begin")
            wants_end = callback_list.wants("on_train_batch_end")
            callback_list.on_train_begin()
            logs: dict = {}
            for epoch in range(initial_epoch, epochs):
                self._reset_metrics()
                callback_list.on_epoch_begin(epoch)
                for step, (xb, yb, swb) in enumerate(batches):
                    if wants_begin:
                        callback_list.on_train_batch_begin(step)
                    train_step(xb, yb, swb)
                    if wants_end:
                        callback_list.on_train_batch_end(step, LazyLogs(self._read_logs))
                logs = self._read_logs()
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_arrays(*val, validation_batch_size or batch_size or 32, None)
                    logs.update({f"val_{name}": value for name, value in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            callback_list.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------------ evaluate / predict
    def _evaluate_arrays(
        self,
        x: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None,
        batch_size: int,
        callback_list: CallbackList | None,
    ) -> dict[str, float]:
        test_step = self._step_function("test")
        self._reset_metrics()
        batches = ArrayBatches(x, y, sample_weight, batch_size)
        wants_end = callback_list is not None and callback_list.wants("on_test_batch_end")
        if callback_list is not None:
            callback_list.on_test_begin()
        for step, (xb, yb, swb) in enumerate(batches):
            test_step(xb, yb, swb)
            if wants_end:
                callback_list.on_test_batch_end(step, LazyLogs(self._read_logs))
        logs = self._read_logs()
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        callbacks: Sequence[Callback] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss and metrics on ``x``, ``y``: a float (loss only), a list, or a dict."""
        self._require_compiled("evaluate")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        if y is None:
            raise ValueError("evaluate(): `y` is required for array inputs.")
        self._prepare_model(x, y)
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        callback_list = CallbackList(
            [*([ProgbarLogger()] if verbose else []), *(callbacks or [])],
            model=self,
            params={"steps": -(-num_samples(x) // batch_size), "verbose": verbose, "mode": "evaluate"},
        )
        with backends.activated(self._backend):
            logs = self._evaluate_arrays(x, y, sample_weight, batch_size, callback_list)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        callbacks: Sequence[Callback] | None = None,
    ) -> np.ndarray:
        """Model outputs for ``x`` as a NumPy array, computed batch by batch."""
        x, _, _ = self._prepare_arrays(x, None, None)
        self._prepare_model(x, None)
        verbose = 1 if verbose == "auto" else int(verbose)
        batches = ArrayBatches(x, batch_size=batch_size or 32)
        callback_list = CallbackList(
            [*([ProgbarLogger()] if verbose else []), *(callbacks or [])],
            model=self,
            params={"steps": batches.num_batches, "verbose": verbose, "mode": "predict"},
        )
        outputs = []
        with backends.activated(self._backend):
            predict_step = self._step_function("predict")
            callback_list.on_predict_begin()
            for step, (xb, _, _) in enumerate(batches):
                outputs.append(predict_step(xb))
                callback_list.on_predict_batch_end(step)
            to_numpy = self._backend.to_numpy
            if isinstance(outputs[0], (list, tuple)):  # several outputs: one array each
                result = [np.concatenate([to_numpy(o[i]) for o in outputs]) for i in range(len(outputs[0]))]
            else:
                result = np.concatenate([to_numpy(o) for o in outputs], axis=0)
            callback_list.on_predict_end()
        return result

    # ------------------------------------------------------------------ single batches
    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """One training step on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        self._prepare_model(x, y)
        with backends.activated(self._backend):
            self._reset_metrics()
            self._step_function("train")(x, y, sample_weight)
            logs = self._read_logs()
        return logs if return_dict else ([logs[n] for n in self.metrics_names] if len(logs) > 1 else logs["loss"])

    def test_on_batch(self, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss (and metrics) of one batch, without training."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        self._prepare_model(x, y)
        with backends.activated(self._backend):
            logs = self._evaluate_arrays(x, y, sample_weight, num_samples(x), None)
        return logs if return_dict else ([logs[n] for n in self.metrics_names] if len(logs) > 1 else logs["loss"])

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """Model outputs for one batch as NumPy."""
        return self.predict(x, batch_size=max(num_samples(to_arrays(x, "x")), 1), verbose=0)
