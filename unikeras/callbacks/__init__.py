"""Callbacks."""

from unikeras.callbacks.callback import Callback, CallbackList
from unikeras.callbacks.history import History
from unikeras.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
