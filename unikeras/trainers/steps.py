"""The train / test / predict steps, written once; each backend compiles them its own way
(``Backend.make_step``).

A model that keeps Keras's ``train_step`` / ``test_step`` gets a lean step that returns only
the loss, with the logs read from the metric variables when someone looks. A model that
overrides one gets that method compiled as its step; what it returns becomes the logs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from unikeras.backends.base import Backend
from unikeras.utils.data_unpacking import pack_x_y_sample_weight


def _compile(model: Any, fn: Callable[..., Any], state: Sequence[Any]) -> Callable[..., Any]:
    """The backend's own step, or the contract's eager fallback when ``run_eagerly``."""
    backend = model.backend
    if model.run_eagerly:
        compiled = Backend.make_step(backend, fn, state, False)
    else:
        compiled = backend.make_step(fn, state, model.jit_compile)

    def step(*args: Any) -> Any:
        # The adapters convert top-level NumPy arguments; lists and dicts (several inputs or
        # outputs) are converted here, leaf by leaf.
        return compiled(*[_to_tensors(backend, a) if isinstance(a, (list, tuple, dict)) else a for a in args])

    step.compiled = compiled  # the backend's step, for introspection
    step.python_function = fn  # the uncompiled step, for an engine that traces it itself (e.g. per replica)
    return step


def _to_tensors(backend: Any, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_tensors(backend, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_tensors(backend, v) for v in value)
    return backend.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


def _overrides(model: Any, method: str) -> bool:
    from unikeras.trainers.trainer import Trainer

    return getattr(type(model), method) is not getattr(Trainer, method)


def _recording_logs(model: Any, compiled: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``compiled`` and keep its return value as the model's current logs."""

    def record(logs: Any) -> Any:
        if not isinstance(logs, dict):
            raise ValueError(
                f"{type(model).__name__}.train_step / test_step must return a dict of logs, received "
                f"{type(logs).__name__}."
            )
        model._step_logs = logs
        return logs

    def step(*args: Any) -> Any:
        return record(compiled(*args))

    step.python_function = compiled.python_function
    step.record_logs = record  # an engine that runs python_function itself hands the step's logs here
    return step


def _prepare_optimizer(model: Any) -> None:
    if not model.optimizer.built:
        with model._backend_scope():
            model.optimizer.build(model.trainable_variables)


def make_train_step(model: Any) -> Callable[..., Any]:
    _prepare_optimizer(model)
    state = model.variables + model.optimizer.variables + model.metric_variables
    if _overrides(model, "train_step"):
        return _recording_logs(
            model, _compile(model, lambda x, y, sw: model.train_step(pack_x_y_sample_weight(x, y, sw)), state)
        )

    trainable = model.trainable_variables

    def train_step(x: Any, y: Any, sample_weight: Any) -> Any:
        return model._train_update(x, y, sample_weight, trainable)[0]

    return _compile(model, train_step, state)


def make_test_step(model: Any) -> Callable[..., Any]:
    state = model.variables + model.metric_variables
    if _overrides(model, "test_step"):
        return _recording_logs(
            model, _compile(model, lambda x, y, sw: model.test_step(pack_x_y_sample_weight(x, y, sw)), state)
        )
    return _compile(model, model._test_update, state)


def make_predict_step(model: Any) -> Callable[..., Any]:
    if _overrides(model, "predict_step"):
        return _compile(model, lambda x: model.predict_step((x,)), model.variables)

    def predict_step(x: Any) -> Any:
        return model(x, training=False)

    return _compile(model, predict_step, model.variables)
