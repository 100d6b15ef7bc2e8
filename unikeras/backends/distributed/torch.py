"""torch: ``torch.distributed`` (gloo on CPU, nccl on GPU), one process per replica, started by ``torchrun``."""

from __future__ import annotations

import datetime
import os
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from unikeras.distribution.engine import DistributionError, Engine, shard_rows

LAUNCHER_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def launched() -> bool:
    """Whether ``torchrun`` (or a launcher setting the same variables) started this process."""
    return all(name in os.environ for name in LAUNCHER_VARIABLES)


def initialize(timeout_s: float) -> None:
    """Join the process group that ``torchrun``'s environment describes (once per process)."""
    if dist.is_initialized():
        return
    engine = "nccl" if torch.cuda.is_available() else "gloo"
    if engine == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(engine, timeout=datetime.timedelta(seconds=timeout_s))


class TorchEngine(Engine):
    """Gradients averaged with ``all_reduce`` over the process group; each process trains on its rows."""

    backend = "torch"

    def __init__(self) -> None:
        if not dist.is_initialized():
            raise DistributionError(
                "DataParallel on torch needs the process group: start the program with torchrun "
                "(torchrun --nproc_per_node=N script.py) and call unikeras.distribution.initialize() first."
            )
        self.process_index = dist.get_rank()
        self.process_count = self.num_replicas = dist.get_world_size()
        self._weight = 1.0

    def prepare(self, model: Any) -> None:
        with torch.no_grad():
            for variable in model.variables:
                self._collective("broadcast", dist.broadcast, variable.handle.data, src=0)

    def local_batch(self, batch: tuple) -> tuple:
        part, rows, total = shard_rows(batch, self.process_index, self.process_count)
        # Uneven parts (a last partial batch): weight each replica's mean-loss gradient by its share.
        self._weight = rows * self.process_count / total
        return part

    def reduce_gradients(self, grads: list[Any]) -> list[Any]:
        present = [g for g in grads if g is not None]
        if not present:
            return grads
        flat = torch.cat([g.reshape(-1) for g in present])
        if self._weight != 1.0:
            flat = flat * self._weight
        self._collective("all_reduce", dist.all_reduce, flat)
        flat = flat / self.process_count
        out, offset = [], 0
        for g in grads:
            if g is None:
                out.append(None)
                continue
            out.append(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()
        return out

    def sum_across_processes(self, values: list[np.ndarray]) -> list[np.ndarray]:
        flat = torch.from_numpy(np.concatenate([np.asarray(v, np.float64).reshape(-1) for v in values]))
        self._collective("all_reduce", dist.all_reduce, flat)
        out, offset, summed = [], 0, flat.numpy()
        for v in values:
            size = int(np.size(v))
            out.append(summed[offset : offset + size].reshape(np.shape(v)).astype(np.asarray(v).dtype))
            offset += size
        return out

    def _collective(self, name: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except (RuntimeError, dist.DistBackendError) as err:
            raise DistributionError(
                f"DataParallel (torch): {name} across {self.process_count} processes failed on rank "
                f"{self.process_index}; another worker probably died or timed out: {err}"
            ) from err

    def shutdown(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()
