"""mxnet: MXNet's KVStore ``dist_sync`` (ps-lite), one worker process per replica, started by
``python -m unikeras.distribution.mxnet_launch -n N script.py``.

Each worker trains on its rows of every global batch; the gradients are summed on the servers
(``pushpull`` on one flat buffer per dtype, one key each) and averaged. A global batch that does not
divide evenly is split as ``numpy.array_split`` does, each worker's mean-loss gradient weighted by its
share of the rows: the same update as one process on the whole batch. Integers and metric totals
travel as float64 (ps-lite sums floating-point values only; integers are exact below 2**53).

Not covered: the single-process ``local`` / ``device`` KVStore over several contexts. unikeras keeps
one copy of the weights per process, so each worker process drives one context (the adapter's device).
ps-lite has no timeout: a worker whose peer died waits forever, and ``mxnet_launch`` (the watchdog)
kills the run.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import numpy as np

from unikeras.backends.mxnet import mnp, mx  # the adapter's import (with its NumPy fix)
from unikeras.distribution.engine import DistributionError, Engine, shard_rows

LAUNCH_HINT = "python -m unikeras.distribution.mxnet_launch -n 2 script.py"
_EXACT_INTEGERS = 2**53

_kvstore: Any = None
_keys: dict[tuple[str, int], int] = {}  # (dtype, size) -> the kvstore key initialised for it


def launched() -> bool:
    """Whether ``mxnet_launch`` (or a launcher setting ps-lite's variables) started this process as a worker."""
    return os.environ.get("DMLC_ROLE") == "worker"


def initialize() -> Any:
    """The ``dist_sync`` KVStore of this worker (created once per process; blocks until every node joined)."""
    global _kvstore
    if _kvstore is None:
        if not launched():
            role = os.environ.get("DMLC_ROLE")
            raise DistributionError(
                f"DataParallel on mxnet needs a dist_sync KVStore worker (DMLC_ROLE=worker), found DMLC_ROLE={role!r}: "
                f"start the program with the launcher ({LAUNCH_HINT}) and call unikeras.distribution.initialize() "
                "first."
            )
        _kvstore = mx.kv.create("dist_sync")
        rank_file = os.environ.get("UNIKERAS_MXNET_RANK_FILE")  # mxnet_launch names workers by rank in its messages
        if rank_file:
            with contextlib.suppress(OSError), open(rank_file, "w") as f:
                f.write(str(_kvstore.rank))
    return _kvstore


class MXNetEngine(Engine):
    """Gradients summed by the KVStore's servers over the workers; each worker trains on its rows."""

    backend = "mxnet"

    def __init__(self) -> None:
        self._kv = initialize()
        self.process_index = self._kv.rank
        self.process_count = self.num_replicas = self._kv.num_workers
        self._weight = 1.0

    def prepare(self, model: Any) -> None:
        variables = model.variables
        values = [v.handle.asnumpy() for v in variables]
        if not self.is_chief:  # a sum of the chief's values and zeros: the chief's weights everywhere
            values = [np.zeros_like(v) for v in values]
        for variable, value in zip(variables, self.sum_across_processes(values)):
            variable.assign(value)

    def local_batch(self, batch: tuple) -> tuple:
        part, rows, total = shard_rows(batch, self.process_index, self.process_count)
        # Uneven parts (a last partial batch): weight each replica's mean-loss gradient by its share.
        self._weight = rows * self.process_count / total
        return part

    def reduce_gradients(self, grads: list[Any]) -> list[Any]:
        groups: dict[str, list[int]] = {}
        for i, g in enumerate(grads):
            if g is not None:
                groups.setdefault(str(g.dtype), []).append(i)
        out = list(grads)
        for indices in groups.values():
            parts = [grads[i].reshape(-1) for i in indices]
            flat = parts[0] if len(parts) == 1 else mnp.concatenate(parts)
            if self._weight != 1.0:
                flat = flat * self._weight
            summed = self._sum(flat.as_nd_ndarray()).as_np_ndarray() / self.process_count
            offset = 0
            for i in indices:
                size = grads[i].size
                out[i] = summed[offset : offset + size].reshape(grads[i].shape)
                offset += size
        return out

    def sum_across_processes(self, values: list[np.ndarray]) -> list[np.ndarray]:
        arrays = [np.asarray(v) for v in values]
        if sum(a.size for a in arrays) == 0:
            return arrays
        flat = np.concatenate([a.reshape(-1).astype(np.float64) for a in arrays])
        summed = self._sum(mx.nd.array(flat, dtype="float64")).asnumpy()
        out, offset = [], 0
        for a in arrays:
            part = summed[offset : offset + a.size].reshape(a.shape)
            offset += a.size
            if a.dtype.kind in "iub":
                if np.abs(part).max(initial=0) >= _EXACT_INTEGERS:
                    raise DistributionError(
                        f"DataParallel (mxnet): an integer total reached {np.abs(part).max():.0f}; the KVStore sums "
                        "float64, exact only below 2**53."
                    )
                part = np.rint(part)
            out.append(part.astype(a.dtype))
        return out

    def _sum(self, flat: Any) -> Any:
        """``flat`` (a 1-D legacy NDArray) summed over every worker: ``pushpull`` on its (dtype, size) key."""
        spec = (str(flat.dtype), int(flat.size))
        key = _keys.get(spec)
        if key is None:  # a collective too: every worker meets the same shapes in the same order
            key = _keys[spec] = len(_keys)
            self._kv.init(key, mx.nd.zeros(flat.shape, dtype=flat.dtype))
        out = mx.nd.empty(flat.shape, dtype=flat.dtype)
        self._kv.pushpull(key, flat, out=out)
        return out
