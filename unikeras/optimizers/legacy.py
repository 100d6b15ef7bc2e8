"""``keras.optimizers.legacy``: as in Keras 3, the names exist only to say that the tf.keras
(Keras 2) legacy optimizers are not supported; creating one raises ImportError."""

from __future__ import annotations

from typing import Any


class _LegacyOptimizer:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise ImportError(
            f"`keras.optimizers.legacy.{type(self).__name__}` is not supported in Keras 3 nor in unikeras: the "
            f"legacy optimizers belong to tf.keras (Keras 2). Use `unikeras.optimizers.{type(self).__name__}`."
        )


class Adagrad(_LegacyOptimizer):
    pass


class Adam(_LegacyOptimizer):
    pass


class Ftrl(_LegacyOptimizer):
    pass


class Optimizer(_LegacyOptimizer):
    pass


class RMSprop(_LegacyOptimizer):
    pass


class SGD(_LegacyOptimizer):
    pass


__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]
