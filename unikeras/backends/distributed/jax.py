"""jax: one process drives every device of its host through ``jax.sharding``; ``jax.distributed``
joins several hosts.

Each global batch is split along a one-axis device mesh and the weights are replicated; XLA
partitions the jitted step and inserts the gradient all-reduce itself, so the gradients need no
extra reduction here.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from unikeras.distribution.engine import Engine, batch_rows, shard_rows
from unikeras.trainers.data_adapters.data_adapter_utils import map_structure


def initialize_processes(
    coordinator: str | None, num_processes: int | None, process_id: int | None, timeout_s: float
) -> None:
    """``jax.distributed.initialize``; CPUs of different processes exchange data through gloo. A
    process that stops answering for ``timeout_s`` seconds is declared dead and the others abort
    (JAX's coordination service ends them with "another task died")."""
    if jax.config.jax_cpu_collectives_implementation in (None, "none"):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=num_processes,
        process_id=process_id,
        initialization_timeout=int(timeout_s),
        heartbeat_timeout_seconds=max(int(timeout_s), 1),
    )


def pick_devices(devices: list[Any] | None) -> list[Any]:
    """The devices ``DataParallel(devices=...)`` names (``jax.Device`` objects or names like ``"cpu:0"``);
    every device by default."""
    every = jax.devices()
    if devices is None:
        return every
    by_name = {f"{d.platform}:{d.id}": d for d in every}
    chosen = []
    for device in devices:
        if isinstance(device, str):
            if device not in by_name:
                raise ValueError(f"DataParallel: unknown device {device!r}; jax has {sorted(by_name)}.")
            device = by_name[device]
        chosen.append(device)
    if not chosen:
        raise ValueError("DataParallel: `devices` must name at least one device, received an empty list.")
    return chosen


class JaxEngine(Engine):
    """Batches sharded over ``devices`` (a mesh axis named ``"batch"``), weights replicated."""

    backend = "jax"

    def __init__(self, devices: list[Any]) -> None:
        self.devices = list(devices)
        self.mesh = Mesh(np.array(self.devices), ("batch",))
        self.batch_sharding = NamedSharding(self.mesh, PartitionSpec("batch"))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.num_replicas = len(self.devices)
        self.process_index = jax.process_index()
        self.process_count = jax.process_count()

    def prepare(self, model: Any) -> None:
        variables = model.variables + model.optimizer.variables + model.metric_variables
        for variable in variables:
            variable.assign(jax.device_put(variable.handle, self.replicated))

    def local_batch(self, batch: tuple) -> tuple:
        if self.process_count > 1:
            local, rows, total = shard_rows(batch, self.process_index, self.process_count)
            if total % self.num_replicas:
                raise ValueError(
                    f"DataParallel (jax, {self.process_count} hosts): a batch of {total} samples does not split "
                    f"over {self.num_replicas} devices; use a batch_size divisible by {self.num_replicas} and "
                    "drop the remainder."
                )
            return map_structure(lambda a: jax.make_array_from_process_local_data(self.batch_sharding, a), local)
        # A batch that does not split evenly (the last one of an epoch) runs replicated: same result.
        sharding = self.batch_sharding if batch_rows(batch) % self.num_replicas == 0 else self.replicated
        return map_structure(lambda a: jax.device_put(a, sharding), batch)

    def sum_across_processes(self, values: list[np.ndarray]) -> list[np.ndarray]:
        if self.process_count == 1:
            return values
        from jax.experimental import multihost_utils

        gathered = multihost_utils.process_allgather([np.asarray(v) for v in values])
        return [np.asarray(g).sum(axis=0).astype(np.asarray(v).dtype) for g, v in zip(gathered, values)]
