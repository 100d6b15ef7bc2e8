# ruff: noqa: N803, N806 - scikit-learn names the samples `X`
"""scikit-learn estimators around a unikeras model (``keras.wrappers``): ``SKLearnClassifier``,
``SKLearnRegressor`` and ``SKLearnTransformer``, usable in pipelines, grid searches and
``cross_val_score``. Needs scikit-learn."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # pragma: no cover - the classes then raise when built
    BaseEstimator = object
    ClassifierMixin = RegressorMixin = TransformerMixin = object


def _require_sklearn(name: str) -> None:
    if BaseEstimator is object:  # pragma: no cover
        raise ImportError(f"{name} needs scikit-learn: pip install scikit-learn.")


def _fresh_compile_arguments(model: Any) -> dict[str, Any]:
    """The arguments ``model`` was compiled with, with a new optimizer of the same config."""
    arguments = dict(model.get_compile_config() or {})
    optimizer = arguments.get("optimizer")
    if hasattr(optimizer, "get_config"):
        arguments["optimizer"] = type(optimizer).from_config(optimizer.get_config())
    return arguments


class SKLBase(BaseEstimator):
    """The shared part of the wrappers.

    Args:
        model: a compiled unikeras ``Model`` (cloned and recompiled for every ``fit`` unless
            ``warm_start``), or a callable ``model(X=X, y=y, **model_kwargs)`` returning a compiled model.
        warm_start: keep training the model of the previous ``fit`` instead of starting afresh.
        model_kwargs: extra keyword arguments for a callable ``model``.
        fit_kwargs: keyword arguments for ``Model.fit`` (those given to ``fit`` take precedence).

    Attributes:
        model_: the fitted model.
        history_: the history of the last fit (``History.history``).
    """

    def __init__(
        self,
        model: Any,
        warm_start: bool = False,
        model_kwargs: dict[str, Any] | None = None,
        fit_kwargs: dict[str, Any] | None = None,
    ) -> None:
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_clone__(self) -> SKLBase:
        model = self.model if callable(self.model) and not hasattr(self.model, "fit") else copy.copy(self.model)
        return type(self)(
            model=model, warm_start=self.warm_start, model_kwargs=self.model_kwargs, fit_kwargs=self.fit_kwargs
        )

    def _get_model(self, X: np.ndarray, y: np.ndarray) -> Any:
        from unikeras.models.cloning import clone_model
        from unikeras.models.model import Model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            if not self.model.compiled:
                raise ValueError(f"{type(self).__name__}: the model must be compiled before it is wrapped.")
            model = clone_model(self.model)
            model.compile(**_fresh_compile_arguments(self.model))
            return model
        if not callable(self.model):
            raise TypeError(
                f"{type(self).__name__}: `model` must be a compiled Model or a callable returning one, received "
                f"{self.model!r}."
            )
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        if not isinstance(model, Model) or not model.compiled:
            raise ValueError(f"{type(self).__name__}: the callable `model` must return a compiled unikeras Model.")
        return model

    def fit(self, X: Any, y: Any, **kwargs: Any) -> SKLBase:
        """Train the model on ``X`` (n_samples, n_features) and ``y``; ``kwargs`` go to ``Model.fit``."""
        X = np.asarray(X, dtype="float32")
        if X.ndim != 2:
            raise ValueError(f"{type(self).__name__}: X must be 2-D (n_samples, n_features), received {X.shape}.")
        self.n_features_in_ = X.shape[1]
        target = self._process_target(np.asarray(y), reset=True)
        model = self._get_model(X, target)
        arguments = {"verbose": 0, **(self.fit_kwargs or {}), **kwargs}
        self.history_ = model.fit(X, target, **arguments).history
        self.model_ = model
        return self

    @property
    def epoch_(self) -> int:
        """The number of epochs of the last fit."""
        return len(next(iter(getattr(self, "history_", {}).values()), []))

    def _check_fitted(self, X: Any) -> np.ndarray:
        if not hasattr(self, "model_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet: call fit first.")
        X = np.asarray(X, dtype="float32")
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{type(self).__name__}: X must have shape (n_samples, {self.n_features_in_}), received {X.shape}."
            )
        return X

    def predict(self, X: Any) -> np.ndarray:
        """The model's predictions for ``X``, in the form of the ``y`` given to ``fit``."""
        X = self._check_fitted(X)
        return self._reverse_process_target(np.asarray(self.model_.predict(X, verbose=0)))

    def _process_target(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        if reset:
            self._target_was_1d = y.ndim == 1
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _reverse_process_target(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(-1) if self._target_was_1d and y.ndim == 2 and y.shape[1] == 1 else y


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a unikeras model (see ``SKLBase`` for the arguments).

    ``fit`` one-hot encodes the labels (``classes_`` holds them, sorted), so the model needs one
    output per class; ``predict`` returns the label of the largest output.
    """

    def _process_target(self, y: np.ndarray, reset: bool = False) -> np.ndarray:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"SKLearnClassifier: y must hold one label per sample, received shape {y.shape}.")
        if reset:
            self.classes_ = np.unique(y)
        index = np.searchsorted(self.classes_, y)
        if np.any(index >= len(self.classes_)) or np.any(self.classes_[np.minimum(index, len(self.classes_) - 1)] != y):
            raise ValueError("SKLearnClassifier: y holds labels not seen by fit.")
        return np.eye(len(self.classes_), dtype="float32")[index]

    def _reverse_process_target(self, y: np.ndarray) -> np.ndarray:
        if y.ndim == 1 or y.shape[1] == 1:  # one sigmoid output for two classes
            return self.classes_[(y.reshape(-1) > 0.5).astype(int)]
        return self.classes_[np.argmax(y, axis=1)]


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a unikeras model (see ``SKLBase`` for the arguments); a 1-D
    ``y`` is fed as (n_samples, 1) and predicted back as 1-D."""


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a unikeras model (see ``SKLBase`` for the arguments):
    ``fit`` trains it on ``(X, y)``, ``transform`` returns its outputs for ``X`` (an encoder, an
    embedding, ...)."""

    def transform(self, X: Any) -> np.ndarray:
        """The model's outputs for ``X``."""
        X = self._check_fitted(X)
        return np.asarray(self.model_.predict(X, verbose=0))


__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
