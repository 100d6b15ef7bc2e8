"""The Optimizer base class: slots, iteration count and learning rate as Variables."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from unikeras import backends
from unikeras.distribution import data_parallel as distribution_state
from unikeras.optimizers.schedules import learning_rate_schedule as lr_schedule
from unikeras.variables import Variable, active_scope


class Optimizer:
    """Base class. Subclasses create slots in ``build`` and implement ``update_step``.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` (evaluated at ``iterations`` in each
            update, inside the compiled step) or a callable taking no arguments and returning
            the rate to use.
        name: display name.
        weight_decay: when set, each variable first loses ``variable * weight_decay * learning_rate``.
        clipnorm: when set, each gradient is rescaled to an L2 norm of at most ``clipnorm``.
        clipvalue: when set, each gradient is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: when set, all gradients are rescaled together to a global norm of at most it.
        use_ema: keep an exponential moving average of the trained variables (Polyak averaging);
            ``fit`` ends by writing the averages into the variables (``finalize_variable_values``).
        ema_momentum: with ``use_ema``, ``average = ema_momentum * average + (1 - ema_momentum) * value``
            after each update (the first update copies the value).
        ema_overwrite_frequency: with ``use_ema``, every this many updates the variables are
            overwritten with their averages; ``None`` never does.

    At most one of ``clipnorm``, ``clipvalue`` and ``global_clipnorm`` may be set.
    """

    def __init__(
        self,
        learning_rate: float | lr_schedule.LearningRateSchedule | Callable[[], Any] = 0.001,
        name: str | None = None,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}.")
        clipping = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(value is not None for value in clipping.values()) > 1:
            received = ", ".join(f"{k}={v!r}" for k, v in clipping.items())
            raise ValueError(
                f"{type(self).__name__}: set at most one of `clipnorm`, `clipvalue` and `global_clipnorm`. "
                f"Received: {received}."
            )
        for arg, value in (("weight_decay", weight_decay), *clipping.items()):
            if value is not None and not _is_non_negative(value):
                raise ValueError(f"{type(self).__name__}: `{arg}` must be a non-negative float, received {value!r}.")
        self.weight_decay, self.clipnorm, self.clipvalue, self.global_clipnorm = (
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
        )
        if use_ema:
            if not 0.0 <= ema_momentum <= 1.0:
                raise ValueError(
                    f"{type(self).__name__}: `ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum!r}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int)
                or isinstance(ema_overwrite_frequency, bool)
                or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    f"{type(self).__name__}: `ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}"
                )
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.name = name or type(self).__name__.lower()
        # Exactly one of the two: a schedule or callable, or a float (a Variable once built).
        self._schedule: lr_schedule.LearningRateSchedule | Callable[[], Any] | None = None
        self._initial_learning_rate = 0.0
        if isinstance(learning_rate, lr_schedule.LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
        else:
            self._initial_learning_rate = self._check_learning_rate(learning_rate)
        self.built = False
        self._variables: list[Variable] = []
        self._trainable_ids: dict[int, int] = {}
        self._backend: backends.Backend | None = None
        self._host_iterations: int | None = None  # this update's count, when _host_scalars gives one

    def _check_learning_rate(self, value: Any) -> float:
        if not _is_non_negative(value):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be a non-negative float, a LearningRateSchedule "
                f"or a callable, received {value!r}."
            )
        return float(value)

    # ------------------------------------------------------------------ state
    def add_variable(
        self, shape: Sequence[int] = (), dtype: str = "float32", name: str = "slot", initial_value: float = 0.0
    ) -> Variable:
        variable = Variable(np.full(tuple(shape), initial_value, dtype=dtype), dtype=dtype, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference: Variable, name: str) -> Variable:
        """A zero slot shaped like ``reference``."""
        return self.add_variable(reference.shape, reference.dtype, f"{reference.name}_{name}")

    def build(self, variables: Sequence[Variable]) -> None:
        """Create the iteration counter, the learning rate (unless a schedule gives it) and
        per-variable slots."""
        self._backend = backends.current()
        self.iterations = self.add_variable((), "int64", "iteration")
        if self._schedule is None:
            self._learning_rate = self.add_variable((), "float32", "learning_rate", self._initial_learning_rate)
        if self.use_ema:
            self._model_variables_moving_average = [self.add_variable_from_reference(v, "average") for v in variables]
        self._trainable_ids = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    @property
    def learning_rate(self) -> Any:
        """The learning rate of the next update: a float before ``build``, then a float32 scalar
        tensor (``float()`` accepts it). With a schedule, ``schedule(iterations)``.

        Assigning a float (or a scalar tensor) sets the rate used from the next update on, also by
        compiled train steps. Assigning one when the optimizer has a schedule raises ``TypeError``;
        a schedule or callable may be assigned only before the optimizer is built.
        """
        if self._schedule is not None:
            return self._current_learning_rate()
        if not self.built:
            return self._initial_learning_rate
        return self._learning_rate.value

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, lr_schedule.LearningRateSchedule) or callable(value):
            if self.built:
                raise ValueError(
                    f"{type(self).__name__}: the learning rate cannot become a schedule or callable once the "
                    "optimizer is built (its compiled steps read the learning-rate variable); pass it to a new "
                    "optimizer instead."
                )
            self._schedule = value
            return
        if self._schedule is not None:
            kind = (
                "LearningRateSchedule" if isinstance(self._schedule, lr_schedule.LearningRateSchedule) else "callable"
            )
            raise TypeError(
                f"{type(self).__name__}: this optimizer was created with a {kind} as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable. If you need the learning rate "
                "to be settable, you should instantiate the optimizer with a float `learning_rate` argument."
            )
        value = self._check_learning_rate(_to_scalar(value, self._backend or backends.current()))
        self._initial_learning_rate = value
        if self.built:
            self._learning_rate.assign(self._learning_rate.backend.convert_to_tensor(value, "float32"))

    def _current_learning_rate(self) -> Any:
        """The rate of this update as a float32 scalar tensor (read inside compiled steps)."""
        schedule = self._schedule
        if schedule is None:
            return self._learning_rate.value
        if self.built:
            b = self._backend
            rate = schedule(self.iterations) if isinstance(schedule, lr_schedule.LearningRateSchedule) else schedule()
        else:
            b = backends.current()
            rate = schedule(0) if isinstance(schedule, lr_schedule.LearningRateSchedule) else schedule()
        rate = rate if b.is_tensor(rate) else b.convert_to_tensor(rate)
        return b.cast(rate, "float32")

    # ------------------------------------------------------------------ updates
    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        """Apply one update of ``grads`` to ``trainable_variables`` (those it was built for)."""
        if trainable_variables is None:
            raise ValueError(f"{self.name}.apply(): pass `trainable_variables` along with `grads`.")
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"{self.name}.apply(): received {len(grads)} gradients for {len(trainable_variables)} variables."
            )
        engine = distribution_state.active_engine()
        if engine is not None:  # fit under a distribution: the engine averages the replicas' gradients
            engine.apply_gradients(self._apply_averaged, list(grads), trainable_variables)
        else:
            self._apply_averaged(list(grads), trainable_variables)

    def _apply_averaged(self, grads: list[Any], trainable_variables: list[Variable]) -> None:
        """``apply`` once the gradients are those of the whole (global) batch."""
        grads = self._clip(grads)
        host = self._host_scalars()
        learning_rate = self._current_learning_rate() if host is None else host[1]
        self._host_iterations = None if host is None else host[0]
        if self.weight_decay:
            b = self._backend
            for variable in trainable_variables:
                decay = b.multiply(b.multiply(variable.value, self.weight_decay), b.cast(learning_rate, variable.dtype))
                variable.assign(b.subtract(variable.value, decay))
        self.update_step(grads, trainable_variables, learning_rate)
        for variable in trainable_variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        if self.use_ema:
            self._update_moving_averages(trainable_variables, None if host is None else host[0])
        if host is None:
            self.iterations.assign_add(1)
        else:  # a Python number, so that the adapter keeps knowing the count without a device read
            self.iterations.assign(host[0] + 1)

    def _update_moving_averages(self, variables: list[Variable], host_iterations: int | None) -> None:
        """Keras's EMA rule after an update (the count not yet incremented): the first update copies
        the values, later ones mix in ``1 - ema_momentum`` of them; every ``ema_overwrite_frequency``
        updates the variables take their averages."""
        b = self._backend
        averages = self._slots(self._model_variables_moving_average, variables)
        count = self.iterations.value if host_iterations is None else host_iterations
        for variable, average in zip(variables, averages):
            if host_iterations is None:
                momentum = b.multiply(b.cast(b.not_equal(count, 0), variable.dtype), self.ema_momentum)
                keep = b.subtract(b.ones((), variable.dtype), momentum)
            else:
                momentum = self.ema_momentum if host_iterations else 0.0
                keep = 1.0 - momentum
            average.assign(b.add(b.multiply(average.value, momentum), b.multiply(variable.value, keep)))
        if self.ema_overwrite_frequency:
            if host_iterations is None:
                due = b.equal(b.mod(b.add(count, 1), self.ema_overwrite_frequency), 0)
                for variable, average in zip(variables, averages):
                    variable.assign(b.where(due, average.value, variable.value))
            elif (host_iterations + 1) % self.ema_overwrite_frequency == 0:
                for variable, average in zip(variables, averages):
                    variable.assign(b.copy(average.value))  # a copy: two variables never share a buffer

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """Write each variable's moving average into it (with ``use_ema``; nothing otherwise).
        ``fit`` calls it when training ends."""
        if not self.use_ema or not self.built:
            return
        for variable, average in zip(var_list, self._slots(self._model_variables_moving_average, var_list)):
            variable.assign(self._backend.copy(average.value))  # a copy: two variables never share a buffer

    def _host_scalars(self) -> tuple[int, float] | None:
        """``(iterations, learning rate)`` as Python numbers where the backend keeps them on the
        host (``Backend.host_scalar``: MXNet, whose fused kernels take step sizes as Python floats
        only), for a float learning rate outside a stateless scope; else None. ``update_step`` then
        receives the rate as a float and finds the count in ``self._host_iterations``."""
        b = self._backend
        if not b.host_scalars or self._schedule is not None or active_scope() is not None:
            return None
        return int(b.host_scalar(self.iterations)), float(b.host_scalar(self._learning_rate))

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Variable]]) -> None:
        """Keras's ``apply_gradients([(grad, variable), ...])``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def _slots(self, slots: list[Variable], variables: Sequence[Variable]) -> list[Variable]:
        """The slots of ``variables`` (which must be those the optimizer was built for)."""
        try:
            return [slots[self._trainable_ids[id(v)]] for v in variables]
        except KeyError as err:
            raise ValueError(
                f"{self.name}: a variable was not among those the optimizer was built with; "
                "call optimizer.build(all_trainable_variables) first."
            ) from err

    def _clip(self, grads: list[Any]) -> list[Any]:
        """``clipvalue``, ``clipnorm`` or ``global_clipnorm`` (at most one is set)."""
        b = self._backend
        if self.clipvalue is not None:
            grads = [b.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [b.divide(b.multiply(g, self.clipnorm), b.maximum(_l2_norm(b, [g]), self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None:
            norm = _l2_norm(b, grads)
            scale = b.divide(self.global_clipnorm, b.maximum(norm, self.global_clipnorm))
            grads = [b.multiply(g, b.cast(scale, b.dtype_name(g))) for g in grads]
        return grads

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        """Keras's keys; a schedule is serialized as ``{"class_name": ..., "config": ...}``, a float
        rate is the current value, a callable rate is kept as the callable itself."""
        if isinstance(self._schedule, lr_schedule.LearningRateSchedule):
            learning_rate: Any = lr_schedule.serialize(self._schedule)
        elif self._schedule is not None:
            learning_rate = self._schedule
        elif self.built:
            learning_rate = float(self._learning_rate.numpy())
        else:
            learning_rate = self._initial_learning_rate
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        """The optimizer ``config`` describes (a serialized schedule is rebuilt; ``custom_objects``
        maps the class names of user schedules)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = lr_schedule.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)


def _to_scalar(value: Any, b: backends.Backend) -> Any:
    """A Variable, 0-d tensor or 0-d array as a NumPy scalar; anything else unchanged."""
    if isinstance(value, Variable):
        value = value.numpy()
    elif not isinstance(value, (numbers.Number, np.ndarray, np.generic)) and b.is_tensor(value):
        value = b.to_numpy(value)
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return value


def _is_non_negative(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value >= 0


def _l2_norm(b: Any, tensors: list[Any]) -> Any:
    """``sqrt(sum of squares)`` over all of ``tensors`` (float32 scalar)."""
    total = None
    for t in tensors:
        term = b.cast(b.sum(b.square(t)), "float32")
        total = term if total is None else b.add(total, term)
    return b.sqrt(total)
