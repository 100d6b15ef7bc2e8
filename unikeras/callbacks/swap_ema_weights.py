"""SwapEMAWeights: evaluate and predict with the optimizer's moving averages of the weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from unikeras.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's trainable weights with the optimizer's exponential moving averages (an
    optimizer built with ``use_ema=True``) around evaluation and prediction, and, with
    ``swap_on_epoch``, at the end of each epoch (so that later callbacks, e.g. ``ModelCheckpoint``
    placed after this one, see the averages).

    Args:
        swap_on_epoch: also swap at ``on_epoch_end`` and back at the next ``on_epoch_begin``.
    """

    def __init__(self, swap_on_epoch: bool = False) -> None:
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizers(self) -> list[Any]:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):  # MultiOptimizer
            chosen = [o for o in optimizer.optimizers if getattr(o, "use_ema", False)]
            if not chosen:
                raise ValueError(
                    "SwapEMAWeights must be used when at least one inner optimizer has `use_ema=True` set. "
                    "Received a MultiOptimizer with all inner optimizers having `use_ema=False`."
                )
            return chosen
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', False)}"
            )
        return [optimizer]

    def _pairs(self) -> list[tuple[Any, Any]]:
        pairs = []
        for optimizer in self._ema_optimizers():
            if not optimizer.built:
                continue
            for index, average in enumerate(optimizer._model_variables_moving_average):
                variable = next(v for v in self.model.trainable_weights if optimizer._trainable_ids.get(id(v)) == index)
                pairs.append((variable, average))
        return pairs

    def _swap(self) -> None:
        for variable, average in self._pairs():
            held = np.array(variable.numpy())
            variable.assign(average.value)
            average.assign(held)

    def _finalize_ema_values(self) -> None:
        for variable, average in self._pairs():
            average.assign(variable.backend.copy(variable.value))  # a copy: variables never share a buffer

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            # fit ends by writing the averages into the weights: after the last epoch's swap the
            # averages slots hold the trained weights, so give them the averages back first
            if epoch == self.params.get("epochs", 0) - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs: Mapping | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs: Mapping | None = None) -> None:
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_predict_begin(self, logs: Mapping | None = None) -> None:
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_predict_end(self, logs: Mapping | None = None) -> None:
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False
