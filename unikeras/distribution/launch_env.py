"""Joining a distributed run from the environment a launcher sets."""

from __future__ import annotations

import os
import warnings

from unikeras import config

DEFAULT_TIMEOUT_S = 120.0
# jax across processes: what initialize() takes when its arguments are not given
JOB_ADDRESSES_VARIABLE = "UNIKERAS_DISTRIBUTION_JOB_ADDRESSES"
NUM_PROCESSES_VARIABLE = "UNIKERAS_DISTRIBUTION_NUM_PROCESSES"
PROCESS_ID_VARIABLE = "UNIKERAS_DISTRIBUTION_PROCESS_ID"


def initialize(
    job_addresses: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    timeout: float | None = None,
) -> None:
    """Join the distributed run the launcher described, on the configured backend.

    torch: the process group from ``torchrun``'s variables (``RANK``, ``WORLD_SIZE``,
    ``MASTER_ADDR``, ``MASTER_PORT``). jax: ``jax.distributed.initialize`` when ``job_addresses``
    (the coordinator's ``host:port``), ``num_processes`` and ``process_id`` are given (or the
    variables ``UNIKERAS_DISTRIBUTION_JOB_ADDRESSES``, ``UNIKERAS_DISTRIBUTION_NUM_PROCESSES``,
    ``UNIKERAS_DISTRIBUTION_PROCESS_ID``), or with ``JAX_COORDINATOR_ADDRESS`` set, what JAX
    detects itself (SLURM, ...); otherwise the devices of this host. mxnet: the ``dist_sync``
    KVStore of a worker that ``mxnet_launch`` started (``DMLC_ROLE=worker``; ps-lite has no timeout,
    the launcher's ``--timeout`` bounds the run). tensorflow: ``MultiWorkerMirroredStrategy`` over the
    processes that ``TF_CONFIG`` lists (call it before any other TensorFlow work); without ``TF_CONFIG``
    the devices of this process (``MirroredStrategy``). Without a launcher the
    program runs as one process, with a warning when ``num_processes`` asked for more.

    Args:
        job_addresses: jax: the coordinator's address, ``"host:port"``.
        num_processes: how many processes the run expects.
        process_id: this process's index (jax; torchrun sets ``RANK``).
        timeout: seconds a collective may wait for the others before failing (default 120).
    """
    timeout_s = DEFAULT_TIMEOUT_S if timeout is None else float(timeout)
    backend = config.backend()
    if backend == "torch":
        from unikeras.backends.distributed import torch as torch_engine

        if torch_engine.launched():
            expected = os.environ["WORLD_SIZE"]
            if num_processes is not None and int(expected) != num_processes:
                raise ValueError(
                    f"initialize(): num_processes={num_processes} but the launcher started WORLD_SIZE={expected} "
                    "processes."
                )
            torch_engine.initialize(timeout_s)
            return
    elif backend == "jax":
        job_addresses = job_addresses or os.environ.get(JOB_ADDRESSES_VARIABLE)
        if num_processes is None and os.environ.get(NUM_PROCESSES_VARIABLE):
            num_processes = int(os.environ[NUM_PROCESSES_VARIABLE])
        if process_id is None and os.environ.get(PROCESS_ID_VARIABLE):
            process_id = int(os.environ[PROCESS_ID_VARIABLE])
        if job_addresses or os.environ.get("JAX_COORDINATOR_ADDRESS"):
            from unikeras.backends.distributed import jax as jax_engine

            jax_engine.initialize_processes(job_addresses, num_processes, process_id, timeout_s)
            return
        if not num_processes or num_processes == 1:
            return  # one host: the devices are the replicas, nothing to join
    elif backend == "mxnet":
        from unikeras.backends.distributed import mxnet as mxnet_engine

        if mxnet_engine.launched():  # mxnet_launch's worker; ps-lite has no timeout (the launcher's watchdog)
            expected = os.environ.get("DMLC_NUM_WORKER")
            if num_processes is not None and str(num_processes) != expected:
                raise ValueError(
                    f"initialize(): num_processes={num_processes} but the launcher started DMLC_NUM_WORKER={expected} "
                    "workers."
                )
            mxnet_engine.initialize()
            return
    elif backend == "tensorflow" and os.environ.get("TF_CONFIG"):
        from unikeras.backends.distributed import tensorflow as tensorflow_engine

        workers, _ = tensorflow_engine.read_tf_config(os.environ["TF_CONFIG"])
        if num_processes is not None and num_processes != workers:
            raise ValueError(f"initialize(): num_processes={num_processes} but TF_CONFIG lists {workers} workers.")
        if workers > 1:
            tensorflow_engine.initialize_multi_worker(timeout_s)
        return
    if num_processes is not None and num_processes > 1:
        warnings.warn(
            f"initialize(): num_processes={num_processes} was asked for, but no launcher environment was found for "
            f"backend {backend!r} (torch: start with torchrun; jax: pass job_addresses; "
            "mxnet: start with python -m unikeras.distribution.mxnet_launch; tensorflow: TF_CONFIG). "
            "Running as one process.",
            stacklevel=2,
        )
