"""What ``compile`` builds from its arguments: the loss of one or several outputs, their weights,
and the metrics of each output, routed by output position or output name as Keras does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import losses as losses_module
from unikeras import metrics as metrics_module
from unikeras.ops.dispatch import active


def _is_structure(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict))


def _loss_name(loss: Any) -> str | None:
    if isinstance(loss, str):
        return loss
    return getattr(loss, "name", None)


def _spec_names(spec: Any) -> str:
    return ", ".join(repr(k) for k in spec)


class OutputRouting:
    """Puts ``y_true``, ``y_pred`` and ``sample_weight`` in output order.

    Args:
        output_names: one name per model output, in the order the model returns them.
    """

    def __init__(self, output_names: Sequence[str]) -> None:
        self.output_names = list(output_names)

    @property
    def num_outputs(self) -> int:
        return len(self.output_names)

    def flatten_pred(self, y_pred: Any) -> list[Any]:
        if isinstance(y_pred, dict):
            return [y_pred[name] for name in self.output_names]
        if isinstance(y_pred, (list, tuple)):
            if len(y_pred) != self.num_outputs:
                raise ValueError(
                    f"The model returned {len(y_pred)} outputs where {self.num_outputs} were compiled for "
                    f"({self.output_names})."
                )
            return list(y_pred)
        if self.num_outputs != 1:
            raise ValueError(f"The model returned one output where {self.num_outputs} were compiled for.")
        return [y_pred]

    def flatten_target(self, value: Any, argument: str, needed: Sequence[bool] | None = None) -> list[Any]:
        """``value`` (``y`` or ``sample_weight``) as one entry per output.

        One array for several outputs applies to each (for ``sample_weight``) or is an error (``y``).
        ``needed`` marks the outputs that have a loss: a list may skip the others, as in Keras.
        """
        n = self.num_outputs
        if value is None:
            return [None] * n
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(self.output_names))
            if unknown:
                raise ValueError(
                    f"`{argument}` has keys {unknown} that are not output names; the outputs are {self.output_names}."
                )
            return [value.get(name) for name in self.output_names]
        if isinstance(value, (list, tuple)) and (n > 1 or len(value) == 1):
            if len(value) == n:
                return list(value)
            if needed is not None and len(value) == sum(needed):
                items = iter(value)
                return [next(items) if want else None for want in needed]
            raise ValueError(
                f"`{argument}` holds {len(value)} entries for a model with {n} outputs ({self.output_names})."
            )
        if n == 1:
            return [value]
        if argument == "sample_weight":
            return [value] * n
        raise ValueError(
            f"The model has {n} outputs ({self.output_names}): pass `{argument}` as a list with one entry per "
            "output or as a dict keyed by output name."
        )


def _per_output(spec: Any, routing: OutputRouting, argument: str, broadcast: bool) -> list[Any]:
    """``spec`` (one value, a list by position or a dict by output name) as one entry per output."""
    n, names = routing.num_outputs, routing.output_names
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"`{argument}` names outputs {unknown} the model does not have; its outputs: {names}.")
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)) and (not broadcast or n > 1):
        if len(spec) != n:
            raise ValueError(f"`{argument}` holds {len(spec)} entries for a model with {n} outputs ({names}).")
        return list(spec)
    if n > 1 and not broadcast:
        raise ValueError(f"`{argument}` must be a list or dict with one entry per output ({names}).")
    return [spec] * n


class CompileLoss:
    """The total training loss: ``sum_i loss_weight_i * loss_i(y_true_i, y_pred_i, sample_weight_i)``.

    Args:
        loss: one loss (applied to every output), a list with one per output, or a dict keyed
            by output name (outputs left out are not trained).
        loss_weights: ``None``, a list by output or a dict by output name (missing names weigh 1).
    """

    def __init__(self, loss: Any, loss_weights: Any = None) -> None:
        if loss is None:
            raise ValueError("compile(): `loss` is required (a name, a Loss or a function).")
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.built = False
        self.routing: OutputRouting | None = None
        self.losses: list[losses_module.Loss | None] = []
        self.loss_weights: list[float | None] = []
        self.trackers: list[metrics_module.Mean] = []
        if not _is_structure(loss):
            self.losses = [losses_module.get(loss)]  # resolve early: bad names fail in compile()

    def build(self, output_names: Sequence[str]) -> None:
        """Resolve the losses, weights and per-output loss trackers for these outputs."""
        routing = OutputRouting(output_names)
        specs = _per_output(self._user_loss, routing, "loss", broadcast=True)
        if isinstance(self._user_loss, (list, tuple)) and len(self._user_loss) == 1 and routing.num_outputs == 1:
            specs = [self._user_loss[0]]
        losses = [None if spec is None else losses_module.get(spec) for spec in specs]
        if all(loss is None for loss in losses):
            raise ValueError(f"compile(): `loss` gives no loss to any output of {routing.output_names}.")
        weights: list[Any] = [None] * routing.num_outputs
        if self._user_loss_weights is not None:
            weights = _per_output(self._user_loss_weights, routing, "loss_weights", broadcast=False)
            for name, weight in zip(routing.output_names, weights):
                if weight is not None and (not isinstance(weight, (int, float)) or isinstance(weight, bool)):
                    raise ValueError(f"`loss_weights` for output {name!r} must be a number, received {weight!r}.")
        self.routing, self.losses, self.loss_weights = routing, losses, weights
        self.trackers = []
        if routing.num_outputs > 1:
            self.trackers = [
                metrics_module.Mean(name=f"{name}_loss")
                for name, loss in zip(routing.output_names, losses)
                if loss is not None
            ]
        self.built = True

    @property
    def metrics(self) -> list[metrics_module.Mean]:
        """One running mean of the unweighted loss per output, when there are several outputs."""
        return list(self.trackers)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        if not self.built:
            self.build(_names_from_prediction(y_pred))
        routing = self.routing
        b = active()
        needed = [loss is not None for loss in self.losses]
        preds = routing.flatten_pred(y_pred)
        targets = routing.flatten_target(y_true, "y", needed)
        weights = routing.flatten_target(sample_weight, "sample_weight", needed)
        total = None
        trackers = iter(self.trackers)
        for name, loss, weight, yt, yp, sw in zip(
            routing.output_names, self.losses, self.loss_weights, targets, preds, weights
        ):
            if loss is None:
                continue
            if yt is None:
                raise ValueError(f"No target `y` given for output {name!r}, which has a loss.")
            value = loss(yt, yp, sw)
            if routing.num_outputs > 1:
                next(trackers).update_state(value, sample_weight=b.shape(yp)[0])
            if weight is not None and weight != 1:
                value = b.multiply(value, float(weight))
            total = value if total is None else b.add(total, value)
        return total


def _names_from_prediction(y_pred: Any) -> list[str]:
    if isinstance(y_pred, dict):
        return list(y_pred)
    if isinstance(y_pred, (list, tuple)):
        return [f"output_{i + 1}" for i in range(len(y_pred))]
    return ["output"]


class CompileMetrics(metrics_module.Metric):
    """The compiled metrics of every output, behind one ``update_state(y_true, y_pred, sample_weight)``.

    ``metrics`` are updated without sample weights and ``weighted_metrics`` with them, as in Keras.
    With several outputs each takes a list (one entry, a metric or a list of metrics, per output)
    or a dict keyed by output name; their log names get the output name as a prefix.

    Args:
        metrics: as ``compile(metrics=...)``.
        weighted_metrics: as ``compile(weighted_metrics=...)``.
        loss: the compiled loss spec, which picks the accuracy that ``"accuracy"`` means per output.
    """

    def __init__(self, metrics: Any, weighted_metrics: Any = None, loss: Any = None) -> None:
        super().__init__(name="compile_metrics")
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not _is_structure(value):
                raise ValueError(f"compile(): `{argument}` must be a list or a dict, received {value!r}.")
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self._loss = loss
        self.built = False
        self.routing: OutputRouting | None = None
        self._entries: list[tuple[str, int, bool, metrics_module.Metric]] = []

    def build(self, output_names: Sequence[str]) -> None:
        """Create the metric objects for these outputs (their state Variables included)."""
        routing = OutputRouting(output_names)
        several = routing.num_outputs > 1
        loss_specs = (
            _per_output(self._loss, routing, "loss", broadcast=True)
            if self._loss is not None
            else [None] * routing.num_outputs
        )
        if isinstance(self._loss, (list, tuple)) and len(self._loss) == 1 and not several:
            loss_specs = [self._loss[0]]
        entries: list[tuple[str, int, bool, metrics_module.Metric]] = []
        taken: set[str] = set()
        for weighted, spec, argument in (
            (False, self._user_metrics, "metrics"),
            (True, self._user_weighted_metrics, "weighted_metrics"),
        ):
            if not spec:
                continue
            if several:
                per_output = _per_output(spec, routing, argument, broadcast=False)
            else:
                per_output = [_single_output_list(spec, argument)]
            for index, group in enumerate(per_output):
                if group is None:
                    continue
                for identifier in group if isinstance(group, (list, tuple)) else [group]:
                    metric = metrics_module.get(identifier, _loss_name(loss_specs[index]))
                    log_name = f"{routing.output_names[index]}_{metric.name}" if several else metric.name
                    if log_name in taken and weighted:
                        log_name = (
                            f"{routing.output_names[index]}_weighted_{metric.name}"
                            if several
                            else f"weighted_{metric.name}"
                        )
                    base, suffix = log_name, 1
                    while log_name in taken:
                        log_name, suffix = f"{base}_{suffix}", suffix + 1
                    taken.add(log_name)
                    entries.append((log_name, index, weighted, metric))
        self.routing, self._entries = routing, entries
        self._variables = [v for _, _, _, m in entries for v in m.variables]
        self.built = True

    def build_states(self, y_true: Any, output_shapes: Sequence[Any]) -> None:
        """Let metrics whose state depends on the data's shape (``F1Score``) create it now,
        from the targets and the output shapes, before a compiled step collects the variables."""
        targets = self.routing.flatten_target(y_true, "y")
        for _, index, _, metric in self._entries:
            if targets[index] is not None:
                metric.build_state(tuple(np.shape(targets[index])), tuple(output_shapes[index]))
        self._variables = [v for _, _, _, m in self._entries for v in m.variables]

    @property
    def metrics(self) -> list[metrics_module.Metric]:
        return [m for _, _, _, m in self._entries]

    @property
    def log_names(self) -> list[str]:
        return [name for name, _, _, _ in self._entries]

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if not self.built:
            self.build(_names_from_prediction(y_pred))
        if not self._entries:
            return
        preds = self.routing.flatten_pred(y_pred)
        targets = self.routing.flatten_target(y_true, "y")
        weights = self.routing.flatten_target(sample_weight, "sample_weight")
        for _, index, weighted, metric in self._entries:
            if targets[index] is None:
                continue
            metric.update_state(targets[index], preds[index], weights[index] if weighted else None)

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def result(self) -> dict[str, Any]:
        """Each metric's result under its log name."""
        results: dict[str, Any] = {}
        for name, _, _, metric in self._entries:
            value = metric.result()
            if isinstance(value, dict):
                results.update({f"{name}_{key}": v for key, v in value.items()})
            else:
                results[name] = value
        return results

    def get_config(self) -> dict:
        return {"metrics": self._user_metrics, "weighted_metrics": self._user_weighted_metrics}


def _single_output_list(spec: Any, argument: str) -> list[Any]:
    """The metrics of a one-output model, given as a list or as a one-entry list or dict."""
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise ValueError(f"`{argument}` names {len(spec)} outputs ({_spec_names(spec)}); the model has one.")
        (spec,) = spec.values()
    items = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        items = list(items[0])
    return items
