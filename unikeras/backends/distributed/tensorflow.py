"""tensorflow: ``tf.distribute.MirroredStrategy`` over the devices of one process.

unikeras keeps one copy of the weights (plain ``tf.Variable`` objects, made outside any strategy
scope). Each global batch is cut into one part per device; ``strategy.run`` runs the training step
once per device on its part, and the gradients meet in ``merge_call``: the strategy reduces them
(a mean) and the optimizer applies them once, in cross-replica context. Metric variables are
updated by every replica in turn (the traced step orders the updates of one variable), so they
hold the totals of the whole batch. A model that overrides ``train_step`` runs the same way; its
logs are rebuilt from the replicas' as one process would report them (``_step_with_logs``).

Several processes (``TF_CONFIG`` lists them, ``initialize()`` reads it): the same step runs under
``tf.distribute.MultiWorkerMirroredStrategy``, whose collectives reduce the gradients of every
replica of every process; each process keeps its own copy of the weights and applies the same
update to it.

On a CPU-only host, split the CPU into logical devices before TensorFlow starts::

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from unikeras.distribution.engine import DistributionError, Engine, batch_rows, shard_rows
from unikeras.trainers.data_adapters.data_adapter_utils import map_structure

_multi_worker: Any = None  # the MultiWorkerMirroredStrategy that initialize() made, if any


def read_tf_config(text: str) -> tuple[int, int]:
    """``(processes, this process's index)`` of a ``TF_CONFIG`` value: its ``chief`` and ``worker``
    tasks, the chief (or else worker 0) first."""
    try:
        config = json.loads(text)
        cluster, task = config.get("cluster", {}), config.get("task", {})
        chiefs = len(cluster.get("chief", ()))
        count = chiefs + len(cluster.get("worker", ()))
        kind, index = task.get("type", "worker"), int(task.get("index", 0))
    except (ValueError, AttributeError, TypeError) as err:
        raise ValueError(
            "initialize(): TF_CONFIG is not the JSON TensorFlow expects "
            f'({{"cluster": {{"worker": [...]}}, "task": {{"type": "worker", "index": 0}}}}), received {text[:200]!r}.'
        ) from err
    if kind not in ("chief", "worker"):
        raise ValueError(
            f"initialize(): TF_CONFIG's task type must be 'chief' or 'worker' to train, received {kind!r}."
        )
    return max(count, 1), index if kind == "chief" else index + chiefs


def initialize_multi_worker(timeout_s: float) -> None:
    """Join the processes ``TF_CONFIG`` lists: ``MultiWorkerMirroredStrategy`` (before any other TensorFlow work);
    a collective that waits longer than ``timeout_s`` fails."""
    global _multi_worker
    if _multi_worker is None:
        options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout_s)
        _multi_worker = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def default_devices() -> list[str]:
    """The logical GPUs of this process, or its logical CPUs when it has no GPU."""
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    return [d.name for d in devices]


def device_names(devices: list[Any] | None) -> list[str]:
    """TensorFlow device names for ``devices`` (``"cpu:1"``, ``"/device:GPU:0"`` or ``LogicalDevice``)."""
    if devices is None:
        return default_devices()
    known = {d.name.lower(): d.name for d in tf.config.list_logical_devices()}
    names = []
    for device in devices:
        name = getattr(device, "name", device)
        if not isinstance(name, str):
            raise TypeError(
                f"DataParallel (tensorflow): `devices` holds {type(device).__name__}; expected device names such as "
                "'cpu:0' or tf.config.LogicalDevice objects."
            )
        key = name.lower()
        if not key.startswith("/"):
            key = f"/device:{key}"
        key = key.replace("/job:localhost/replica:0/task:0", "")
        match = next((full for low, full in known.items() if low.endswith(key)), None)
        if match is None:
            raise ValueError(
                f"DataParallel (tensorflow): unknown device {device!r}; this process has {sorted(known.values())} "
                "(split the CPU with tf.config.set_logical_device_configuration before TensorFlow starts)."
            )
        names.append(match)
    if not names:
        raise ValueError("DataParallel: `devices` must name at least one device, received an empty list.")
    return names


def _reduce_pairs(strategy: Any, values: list[Any]) -> list[tuple[Any, Any]]:
    """``(value, destination)`` for an all-reduce landing on this process's replicas' devices.

    With one replica per process the strategy hands over plain tensors that a graph has not
    placed yet: they are placed on the replica's device so that the reduction is batched.
    """
    pairs = []
    for value in values:
        if not isinstance(value, tf.distribute.DistributedValues):
            device = strategy.extended.worker_devices[0]
            with tf.device(device):
                value = tf.identity(value)
        pairs.append((value, value))
    return pairs


def _replica_sum(parts: list[Any]) -> list[Any]:
    """In a replica: the sums of ``parts`` over every replica (copies on this process's devices)."""

    def reduce(strategy: Any, parts: list[Any]) -> list[Any]:
        return strategy.extended.batch_reduce_to(tf.distribute.ReduceOp.SUM, _reduce_pairs(strategy, parts))

    return tf.distribute.get_replica_context().merge_call(reduce, args=(parts,))


def _on_device(strategy: Any, mirrored: Any, variable: Any) -> Any:
    """The copy of an all-reduced value that sits on ``variable``'s device (else the first)."""
    copies = strategy.experimental_local_results(mirrored)
    device = tf.DeviceSpec.from_string(variable.handle.device)
    for copy in copies:
        if tf.DeviceSpec.from_string(copy.device) == device:
            return copy
    return copies[0]


_MISSING = object()


class _MetricResults:
    """While the replicas' step is traced: which tensors are results of ``metrics`` (``metric.result()``).

    Every replica updates the same metric variables in turn, so a result read inside the step by all
    but the last replica misses the later replicas' updates; a log that is a metric's result is read
    again after the step instead, from the state that every replica has updated. While the context is
    open (the trace only), each metric's ``result`` is wrapped on the instance to note what it returns.
    """

    def __init__(self, metrics: list[Any]) -> None:
        self.metrics = _all_metrics(metrics)
        self.found: dict[int, tuple[Any, Any, Any]] = {}  # id(tensor) -> (tensor, metric, key in its result)
        self._saved: list[tuple[Any, Any]] = []

    def __enter__(self) -> _MetricResults:
        for metric in self.metrics:
            self._saved.append((metric, metric.__dict__.get("result", _MISSING)))
            metric.result = self._recording(metric, metric.result)
        return self

    def __exit__(self, *exc: Any) -> None:
        for metric, saved in reversed(self._saved):
            if saved is _MISSING:
                del metric.__dict__["result"]
            else:
                metric.result = saved
        self._saved = []

    def _recording(self, metric: Any, result: Callable[[], Any]) -> Callable[[], Any]:
        def recording_result() -> Any:
            value = result()
            for key, tensor in value.items() if isinstance(value, dict) else [(None, value)]:
                self.found[id(tensor)] = (tensor, metric, key)
            return value

        return recording_result

    def source(self, value: Any) -> tuple[Any, Any] | None:
        """``(metric, key)`` when ``value`` is (an entry of) a metric's result, else ``None``."""
        found = self.found.get(id(value))
        return None if found is None or found[0] is not value else found[1:]


def _all_metrics(metrics: list[Any]) -> list[Any]:
    """``metrics`` and the metrics they hold (a container such as the compiled metrics), once each."""
    out: list[Any] = []
    pending = list(metrics)
    while pending:
        metric = pending.pop(0)
        if any(metric is m for m in out):
            continue
        out.append(metric)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            pending.extend(inner)
    return out


class TensorFlowEngine(Engine):
    """``MirroredStrategy`` over ``devices`` of this process (one shared copy of the weights, updated
    once a step), or, after ``initialize()`` read a ``TF_CONFIG`` of several processes, the
    ``MultiWorkerMirroredStrategy`` it made (a copy per process, the chief's broadcast by ``prepare``).

    A global batch that does not split evenly (the last of an epoch) is cut as ``numpy.array_split``
    cuts it; each replica's mean-loss gradient is then weighted by its share of the rows
    (``rows * replicas / total``), so the mean over the replicas is the gradient of the whole batch.
    """

    backend = "tensorflow"

    def __init__(self, devices: list[Any] | None = None) -> None:
        if _multi_worker is not None:  # initialize() read a TF_CONFIG of several processes
            if devices is not None:
                raise ValueError(
                    "DataParallel (tensorflow, several processes): `devices` cannot be chosen; "
                    "MultiWorkerMirroredStrategy uses every GPU of each process, or its CPU."
                )
            self.strategy = _multi_worker
            self.process_count, self.process_index = read_tf_config(os.environ["TF_CONFIG"])
            self.devices = list(self.strategy.extended.worker_devices)
        else:
            self.devices = device_names(devices)
            self.strategy = tf.distribute.MirroredStrategy(devices=self.devices)
            self.process_index, self.process_count = 0, 1
        self.num_replicas = self.strategy.num_replicas_in_sync
        self._local_replicas = len(self.strategy.extended.worker_devices)
        self._run_sum: Callable[..., Any] | None = None
        self._rows: list[int] = [0] * self.num_replicas
        self._local = threading.local()  # the replica's gradient weight, set while its step is traced
        self._model: Any = None

    def local_batch(self, batch: tuple) -> tuple:
        count = self.num_replicas
        parts = [shard_rows(batch, r, count)[0] for r in range(count)]
        self._rows = [batch_rows(part) for part in parts]

        def distribute(index: int) -> Any:
            # value_fn runs under each replica's device scope: the tensors are made on that device
            return self.strategy.experimental_distribute_values_from_function(
                lambda context: map_structure(tf.convert_to_tensor, parts[context.replica_id_in_sync_group][index])
            )

        return tuple(None if value is None else distribute(i) for i, value in enumerate(parts[0]))

    def wrap_step(self, step: Callable[..., Any]) -> Callable[..., Any]:
        # strategy.run must trace the Python step itself: a tf.function nested in it cannot reach the
        # merge_call that applies the gradients once.
        python_function = getattr(step, "python_function", None)
        if python_function is None:
            raise TypeError(
                "DataParallel (tensorflow): wrap_step expects fit's training step, whose `python_function` is the "
                f"step to run per replica; received {type(step).__name__} without one."
            )
        record_logs = getattr(step, "record_logs", None)  # an overridden train_step: its logs are recorded
        strategy, local = self.strategy, self._local

        def replica_step(*args: Any) -> Any:
            rows = batch_rows(args)  # static: every shape is part of the trace's signature
            total = sum(self._rows)
            local.weight = rows * self.num_replicas / total if total else 1.0
            try:
                return python_function(*args)
            finally:
                local.weight = None

        @tf.function(autograph=False)
        def distributed_step(*args: Any) -> Any:
            if record_logs is None:
                return strategy.run(replica_step, args=args)
            return self._step_with_logs(replica_step, record_logs, args)

        def run(*args: Any) -> Any:
            out = self._collective("the training step", distributed_step, *args)
            if record_logs is not None:
                record_logs(out)
            return out

        return run

    def _step_with_logs(self, replica_step: Callable[..., Any], check: Callable[[Any], Any], args: tuple) -> dict:
        """Run an overridden ``train_step`` per replica and return the logs one process would report
        (traced, in cross-replica context).

        A log that is a metric's ``result()`` is read again after every replica's update (the metric
        variables then hold the whole global batch's totals; with several processes their per-step
        changes are first summed over the processes). Any other log (a loss tensor returned as it is)
        is the mean over the replicas weighted by their rows: for a per-replica mean over samples, the
        global batch's mean.
        """
        strategy, model = self.strategy, self._model
        metrics = list(model.metrics) if model is not None else []
        metric_variables = list(model.metric_variables) if model is not None else []
        several = self.process_count > 1
        before = [v.value for v in metric_variables] if several else []
        names: list[str] = []
        from_metrics: dict[str, tuple[Any, Any]] = {}

        def replica_logs(*args: Any) -> dict:
            logs = replica_step(*args)
            if not isinstance(logs, dict):
                check(logs)  # raises: the step must return a dict of logs
            rows, total = batch_rows(args), sum(self._rows)
            weighted = {}
            for name, value in logs.items():
                if name not in names:
                    names.append(name)
                source = results.source(value)
                if source is not None:
                    from_metrics[name] = source
                    continue
                value = tf.convert_to_tensor(value)
                value = value if value.dtype.is_floating else tf.cast(value, tf.float32)
                weighted[name] = value * tf.cast(rows / total if total else 1.0, value.dtype)
            return weighted

        with _MetricResults(metrics) as results:
            per_replica = strategy.run(replica_logs, args=args)
        means = {k: tf.add_n(list(strategy.experimental_local_results(v))) for k, v in per_replica.items()}
        if several:  # each process's replicas updated its own metric variables: add the other processes' changes
            changes = [tf.cast(v.value - b, tf.float64) for v, b in zip(metric_variables, before)]
            summed = self._sum_in_step(changes + [tf.cast(m, tf.float64) for m in means.values()])
            for variable, old, change in zip(metric_variables, before, summed):
                variable.assign(old + tf.cast(change, old.dtype))
            means = {k: tf.cast(t, means[k].dtype) for k, t in zip(means, summed[len(changes) :])}
        logs, read = {}, {}
        for name in names:
            if name in from_metrics:
                metric, key = from_metrics[name]
                if id(metric) not in read:
                    read[id(metric)] = metric.result()
                logs[name] = read[id(metric)] if key is None else read[id(metric)][key]
            else:
                logs[name] = means[name]
        return logs

    def _sum_in_step(self, values: list[Any]) -> list[Any]:
        """In the traced step (cross-replica context): the sums of ``values`` over the processes (each
        process's value counted once)."""
        if not values:
            return []
        local = self._local_replicas

        def once_per_process(values: list[Any]) -> list[Any]:
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            first = tf.equal(tf.math.floormod(replica, local), 0)
            return _replica_sum([tf.where(first, v, tf.zeros_like(v)) for v in values])

        summed = self.strategy.run(once_per_process, args=(values,))
        return [self.strategy.experimental_local_results(s)[0] for s in summed]

    def prepare(self, model: Any) -> None:
        self._model = model  # its metrics: an overridden train_step's logs are read from them
        if self.process_count == 1:
            return  # one copy of the weights
        variables = model.variables
        first = [v.value for v in variables]  # the chief's values reach every process (a sum: zeros elsewhere)
        for variable, value in zip(variables, self._sum_from_first(first, chief_only=True)):
            variable.assign(value)

    def sum_across_processes(self, values: list[np.ndarray]) -> list[np.ndarray]:
        if self.process_count == 1:
            return values  # one process: the metric variables already hold every replica's totals
        flat = np.concatenate([np.asarray(v, np.float64).reshape(-1) for v in values])
        summed, out, offset = self._sum_from_first([tf.constant(flat)], chief_only=False)[0].numpy(), [], 0
        for v in values:
            size = int(np.size(v))
            out.append(summed[offset : offset + size].reshape(np.shape(v)).astype(np.asarray(v).dtype))
            offset += size
        return out

    def _sum_from_first(self, values: list[Any], chief_only: bool) -> list[Any]:
        """Sums over the processes of ``values`` as given by each process's first replica (by the chief's
        only when ``chief_only``): an all-reduce of the strategy."""
        local = self._local_replicas

        def value_fn(context: Any) -> list[Any]:
            replica = context.replica_id_in_sync_group
            keep = replica == 0 if chief_only else replica % local == 0
            return [tf.identity(v) if keep else tf.zeros_like(v) for v in values]

        distributed = self.strategy.experimental_distribute_values_from_function(value_fn)

        if self._run_sum is None:
            self._run_sum = tf.function(lambda parts: self.strategy.run(_replica_sum, args=(parts,)), autograph=False)
        summed = self._collective("an all-reduce", self._run_sum, distributed)
        return [self.strategy.experimental_local_results(s)[0] for s in summed]

    def _collective(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except (
            tf.errors.UnavailableError,
            tf.errors.DeadlineExceededError,
            tf.errors.CancelledError,
            tf.errors.AbortedError,
        ) as err:
            if self.process_count == 1:
                raise
            raise DistributionError(
                f"DataParallel (tensorflow): {name} across {self.process_count} processes failed on process "
                f"{self.process_index}; another worker probably died or timed out: {type(err).__name__}: {err}"
            ) from err

    def apply_gradients(self, apply: Callable[[list, list], None], grads: list[Any], variables: list[Any]) -> None:
        if not tf.distribute.has_strategy() or tf.distribute.in_cross_replica_context():
            apply(grads, variables)  # outside strategy.run (e.g. a custom loop): one replica
            return
        weight = getattr(self._local, "weight", None)
        if weight is not None and weight != 1.0:
            grads = [None if g is None else g * tf.cast(weight, g.dtype) for g in grads]

        def apply_once(strategy: Any, grads: list[Any]) -> None:
            # Cross-replica (the first replica's closure runs): one batched all-reduce of the replicas'
            # gradients (a mean), then one update of the shared weights with the copy on their device.
            present = _reduce_pairs(strategy, [g for g in grads if g is not None])
            reduced = iter(strategy.extended.batch_reduce_to(tf.distribute.ReduceOp.MEAN, present) if present else ())
            averaged = [None if g is None else _on_device(strategy, next(reduced), v) for g, v in zip(grads, variables)]
            apply(averaged, variables)

        tf.distribute.get_replica_context().merge_call(apply_once, args=(grads,))
