"""``compile`` / ``fit`` / ``evaluate`` / ``predict``: the epoch loop shared by every backend."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from unikeras import backends, config, optimizers
from unikeras import metrics as metrics_module
from unikeras.callbacks import Callback, CallbackList, History
from unikeras.callbacks.progbar_logger import resolve_verbose, with_progbar
from unikeras.distribution import data_parallel as distribution_state
from unikeras.distribution.engine import Engine, batch_rows
from unikeras.trainers import beginner_checks, data_adapters, steps
from unikeras.trainers.compile_utils import CompileLoss, CompileMetrics
from unikeras.utils import seeding
from unikeras.utils.data_unpacking import unpack_x_y_sample_weight


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
        self.loss: Any = None
        self.loss_weights: Any = None
        self._compile_loss: CompileLoss | None = None
        self._compile_metrics: CompileMetrics | None = None
        self._loss_tracker: metrics_module.Mean | None = None
        self.jit_compile: bool | str = "auto"
        self.run_eagerly = False
        self.stop_training = False
        self.history: History | None = None
        self._compile_config: dict | None = None
        self._step_functions: dict[str, Callable[..., Any]] = {}
        self._step_logs: dict | None = None
        self._initial_epoch: int | None = None  # set by a callback (BackupAndRestore) to resume

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        loss_weights: Any = None,
        metrics: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile: bool | str = "auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configure training.

        Args:
            optimizer: name (``"sgd"``, ``"adam"``) or Optimizer instance.
            loss: name, Loss instance or function ``(y_true, y_pred) -> losses``; for a model
                with several outputs, one loss for all of them, a list (one per output) or a
                dict keyed by output name. ``None`` trains on the losses added by layers alone.
            loss_weights: with several outputs, a list or dict of the weights of their losses.
            metrics: names (``"accuracy"``), Metric instances or functions, updated without
                sample weights; with several outputs, a list (one entry per output) or a dict.
            weighted_metrics: like ``metrics``, updated with the sample weights.
            run_eagerly: run steps as plain eager code (no graph, no jit), for debugging.
            steps_per_execution: accepted for Keras compatibility; each step runs as one call.
            jit_compile: ``True`` for the strongest compiler, ``"auto"`` for each backend's
                fastest default, ``False`` for the plain path.
            auto_scale_loss: under the ``"mixed_float16"`` policy, wrap the optimizer in a
                ``LossScaleOptimizer`` (dynamic loss scaling), as Keras does.
        """
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and (isinstance(value, (str, metrics_module.Metric)) or callable(value)):
                raise ValueError(f"compile(): `{argument}` must be a list or a dict, received {value!r}.")
        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(
                f"compile(): `steps_per_execution` must be a positive int, received {steps_per_execution!r}."
            )
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"compile(): `jit_compile` must be True, False or 'auto', received {jit_compile!r}.")
        with self._backend_scope():
            self.optimizer = optimizers.get(optimizer)
            if (
                auto_scale_loss
                and self.dtype_policy.name == "mixed_float16"
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)
            ):
                self.optimizer = optimizers.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
            self._compile_loss = CompileLoss(loss, loss_weights) if loss is not None else None
            self._compile_metrics = (
                CompileMetrics(metrics, weighted_metrics, loss) if (metrics or weighted_metrics) else None
            )
            self._loss_tracker = metrics_module.Mean(name="loss")
            self._metrics_backend = backends.current()
        self.loss = (
            self._compile_loss.losses[0] if self._compile_loss and not isinstance(loss, (list, tuple, dict)) else loss
        )
        self.loss_weights = loss_weights
        self._compile_config = {
            "optimizer": optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
            "auto_scale_loss": auto_scale_loss,
        }
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = False if run_eagerly else jit_compile
        self._step_functions = {}
        self.compiled = True
        self._build_compile_objects()  # unknown names fail here when the outputs are known

    def get_compile_config(self) -> dict | None:
        """The arguments ``compile`` was called with (``None`` before compile)."""
        return dict(self._compile_config) if self._compile_config is not None else None

    def _backend_scope(self) -> Any:
        return backends.activated(self._backend) if self._backend is not None else contextlib.nullcontext()

    @property
    def output_names(self) -> list[str] | None:
        """One name per model output: the producing layer's name, or the key of a dict output."""
        struct = getattr(self, "_outputs_struct", None)
        if struct is None:
            return getattr(self, "_output_structure_names", None)
        if isinstance(struct, dict):
            return list(struct)
        names: list[str] = []
        for tensor in self._output_tensors:
            name, suffix = tensor.layer.name, 1
            while name in names:
                name, suffix = f"{tensor.layer.name}_{suffix}", suffix + 1
            names.append(name)
        return names

    def _build_compile_objects(self) -> None:
        """Create the compiled losses and metrics for the model's outputs (before a step is traced)."""
        names = self.output_names
        if names is None:
            return
        with self._backend_scope():
            if self._compile_loss is not None and not self._compile_loss.built:
                self._compile_loss.build(names)
            if self._compile_metrics is not None and not self._compile_metrics.built:
                self._compile_metrics.build(names)

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        """The loss tracker, the compiled metrics (one container) and the per-output loss trackers."""
        found: list[metrics_module.Metric] = [self._loss_tracker] if self._loss_tracker else []
        if self._compile_metrics is not None:
            found.append(self._compile_metrics)
        if self._compile_loss is not None:
            found.extend(self._compile_loss.metrics)
        return found

    @property
    def compiled_metrics(self) -> list[metrics_module.Metric]:
        """The metric objects passed to ``compile`` (once built)."""
        return self._compile_metrics.metrics if self._compile_metrics is not None else []

    @property
    def metrics_names(self) -> list[str]:
        """The keys of the training logs, in order."""
        names: list[str] = []
        for metric in self.metrics:
            names.extend(metric.log_names if isinstance(metric, CompileMetrics) else [metric.name])
        return names

    @property
    def metric_variables(self) -> list[Any]:
        self._build_compile_objects()
        return [v for m in self.metrics for v in m.variables]

    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None, training: bool = True
    ) -> Any:
        """The compiled loss of a batch plus every loss the layers added (regularizers, ``add_loss``)."""
        del x, training
        total = self._compile_loss(y, y_pred, sample_weight) if self._compile_loss is not None else None
        for penalty in self.losses:
            total = penalty if total is None else self._backend.add(total, penalty)
        if total is None:
            raise ValueError(
                f"Model '{self.name}' has no loss: pass `loss` to compile() or add losses in its layers (add_loss)."
            )
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict[str, Any]:
        """Update the compiled metrics with one batch; returns ``get_metrics_result()``."""
        del x
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, Any]:
        """Every metric's current result (tensors), keyed by log name."""
        results: dict[str, Any] = {}
        for metric in self.metrics:
            value = metric.result()
            if isinstance(value, dict):
                results.update(value)
            else:
                results[metric.name] = value
        return results

    # ------------------------------------------------------------------ steps
    def _train_update(self, x: Any, y: Any, sample_weight: Any, trainable: list | None = None) -> tuple[Any, Any]:
        """Forward, gradients, optimizer update and metric updates for one batch: ``(loss, y_pred)``."""
        backend = self._backend
        trainable = self.trainable_variables if trainable is None else trainable
        optimizer = self.optimizer
        scale_loss = getattr(optimizer, "scale_loss", None)

        def forward() -> tuple[Any, tuple[Any, Any]]:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
            return (scale_loss(loss) if scale_loss is not None else loss), (loss, y_pred)

        (_, (loss, y_pred)), grads = backend.value_and_grad(forward, trainable, has_aux=True)()
        optimizer.apply(grads, trainable)
        self._loss_tracker.update_state(loss, sample_weight=batch_size(backend, x))
        y_pred = _map_structure(backend.stop_gradient, y_pred)
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return loss, y_pred

    def _test_update(self, x: Any, y: Any, sample_weight: Any) -> Any:
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=batch_size(self._backend, x))
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return loss

    def train_step(self, data: Any) -> dict[str, Any]:
        """One training step on ``data`` (``(x, y)`` or ``(x, y, sample_weight)``); returns the logs.

        Override it with backend-neutral code (``unikeras.ops.value_and_grad`` and
        ``self.optimizer.apply``); ``fit`` compiles and calls it once per batch.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._train_update(x, y, sample_weight)
        return self.get_metrics_result()

    def test_step(self, data: Any) -> dict[str, Any]:
        """One evaluation step on ``data``; returns the logs. Overridable like ``train_step``."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._test_update(x, y, sample_weight)
        return self.get_metrics_result()

    def predict_step(self, data: Any) -> Any:
        """The model's outputs for one batch ``data`` (``x`` or ``(x,)``). Overridable."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _require_compiled(self, method: str) -> None:
        if not self.compiled:
            raise beginner_checks.not_compiled(self, method)

    # ------------------------------------------------------------------ data preparation
    def _prepare_arrays(self, x: Any, y: Any, sample_weight: Any, class_weight: Any = None) -> tuple:
        """``x``, ``y``, ``sample_weight`` as NumPy, nested as given (lists / dicts for several inputs
        or outputs), floats in floatx, lengths checked, a dict ``x`` in the model's input order and
        ``class_weight`` turned into sample weights."""
        if x is None:
            raise ValueError("`x` is required.")
        floatx = config.floatx()
        x = data_adapters.cast_floats(data_adapters.to_numpy_structure(x, "x"), floatx)
        y = data_adapters.cast_floats(data_adapters.to_numpy_structure(y, "y"), floatx)
        sample_weight = data_adapters.to_numpy_structure(sample_weight, "sample_weight")
        data_adapters.check_array_lengths(x, y, sample_weight)
        if sample_weight is not None:
            sample_weight = data_adapters.map_structure(lambda a: a.astype(floatx, copy=False), sample_weight)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("`class_weight` and `sample_weight` cannot be used together: pass one of them.")
            sample_weight = data_adapters.class_weight_to_sample_weight(
                y, data_adapters.check_class_weight(class_weight), floatx
            )
        standardize = data_adapters.input_standardizer(self)
        x = standardize(x) if standardize is not None else x
        return beginner_checks.cast_integer_inputs(self, x, floatx), y, sample_weight

    def _prepare_model(self, x: Any, y: Any) -> None:
        """Build on the data's shape (checking it against the model's inputs) and check labels."""
        if self._backend is not None and self.compiled and self._metrics_backend is not self._backend:
            raise ValueError(
                f"Model '{self.name}' was built on backend '{self._backend.name}' but compiled while "
                f"'{self._metrics_backend.name}' was active: compile it again on '{self._backend.name}'."
            )
        beginner_checks.check_input_shapes(self, x)
        with self._backend_scope():
            shapes = data_adapters.map_structure(lambda a: (None,) + tuple(a.shape[1:]), x)
            output_shape = self.build_for_input_shape(shapes)
        if y is not None:
            self._check_labels(y, output_shape)

    def _targets_required(self, step: str) -> bool:
        """Whether batches need ``y``: the compiled loss needs it unless ``step`` is overridden."""
        return self.loss is not None and getattr(type(self), step, None) is getattr(Trainer, step, None)

    def _epoch_iterator(
        self,
        method: str,
        x: Any,
        y: Any,
        sample_weight: Any,
        batch_size: int | None,
        steps: int | None,
        shuffle: bool | str = False,
        class_weight: Any = None,
        seed: int | None = None,
        argument: str = "x",
    ) -> data_adapters.EpochIterator:
        """The batches of ``x`` (any input kind) for ``method``; the model is built (and checked)
        on the arrays, or on the first batch of anything else."""
        step = "train_step" if method == "fit" and argument == "x" else "test_step"
        needs_y = method != "predict" and self._targets_required(step)
        source = data_adapters.source_name(x)
        if source is None:
            x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, class_weight)
            if y is None and needs_y:
                raise ValueError(f"{method}(): `y` is required for array inputs (the model was compiled with a loss).")
            if method == "predict":
                y = sample_weight = None
            self._prepare_model(x, y)
            adapter = data_adapters.ArrayDataAdapter(x, y, sample_weight, batch_size, steps, shuffle, seed)
            return data_adapters.EpochIterator(adapter, steps, name=argument)
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(
                    f"{method}(): `{name}` cannot be passed when `{argument}` is a {source}: the {source} "
                    "yields it in each batch, as (x, y) or (x, y, sample_weight)."
                )
        standardizer = data_adapters.BatchStandardizer(
            source,
            config.floatx(),
            data_adapters.check_class_weight(class_weight) if class_weight is not None else None,
            data_adapters.input_standardizer(self),
            data_adapters.model_input_shapes(self),
        )
        adapter = data_adapters.get_data_adapter(x, shuffle, seed)
        iterator = data_adapters.EpochIterator(adapter, steps, standardizer, name=argument)
        try:
            first_x, first_y, _ = iterator.peek()
            if first_y is None and needs_y:
                raise ValueError(
                    f"{method}(): the {source} yields batches without targets; the model was compiled with a loss, "
                    "so each batch must be (x, y) or (x, y, sample_weight)."
                )
            self._prepare_model(first_x, None if method == "predict" else first_y)
        except BaseException:
            iterator.close()
            raise
        return iterator

    def _check_labels(self, y: Any, output_shape: Any) -> None:
        """Check integer labels against the class count of each output trained with sparse cross-entropy,
        and let metrics whose state depends on the data's shape create it."""
        if y is None:
            return
        self._build_compile_objects()
        metrics = self._compile_metrics
        if metrics is not None and metrics.built:
            shapes = output_shape if metrics.routing.num_outputs > 1 else [output_shape]
            if isinstance(output_shape, dict):
                shapes = [output_shape[name] for name in metrics.routing.output_names]
            metrics.build_states(y, shapes)
        loss = self._compile_loss
        if loss is None:
            return
        if not loss.built:
            return
        shapes = output_shape if loss.routing.num_outputs > 1 else [output_shape]
        if isinstance(output_shape, dict):
            shapes = [output_shape[name] for name in loss.routing.output_names]
        needed = [fn is not None for fn in loss.losses]
        targets = loss.routing.flatten_target(y, "y", needed)
        for name, fn, labels, shape in zip(loss.routing.output_names, loss.losses, targets, shapes):
            if labels is not None and fn is not None:
                output = name if loss.routing.num_outputs > 1 else None
                beginner_checks.check_labels(fn, np.asarray(labels), shape, output)

    def _step_function(self, kind: str) -> Callable[..., Any]:
        fn = self._step_functions.get(kind)
        if fn is None:
            self._build_compile_objects()
            builder = {"train": steps.make_train_step, "test": steps.make_test_step, "predict": steps.make_predict_step}
            fn = self._step_functions[kind] = builder[kind](self)
        return fn

    def _read_logs(self) -> dict[str, float]:
        """The logs as Python floats: the last overridden step's return value, else every metric's result."""
        to_numpy = self._backend.to_numpy
        if self._step_logs is not None:
            return {name: float(to_numpy(value)) for name, value in self._step_logs.items()}
        return {name: float(to_numpy(value)) for name, value in self.get_metrics_result().items()}

    def _read_logs_across(self, engine: Engine, rows: int) -> dict[str, float]:
        """The logs of every process together (a collective): metric states summed over the processes,
        or an overridden step's logs averaged over them, each weighted by the ``rows`` that process
        trained on this epoch (exact for running means over samples, what the built-in step keeps)."""
        if engine.process_count == 1:
            return self._read_logs()
        if self._step_logs is not None:
            logs = self._read_logs()
            names = sorted(logs)
            local = np.array([logs[n] * rows for n in names] + [rows], np.float64)
            totals = engine.sum_across_processes([local])[0]
            return {n: float(t) / float(totals[-1]) for n, t in zip(names, totals[:-1])}
        variables = self.metric_variables
        local = [self._backend.to_numpy(v.value) for v in variables]
        for variable, total in zip(variables, engine.sum_across_processes(local)):
            variable.assign(total)
        try:
            return self._read_logs()
        finally:
            for variable, value in zip(variables, local):
                variable.assign(value)

    def _distribution_engine(self) -> Engine | None:
        """The engine of the distribution set with ``unikeras.distribution.set_distribution``, if any."""
        if distribution_state.distribution() is None:
            return None
        return distribution_state.engine_for(self._backend.name if self._backend is not None else config.backend())

    def _reset_metrics(self) -> None:
        self._step_logs = None
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
        shuffle: bool | str = True,
        class_weight: Mapping[int, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int | Sequence[int] = 1,
    ) -> History:
        """Train the model for ``epochs`` epochs; returns the History.

        Args:
            x: input data: an array (NumPy or any backend's tensor), a list or dict of arrays
                (several inputs; dict keys are input names), a generator or iterator, a
                ``unikeras.utils.PyDataset``, a ``torch.utils.data.DataLoader`` or a
                ``tf.data.Dataset``. All but arrays yield batches ``(x, y)`` or
                ``(x, y, sample_weight)``.
            y: targets, for array ``x`` only: an array, or a list or dict of arrays (several outputs).
            batch_size: samples per batch for arrays (default 32).
            epochs: index of the last epoch (training runs from ``initial_epoch`` to ``epochs``).
            verbose: 1 (a progress bar: one line redrawn in a terminal or notebook; only each epoch's
                final line when the output is a file or pipe), 2 (a line per epoch), 0 (silent), or
                ``"auto"`` (1, as in Keras).
            callbacks: ``Callback`` instances.
            validation_split: fraction of the array data (the last samples, before shuffling)
                held out for validation.
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight_val)``, or any
                input kind of ``x`` that yields batches; evaluated at the end of epochs.
            shuffle: reshuffle array data every epoch (``"batch"``: within batches), or the
                batch order of a finite PyDataset; other inputs shuffle themselves.
            class_weight: ``{class index: weight}``, weighting each sample by its class (integer or
                one-hot targets of a single-output model); every class in the data needs a weight.
            sample_weight: per-sample weights for array data (a list or dict for several outputs).
            initial_epoch: epoch to start at (to resume a previous run).
            steps_per_epoch: batches per epoch; an epoch goes on where the previous one stopped.
                Without it an epoch is a full pass (a generator's first epoch reads it to the end).
            validation_steps: batches of validation data per validation (default: a full pass).
            validation_batch_size: samples per validation batch (default ``batch_size``).
            validation_freq: validate every ``validation_freq`` epochs, or at the (1-based) epochs in a list.
        """
        self._require_compiled("fit")
        _check_count("fit", "epochs", epochs)
        _check_count("fit", "initial_epoch", initial_epoch)
        limit = config.max_epochs()
        if limit is not None and limit < epochs:
            warnings.warn(f"Limiting epochs to {limit} (unikeras.config.set_max_epochs).", stacklevel=2)
            epochs = limit
        _check_steps("fit", "steps_per_epoch", steps_per_epoch)
        _check_steps("fit", "validation_steps", validation_steps)
        if isinstance(validation_freq, bool) or not (
            (isinstance(validation_freq, int) and validation_freq >= 1)
            or (isinstance(validation_freq, (list, tuple)) and all(isinstance(e, int) for e in validation_freq))
        ):
            raise ValueError(
                f"fit(): `validation_freq` must be a positive int or a list of epochs, received {validation_freq!r}."
            )
        beginner_checks.warn_if_unscaled(self, x)
        if validation_split and validation_data is None:
            source = data_adapters.source_name(x)
            if source is not None:
                raise ValueError(
                    f"fit(): `validation_split` is only supported for array inputs, received a {source}; "
                    "pass `validation_data` instead."
                )
            x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
            (x, y, sample_weight), validation_data = data_adapters.split_validation(
                x, y, sample_weight, validation_split
            )
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)):
                if len(validation_data) not in (1, 2, 3):
                    raise ValueError(
                        "fit(): `validation_data` must be (x_val, y_val), (x_val, y_val, sample_weight_val) or an "
                        f"input that yields batches, received a {type(validation_data).__name__} of "
                        f"{len(validation_data)} items."
                    )
                validation_data = (*validation_data, None, None)[:3]
            else:
                validation_data = (validation_data, None, None)
        # Shuffling follows the global seed, so a seeded run visits batches in the same order on every backend.
        seed = seeding.next_stream_seed()
        engine = self._distribution_engine()
        if engine is not None:
            engine.check_batch_size(32 if batch_size is None else batch_size)
            if engine.process_count > 1:  # every process must cut the same global batches: the chief's seed
                seed = int(engine.sum_across_processes([np.array([seed if engine.is_chief else 0], np.int64)])[0][0])
        train = self._epoch_iterator(
            "fit", x, y, sample_weight, batch_size, steps_per_epoch, shuffle, class_weight, seed
        )
        val = None
        try:
            if validation_data is not None:
                val_x, val_y, val_sample_weight = validation_data
                val = self._epoch_iterator(
                    "fit",
                    val_x,
                    val_y,
                    val_sample_weight,
                    validation_batch_size or batch_size,
                    validation_steps,
                    argument="validation_data",
                )
            return self._fit_epochs(train, val, epochs, initial_epoch, verbose, callbacks, validation_freq, engine)
        finally:
            train.close()
            if val is not None:
                val.close()

    def _fit_epochs(
        self,
        train: data_adapters.EpochIterator,
        val: data_adapters.EpochIterator | None,
        epochs: int,
        initial_epoch: int,
        verbose: int | str,
        callbacks: Sequence[Callback] | None,
        validation_freq: int | Sequence[int],
        engine: Engine | None = None,
    ) -> History:
        verbose = resolve_verbose(verbose, "fit")
        if engine is not None and not engine.is_chief:
            verbose = 0
            callbacks = [c for c in callbacks or () if not getattr(c, "chief_only", False)]
        self.history = History()
        callback_list = CallbackList(
            [self.history, *with_progbar(callbacks, verbose)],
            model=self,
            params={"epochs": epochs, "steps": train.num_batches, "verbose": verbose, "mode": "fit"},
        )
        self.stop_training = False
        with backends.activated(self._backend), distribution_state.training_under(engine):
            train_step = self._step_function("train")
            if engine is not None:
                engine.prepare(self)
                train_step = engine.wrap_step(train_step)
            wants_begin = callback_list.wants("on_train_batch_begin")
            wants_end = callback_list.wants("on_train_batch_end")
            callback_list.on_train_begin()
            # Keras's resume hook: a callback (BackupAndRestore) may set `model._initial_epoch` in on_train_begin.
            restored, self._initial_epoch = self._initial_epoch, None
            initial_epoch = initial_epoch if restored is None else restored
            logs: dict = {}
            for epoch in range(initial_epoch, epochs):
                self._reset_metrics()
                callback_list.on_epoch_begin(epoch)
                rows = 0  # this process's rows this epoch, under a distribution
                with contextlib.closing(train.epoch()) as batches:
                    for step, (xb, yb, swb) in batches:
                        if wants_begin:
                            callback_list.on_train_batch_begin(step)
                        if engine is not None:
                            rows += _process_share(batch_rows((xb, yb, swb)), engine)
                            xb, yb, swb = engine.local_batch((xb, yb, swb))
                        train_step(xb, yb, swb)
                        if wants_end:
                            callback_list.on_train_batch_end(step, LazyLogs(self._read_logs))
                        if self.stop_training:
                            break
                if train.steps_done == 0:
                    warnings.warn(
                        f"`x` ({train.adapter.source}) has no data left for epoch {epoch + 1}: training stops. "
                        "Pass `steps_per_epoch` with data for `steps_per_epoch * epochs` batches (a generator "
                        "can be read only once), or a PyDataset, DataLoader or tf.data.Dataset.",
                        stacklevel=3,
                    )
                    break
                logs = self._read_logs() if engine is None else self._read_logs_across(engine, rows)
                if val is not None and _should_validate(epoch, validation_freq):
                    val_logs = self._evaluate_epoch(val, callback_list)
                    logs.update({f"val_{name}": value for name, value in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            if epochs > 0:  # an optimizer with use_ema writes its averages into the weights
                self.optimizer.finalize_variable_values(self.trainable_weights)
            callback_list.on_train_end(logs)
        return self.history

    # ------------------------------------------------------------------ evaluate / predict
    def _evaluate_epoch(
        self, iterator: data_adapters.EpochIterator, callback_list: CallbackList | None
    ) -> dict[str, float]:
        """Reset the metrics, run the test step on one epoch of ``iterator``; the logs."""
        test_step = self._step_function("test")
        self._reset_metrics()
        wants_begin = callback_list is not None and callback_list.wants("on_test_batch_begin")
        wants_end = callback_list is not None and callback_list.wants("on_test_batch_end")
        if callback_list is not None:
            callback_list.on_test_begin()
        with contextlib.closing(iterator.epoch()) as batches:
            for step, (xb, yb, swb) in batches:
                if wants_begin:
                    callback_list.on_test_batch_begin(step)
                test_step(xb, yb, swb)
                if wants_end:
                    callback_list.on_test_batch_end(step, LazyLogs(self._read_logs))
        if iterator.steps_done == 0:
            raise ValueError(
                f"`{iterator.name}` ({iterator.adapter.source}) yielded no batches to evaluate on. A generator can be "
                "read only once: give the number of steps (`validation_steps` / `steps`) and data for all of "
                "them, or use a PyDataset, DataLoader or tf.data.Dataset."
            )
        logs = self._read_logs()
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    def _flatten_logs(self, logs: dict[str, float]) -> float | list[float]:
        """Keras's list form of the logs: ``metrics_names`` order; one value alone as a float."""
        names = [n for n in self.metrics_names if n in logs]
        names += [n for n in logs if n not in names]
        values = [logs[n] for n in names]
        return values[0] if len(values) == 1 else values

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """Loss and metrics on the data: a float (loss only), a list, or a dict (``return_dict``).

        ``x``, ``y``, ``sample_weight`` and ``batch_size`` are as in ``fit``; ``steps`` caps the
        number of batches (default: a full pass).
        """
        self._require_compiled("evaluate")
        _check_steps("evaluate", "steps", steps)
        iterator = self._epoch_iterator("evaluate", x, y, sample_weight, batch_size, steps)
        try:
            verbose = resolve_verbose(verbose, "evaluate")
            callback_list = CallbackList(
                with_progbar(callbacks, verbose),
                model=self,
                params={"epochs": 1, "steps": iterator.num_batches, "verbose": verbose, "mode": "evaluate"},
            )
            with backends.activated(self._backend):
                logs = self._evaluate_epoch(iterator, callback_list)
        finally:
            iterator.close()
        return logs if return_dict else self._flatten_logs(logs)

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> Any:
        """Model outputs for ``x`` (any input kind of ``fit``; targets in its batches are ignored)
        as NumPy, computed batch by batch: one array, or a list or dict for several outputs."""
        _check_steps("predict", "steps", steps)
        iterator = self._epoch_iterator("predict", x, None, None, batch_size, steps)
        try:
            verbose = resolve_verbose(verbose, "predict")
            callback_list = CallbackList(
                with_progbar(callbacks, verbose),
                model=self,
                params={"epochs": 1, "steps": iterator.num_batches, "verbose": verbose, "mode": "predict"},
            )
            outputs = []
            with backends.activated(self._backend):
                predict_step = self._step_function("predict")
                wants_begin = callback_list.wants("on_predict_batch_begin")
                wants_end = callback_list.wants("on_predict_batch_end")
                callback_list.on_predict_begin()
                with contextlib.closing(iterator.epoch()) as batches:
                    for step, (xb, _, _) in batches:
                        if wants_begin:
                            callback_list.on_predict_batch_begin(step)
                        outputs.append(predict_step(xb))
                        if wants_end:
                            callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
                if not outputs:
                    raise ValueError(f"predict(): `x` ({iterator.adapter.source}) yielded no batches.")
                result = self._outputs_to_numpy(outputs)
                callback_list.on_predict_end()
        finally:
            iterator.close()
        return result

    def _outputs_to_numpy(self, outputs: list[Any]) -> Any:
        """The per-batch outputs joined along the batch axis, in the structure the model returns."""
        to_numpy = self._backend.to_numpy
        if not data_adapters.is_nested(outputs[0]):
            return np.concatenate([to_numpy(o) for o in outputs], axis=0)
        columns = zip(*(data_adapters.flatten(o) for o in outputs))
        leaves = [np.concatenate([to_numpy(t) for t in column], axis=0) for column in columns]
        return data_adapters.unflatten_like(outputs[0], leaves)

    # ------------------------------------------------------------------ single batches
    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Mapping[int, float] | None = None,
        return_dict: bool = False,
    ) -> Any:
        """One training step on one batch of arrays; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, class_weight)
        if y is None and self._targets_required("train_step"):
            raise ValueError("train_on_batch(): `y` is required (the model was compiled with a loss).")
        self._prepare_model(x, y)
        with backends.activated(self._backend):
            self._reset_metrics()
            self._step_function("train")(x, y, sample_weight)
            logs = self._read_logs()
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss (and metrics) of one batch of arrays, without training."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        if y is None and self._targets_required("test_step"):
            raise ValueError("test_on_batch(): `y` is required (the model was compiled with a loss).")
        self._prepare_model(x, y)
        with backends.activated(self._backend):
            self._reset_metrics()
            self._step_function("test")(x, y, sample_weight)
            logs = self._read_logs()
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x: Any) -> Any:
        """Model outputs for one batch of arrays, as NumPy."""
        x, _, _ = self._prepare_arrays(x, None, None)
        self._prepare_model(x, None)
        with backends.activated(self._backend):
            return self._outputs_to_numpy([self._step_function("predict")(x)])


def _check_count(method: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{method}(): `{name}` must be a non-negative int, received {value!r}.")


def _check_steps(method: str, name: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0):
        raise ValueError(f"{method}(): `{name}` must be a positive int or None, received {value!r}.")


def _should_validate(epoch: int, validation_freq: int | Sequence[int]) -> bool:
    """Keras's rule: every ``validation_freq`` epochs, or at the 1-based epochs listed."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _process_share(rows: int, engine: Engine) -> int:
    """This process's rows of a global batch of ``rows`` (``numpy.array_split``'s cut, as fit shards)."""
    base, extra = divmod(rows, engine.process_count)
    return base + (engine.process_index < extra)


def batch_size(backend: Any, x: Any) -> int:
    """The number of samples in the batch ``x`` (an array, or a list or dict of arrays)."""
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return backend.shape(x)[0]


def _map_structure(fn: Callable[[Any], Any], value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _map_structure(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_structure(fn, v) for v in value)
    return fn(value)
