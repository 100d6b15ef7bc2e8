"""The Callback base class and the list that dispatches to several callbacks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_BATCH_HOOKS = (
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)
# Keras's backwards-compatible aliases: the default on_train_batch_* calls on_batch_*.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Hooks called by ``fit`` / ``evaluate`` / ``predict``; override the ones you need.

    ``self.model`` and ``self.params`` (``epochs``, ``steps``, ``verbose``) are set before
    training starts. ``logs`` map metric names to Python floats; a callback may add entries to
    the epoch ``logs`` (``History`` and the progress bar run after the user's callbacks and see
    them). Methods with other names (``on_foo``) are never called.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs: Mapping | None = None) -> None: ...
    def on_train_end(self, logs: Mapping | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        """Keras's older name for ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        """Keras's older name for ``on_train_batch_end``."""

    def on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs: Mapping | None = None) -> None: ...
    def on_test_end(self, logs: Mapping | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Mapping | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Mapping | None = None) -> None: ...
    def on_predict_begin(self, logs: Mapping | None = None) -> None: ...
    def on_predict_end(self, logs: Mapping | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Mapping | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Mapping | None = None) -> None: ...


def _overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` does something in ``hook``: a method of its class, or a function set
    on the instance (``LambdaCallback``), other than the base class's no-op."""
    names = (hook, _ALIASES[hook]) if hook in _ALIASES else (hook,)
    for name in names:
        if name in vars(callback):
            return True
        if getattr(type(callback), name) is not getattr(Callback, name):
            return True
    return False


def _default_rank(callback: Callback) -> int:
    """Keras runs History and the progress bar after the user's callbacks, so that what those
    add to the epoch logs (``learning_rate``) is recorded and shown."""
    from unikeras.callbacks.history import History
    from unikeras.callbacks.progbar_logger import ProgbarLogger

    return 1 if isinstance(callback, History) else 2 if isinstance(callback, ProgbarLogger) else 0


class CallbackList(Callback):
    """Calls each hook on every callback in order; skips the per-batch hooks nobody overrides.

    ``History`` and ``ProgbarLogger`` are moved after the other callbacks (Keras's order).
    """

    def __init__(self, callbacks: Iterable[Callback], model: Any = None, params: dict | None = None) -> None:
        super().__init__()
        self.callbacks = sorted(callbacks, key=_default_rank)
        if model is not None:
            self.set_model(model)
        self.set_params(params or {})
        self._batch_hooks = {
            hook: [getattr(c, hook) for c in self.callbacks if _overrides(c, hook)] for hook in _BATCH_HOOKS
        }

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        for c in self.callbacks:
            c.set_params(params)

    def wants(self, hook: str) -> bool:
        """Whether any callback overrides the per-batch ``hook``."""
        return bool(self._batch_hooks[hook])

    def _call(self, hook: str, *args: Any) -> None:
        for c in self.callbacks:
            getattr(c, hook)(*args)

    def _call_batch(self, hook: str, batch: int, logs: Mapping | None) -> None:
        for fn in self._batch_hooks[hook]:
            fn(batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)  # noqa: E704

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)  # noqa: E704

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)  # noqa: E704

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)  # noqa: E704

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)  # noqa: E704

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)  # noqa: E704

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)  # noqa: E704

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)  # noqa: E704

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)  # noqa: E704

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)  # noqa: E704

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)  # noqa: E704

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)  # noqa: E704

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs)  # noqa: E704

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)  # noqa: E704

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)  # noqa: E704

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs)  # noqa: E704
