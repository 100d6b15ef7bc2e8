"""``DataParallel``, the global distribution, and the engine ``fit`` trains under."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

from unikeras.distribution.engine import Engine
from unikeras.distribution.launch_env import DEFAULT_TIMEOUT_S

_distribution: DataParallel | None = None
_active_engine: Engine | None = None


class DataParallel:
    """Data parallelism: every replica holds all the weights and trains on its part of each batch.

    ``fit`` under it splits each global batch (``batch_size`` samples) over the replicas,
    averages the gradients with the framework's own all-reduce, keeps the weights equal, totals
    the metrics over the replicas, and prints progress and writes checkpoints on the chief
    (process 0) only. The replicas are, per backend: the processes ``torchrun`` started (torch),
    the devices of this host (jax, ``jax.sharding``), the devices of this process
    (tensorflow, ``MirroredStrategy``; with ``TF_CONFIG``, those of every listed process), the
    workers ``mxnet_launch`` started (mxnet, KVStore ``dist_sync``).

    Args:
        devices: jax and tensorflow: the devices to replicate over (the framework's device
            objects, or names such as ``"cpu:0"``); default every device (TensorFlow: every GPU,
            else every logical CPU). torch and mxnet take one replica per process.
    """

    def __init__(self, devices: list[Any] | None = None) -> None:
        self.devices = None if devices is None else list(devices)
        self._engines: dict[str, Engine] = {}

    def engine(self, backend: str) -> Engine:
        """This distribution's engine for ``backend`` (made on first use)."""
        engine = self._engines.get(backend)
        if engine is None:
            engine = self._engines[backend] = _make_engine(backend, self.devices)
        return engine

    @contextlib.contextmanager
    def scope(self) -> Iterator[DataParallel]:
        """``with dp.scope():`` makes it the distribution inside the block."""
        previous = distribution()
        set_distribution(self)
        try:
            yield self
        finally:
            set_distribution(previous)

    def __repr__(self) -> str:
        return f"DataParallel(devices={self.devices!r})"


def _make_engine(backend: str, devices: list[Any] | None) -> Engine:
    if backend == "torch":
        from unikeras.backends.distributed import torch as torch_engine

        if not torch_engine.dist.is_initialized():
            if not torch_engine.launched():
                return _one_process(backend, "torchrun --nproc_per_node=N script.py")
            torch_engine.initialize(DEFAULT_TIMEOUT_S)  # torchrun started it; initialize() was not called
        return torch_engine.TorchEngine()
    if backend == "jax":
        from unikeras.backends.distributed.jax import JaxEngine, pick_devices

        return JaxEngine(pick_devices(devices))
    if backend == "tensorflow":
        from unikeras.backends.distributed.tensorflow import TensorFlowEngine

        return TensorFlowEngine(devices)
    if backend == "mxnet":
        from unikeras.backends.distributed import mxnet as mxnet_engine

        if not mxnet_engine.launched():
            return _one_process(backend, f"{mxnet_engine.LAUNCH_HINT}")
        return mxnet_engine.MXNetEngine()
    raise NotImplementedError(
        f"DataParallel has no engine for backend {backend!r}; it runs on 'torch' (torchrun), 'jax' "
        "(the devices of one host), 'tensorflow' (MirroredStrategy over the devices of one process) and 'mxnet' "
        "(KVStore dist_sync, python -m unikeras.distribution.mxnet_launch)."
    )


def _one_process(backend: str, launch: str) -> Engine:
    """The engine of a program started without a launcher: one replica, this process, with a warning."""
    warnings.warn(
        f"DataParallel on {backend}: this process was not started by a launcher ({launch}); training as one "
        "process, one replica.",
        stacklevel=4,
    )
    return Engine()


def set_distribution(value: DataParallel | None) -> None:
    """Make ``value`` the distribution ``fit`` trains under (``None``: one replica, the default)."""
    global _distribution
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution(): expected a DataParallel or None, received {type(value).__name__}.")
    _distribution = value


def distribution() -> DataParallel | None:
    """The distribution set by ``set_distribution`` (``None`` when training on one replica)."""
    return _distribution


def engine_for(backend: str) -> Engine | None:
    """The current distribution's engine for ``backend``, or None without a distribution."""
    return None if _distribution is None else _distribution.engine(backend)


@contextlib.contextmanager
def training_under(engine: Engine | None) -> Iterator[None]:
    """Route ``Optimizer.apply``'s gradients through ``engine`` inside the block (``fit``'s epochs)."""
    global _active_engine
    previous, _active_engine = _active_engine, engine
    try:
        yield
    finally:
        _active_engine = previous


def is_chief() -> bool:
    """Whether this process writes files: True unless ``fit`` trains under an engine whose chief is another."""
    return _active_engine is None or _active_engine.is_chief


def active_engine() -> Engine | None:
    """The engine ``fit`` is training under right now (``Optimizer.apply`` routes gradients through it)."""
    return _active_engine
