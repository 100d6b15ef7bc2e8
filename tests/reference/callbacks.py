"""Pure-Python references for the epoch-level rules of Keras's monitoring callbacks, written from
their documentation: EarlyStopping and ReduceLROnPlateau driven by a list of monitored values."""

from __future__ import annotations


def _better(value: float, best: float | None, mode: str, min_delta: float) -> bool:
    """``value`` beats ``best`` by more than ``min_delta`` in the direction of ``mode``."""
    if best is None:
        return True
    if mode == "min":
        return value < best - abs(min_delta)
    return value > best + abs(min_delta)


def early_stopping(
    values: list[float],
    patience: int = 0,
    min_delta: float = 0.0,
    mode: str = "min",
    baseline: float | None = None,
    start_from_epoch: int = 0,
) -> tuple[int, int | None]:
    """(number of epochs that run, best epoch or None) for EarlyStopping monitoring ``values``.

    An epoch counts as "no progress" unless it improves on the best value so far and (with a
    baseline) also beats the baseline; training stops at the end of the epoch (never the first)
    where the count of epochs since the last progress reaches ``patience``. Epochs before
    ``start_from_epoch`` are ignored. The best epoch is the one with the best value (the first
    monitored one if none improves).
    """
    best, best_epoch, since_progress = None, None, 0
    for epoch, value in enumerate(values):
        if epoch < start_from_epoch:
            continue
        if best_epoch is None:
            best_epoch = epoch
        since_progress += 1
        if _better(value, best, mode, min_delta):
            best, best_epoch = value, epoch
            if baseline is None or _better(value, baseline, mode, min_delta):
                since_progress = 0
            continue
        if since_progress >= patience and epoch > 0:
            return epoch + 1, best_epoch
    return len(values), best_epoch


def reduce_lr_on_plateau(
    values: list[float],
    learning_rate: float,
    factor: float = 0.1,
    patience: int = 10,
    mode: str = "min",
    min_delta: float = 1e-4,
    cooldown: int = 0,
    min_lr: float = 0.0,
) -> list[float]:
    """The learning rate in force during each epoch when ReduceLROnPlateau watches ``values``.

    After ``patience`` epochs in a row without an improvement larger than ``min_delta`` the
    rate is multiplied by ``factor`` (never below ``min_lr``), then ``cooldown`` epochs pass
    during which nothing counts as a bad epoch.
    """
    rates, best, bad_epochs, cooling = [], None, 0, 0
    for value in values:
        rates.append(learning_rate)
        if cooling > 0:
            cooling -= 1
            bad_epochs = 0
        if _better(value, best, mode, min_delta):
            best, bad_epochs = value, 0
        elif cooling == 0:
            bad_epochs += 1
            if bad_epochs >= patience and learning_rate > min_lr:
                learning_rate = max(learning_rate * factor, min_lr)
                cooling, bad_epochs = cooldown, 0
    return rates
