"""Callbacks: hooks into ``fit`` / ``evaluate`` / ``predict``, with Keras's names."""

from unikeras.callbacks.backup_and_restore import BackupAndRestore
from unikeras.callbacks.callback import Callback, CallbackList
from unikeras.callbacks.csv_logger import CSVLogger
from unikeras.callbacks.early_stopping import EarlyStopping
from unikeras.callbacks.history import History
from unikeras.callbacks.lambda_callback import LambdaCallback
from unikeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from unikeras.callbacks.model_checkpoint import ModelCheckpoint
from unikeras.callbacks.monitor_callback import MonitorCallback
from unikeras.callbacks.orbax_checkpoint import OrbaxCheckpoint
from unikeras.callbacks.progbar_logger import ProgbarLogger
from unikeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from unikeras.callbacks.remote_monitor import RemoteMonitor
from unikeras.callbacks.swap_ema_weights import SwapEMAWeights
from unikeras.callbacks.tensorboard import TensorBoard
from unikeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "OrbaxCheckpoint",
    "RemoteMonitor",
    "SwapEMAWeights",
    "TensorBoard",
    "TerminateOnNaN",
]
