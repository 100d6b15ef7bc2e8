"""MultiOptimizer and OptimizerMap: different optimizers for different variables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

from unikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


def _path(variable: Variable) -> str:
    """The key a variable is looked up by: its ``path`` where it has one, else its name."""
    return getattr(variable, "path", None) or variable.name


def _serialize(optimizer: Optimizer) -> dict:
    from unikeras.optimizers import serialize

    return serialize(optimizer)


def _deserialize(config: Any, custom_objects: dict | None) -> Any:
    from unikeras.optimizers import deserialize

    return deserialize(config, custom_objects) if isinstance(config, dict) and "class_name" in config else config


class OptimizerMap(MutableMapping):
    """Maps variables to optimizers by key: a variable's path (in unikeras, its name) or a regular
    expression matching it whole (``re.fullmatch``); an exact key wins, a variable matching no key
    gets ``default_optimizer``, one matching several keys is an error.

    Args:
        default_optimizer: the ``Optimizer`` of unmapped variables.
        optimizer_map: a dict ``{key: Optimizer}``.
    """

    def __init__(self, default_optimizer: Optimizer, optimizer_map: dict[str, Optimizer] | None = None) -> None:
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map: dict[str, Optimizer] = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: patterns {matches} all match it.")
        return self._optimizer_map[matches[0]] if matches else self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap; keys must not repeat.")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self) -> Iterator[str]:
        return iter(self._optimizer_map)

    def __call__(self, variable: Variable) -> Optimizer:
        return self[_path(variable)]

    def get_config(self) -> dict:
        return {
            "default_optimizer": _serialize(self._default_optimizer),
            "optimizer_map": {key: _serialize(opt) for key, opt in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> OptimizerMap:
        default = _deserialize(config["default_optimizer"], custom_objects)
        mapping = {key: _deserialize(c, custom_objects) for key, c in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer an ``OptimizerMap`` (or a callable
    ``variable -> Optimizer``) picks for it. Each sub-optimizer keeps its own learning rate,
    slots and ``iterations``; the MultiOptimizer counts its own updates. It has no learning rate
    of its own: reading or setting ``learning_rate`` raises ``AttributeError``.

    Args:
        optimizer_map: an ``OptimizerMap`` or a callable returning the optimizer of a variable.
        loss_scale_factor: only None is supported (unikeras optimizers have no loss scale factor;
            use ``LossScaleOptimizer`` for float16 training).
        name: display name.
    """

    def __init__(
        self,
        optimizer_map: OptimizerMap | Callable[[Variable], Optimizer],
        loss_scale_factor: float | None = None,
        name: str | None = None,
    ) -> None:
        if loss_scale_factor is not None:
            raise ValueError(
                f"MultiOptimizer: `loss_scale_factor` is not supported by unikeras optimizers. Received: "
                f"loss_scale_factor={loss_scale_factor}"
            )
        if not callable(optimizer_map):
            raise TypeError(
                f"MultiOptimizer: `optimizer_map` must be an OptimizerMap or a callable. Received: {optimizer_map!r}"
            )
        super().__init__(learning_rate=0.0, name=name or "multi_optimizer")
        self.loss_scale_factor = None
        self._optimizer_map = optimizer_map
        self._inner_optimizers: list[Optimizer] = []
        if isinstance(optimizer_map, OptimizerMap):
            for optimizer in [*optimizer_map.values(), optimizer_map.default_optimizer]:
                if all(optimizer is not known for known in self._inner_optimizers):
                    self._inner_optimizers.append(optimizer)

    def build(self, variables: Sequence[Variable]) -> None:
        self._assignment: dict[int, int] = {}
        groups: list[list[Variable]] = [[] for _ in self._inner_optimizers]
        for variable in variables:
            optimizer = self._optimizer_map(variable)
            if not isinstance(optimizer, Optimizer):
                raise ValueError(f"Optimizer for variable {variable.name} is not an Optimizer instance.")
            if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
                raise ValueError(f"{type(optimizer).__name__} cannot be used inside a MultiOptimizer.")
            index = next((i for i, known in enumerate(self._inner_optimizers) if known is optimizer), None)
            if index is None:
                self._inner_optimizers.append(optimizer)
                groups.append([])
                index = len(self._inner_optimizers) - 1
            self._assignment[id(variable)] = index
            groups[index].append(variable)
        for optimizer, group in zip(self._inner_optimizers, groups):
            if group and not optimizer.built:
                optimizer.build(group)
        self._variables = []
        super().build(variables)
        self._variables.remove(self._learning_rate)  # the counter only: no rate of its own

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """Each sub-optimizer finalizes the variables it trains."""
        for index, optimizer in enumerate(self._inner_optimizers):
            optimizer.finalize_variable_values([v for v in var_list if self._assignment.get(id(v)) == index])

    @property
    def optimizers(self) -> list[Optimizer]:
        return list(self._inner_optimizers)

    @property
    def variables(self) -> list[Variable]:
        """The update counter, then every sub-optimizer's variables."""
        out = list(self._variables)
        for optimizer in self._inner_optimizers:
            out.extend(optimizer.variables)
        return out

    @property
    def learning_rate(self) -> Any:
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on the individual "
            "sub-optimizers instead."
        )

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the individual "
            "sub-optimizers instead."
        )

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        if trainable_variables is None:
            raise ValueError(f"{self.name}.apply(): pass `trainable_variables` along with `grads`.")
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Gradients must match trainable variables one-to-one. Received {len(grads)} gradients and "
                f"{len(trainable_variables)} variables."
            )
        routed: list[tuple[list[Any], list[Variable]]] = [([], []) for _ in self._inner_optimizers]
        for grad, variable in zip(grads, trainable_variables):
            index = self._assignment.get(id(variable))
            if index is None:
                raise ValueError(f"{self.name}: variable {variable.name} was not among those it was built with.")
            routed[index][0].append(grad)
            routed[index][1].append(variable)
        for optimizer, (sub_grads, sub_variables) in zip(self._inner_optimizers, routed):
            if sub_variables:
                optimizer.apply(sub_grads, sub_variables)
        self.iterations.assign_add(1)

    def get_config(self) -> dict:
        mapping = self._optimizer_map
        return {
            "optimizer_map": (
                {"class_name": "OptimizerMap", "config": mapping.get_config()}
                if isinstance(mapping, OptimizerMap)
                else mapping
            ),
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> MultiOptimizer:
        config = dict(config)
        mapping = config["optimizer_map"]
        if isinstance(mapping, dict) and mapping.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(mapping["config"], custom_objects)
        return cls(**config)
