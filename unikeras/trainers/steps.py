"""The train / test / predict steps, written once; each backend compiles them its own way
(``Backend.make_step``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from unikeras.backends.base import Backend


def _compile(model: Any, fn: Callable[..., Any], state: Sequence[Any]) -> Callable[..., Any]:
    """The backend's own step, or the contract's eager fallback when ``run_eagerly``."""
    if model.run_eagerly:
        return Backend.make_step(model.backend, fn, state, False)
    return model.backend.make_step(fn, state, model.jit_compile)


def _batch_size(backend: Any, x: Any) -> int:
    return backend.shape(x[0] if isinstance(x, (list, tuple)) else x)[0]


def make_train_step(model: Any) -> Callable[..., Any]:
    backend = model.backend
    trainable = model.trainable_variables
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(trainable)
    metrics = model.compiled_metrics
    tracker = model.loss_tracker

    def train_step(x: Any, y: Any, sample_weight: Any) -> Any:
        def forward() -> tuple[Any, Any]:
            y_pred = model(x, training=True)
            return model.compute_loss(y, y_pred, sample_weight), y_pred

        (loss, y_pred), grads = backend.value_and_grad(forward, trainable, has_aux=True)()
        optimizer.apply(grads, trainable)
        tracker.update_state(loss, sample_weight=_batch_size(backend, x))
        y_pred = backend.stop_gradient(y_pred)
        for metric in metrics:
            metric.update_state(y, y_pred, sample_weight)
        return loss

    return _compile(model, train_step, model.variables + optimizer.variables + model.metric_variables)


def make_test_step(model: Any) -> Callable[..., Any]:
    backend = model.backend
    metrics = model.compiled_metrics
    tracker = model.loss_tracker

    def test_step(x: Any, y: Any, sample_weight: Any) -> Any:
        y_pred = model(x, training=False)
        loss = model.compute_loss(y, y_pred, sample_weight)
        tracker.update_state(loss, sample_weight=_batch_size(backend, x))
        for metric in metrics:
            metric.update_state(y, y_pred, sample_weight)
        return loss

    return _compile(model, test_step, model.variables + model.metric_variables)


def make_predict_step(model: Any) -> Callable[..., Any]:
    def predict_step(x: Any) -> Any:
        return model(x, training=False)

    return _compile(model, predict_step, model.variables)
