"""Learning-rate schedules: the learning rate as a function of the optimizer's step.

Each schedule is computed with contract ops from the step tensor, without Python branching on
its value, so an optimizer evaluates it inside compiled train steps (tf.function, jax.jit) and
every step sees the rate of its own iteration.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from unikeras.ops.dispatch import active
from unikeras.variables import Variable

_DTYPE = "float32"


class LearningRateSchedule:
    """Base class: a serializable map from the step (the optimizer's ``iterations``) to a rate.

    Subclasses implement ``__call__(step)``, returning a float32 scalar tensor, and
    ``get_config()``; ``from_config`` calls the constructor with the config's entries.
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


def _step(step: Any) -> tuple[Any, Any]:
    """``(backend, step as a native tensor)``: a Variable is read on its own backend, anything
    else (int, NumPy scalar, tensor) is converted on the active one."""
    if isinstance(step, Variable):
        return step.backend, step.value
    b = active()
    return b, step if b.is_tensor(step) else b.convert_to_tensor(step)


def _float_step(step: Any) -> tuple[Any, Any]:
    b, value = _step(step)
    return b, b.cast(value, _DTYPE)


def _scalar(b: Any, x: float) -> Any:
    return b.convert_to_tensor(x, _DTYPE)


def _floor_quotient(b: Any, x: Any, d: Any) -> tuple[Any, Any]:
    """``(floor(x / d), x mod d)`` for float tensors, exact whenever ``x / d`` is a whole number.

    ``floor(x / d)`` is not: compilers (XLA, TensorFlow's graph optimizer) turn division by a
    constant into multiplication by its reciprocal, so ``21 / 7`` may become ``3.0000002`` and
    its ceiling 4. The remainder is exact, and so is the quotient once rounded.
    """
    remainder = b.mod(x, d)
    return b.round(b.divide(b.subtract(x, remainder), d)), remainder


def _check_positive(schedule: LearningRateSchedule, arg: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{type(schedule).__name__}: `{arg}` must be > 0, received {arg}={value!r}.")


class _StepDecay(LearningRateSchedule):
    """Shared by the schedules driven by ``step / decay_steps`` and a ``decay_rate``."""

    def __init__(
        self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool, name: str
    ) -> None:
        _check_positive(self, "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step: Any) -> tuple[Any, Any]:
        """The backend and ``step / decay_steps`` (rounded down when ``staircase``)."""
        b, step = _float_step(step)
        decay_steps = _scalar(b, self.decay_steps)
        p = _floor_quotient(b, step, decay_steps)[0] if self.staircase else b.divide(step, decay_steps)
        return b, p

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_StepDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: number of steps over which the rate is multiplied by ``decay_rate`` (> 0).
        decay_rate: the decay factor.
        staircase: if ``True``, ``step / decay_steps`` is rounded down (the rate decays at
            discrete intervals).
        name: the schedule's name.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Any:
        b, p = self._progress(step)
        return b.multiply(_scalar(b, self.initial_learning_rate), b.power(_scalar(b, self.decay_rate), p))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i - 1] < step <= boundaries[i]``, and ``values[-1]`` after ``boundaries[-1]``.

    Args:
        boundaries: increasing step boundaries (compared in the step's dtype, as Keras does).
        values: the rates, one more than ``boundaries``.
        name: the schedule's name.
    """

    def __init__(self, boundaries: Sequence[Any], values: Sequence[Any], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"PiecewiseConstantDecay: the length of `boundaries` should be 1 less than the length of `values`. "
                f"Received: boundaries={boundaries!r} of length {len(boundaries)}, and values={values!r} "
                f"of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Any:
        b, step = _step(step)
        dtype = b.dtype_name(step)
        # From the last interval inwards: each boundary replaces what lies above it.
        result = _scalar(b, self.values[-1])
        for boundary, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            below = b.less_equal(step, b.cast(b.convert_to_tensor(boundary), dtype))
            result = b.where(below, _scalar(b, value), result)
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial_learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power +
    end_learning_rate``, with ``step`` capped at ``decay_steps``; with ``cycle`` the step is not
    capped but ``decay_steps`` grows to the first multiple of itself at or above ``step``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps to reach ``end_learning_rate`` (> 0).
        end_learning_rate: the final rate (``0.0001``).
        power: the power of the polynomial (``1.0``, linear).
        cycle: whether to restart the decay after ``decay_steps``.
        name: the schedule's name.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        _check_positive(self, "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> Any:
        b, step = _float_step(step)
        decay_steps = _scalar(b, self.decay_steps)
        if self.cycle:
            # ceil(step / decay_steps), at least 1
            quotient, remainder = _floor_quotient(b, step, decay_steps)
            periods = b.add(quotient, b.cast(b.greater(remainder, _scalar(b, 0.0)), _DTYPE))
            decay_steps = b.multiply(decay_steps, b.maximum(periods, _scalar(b, 1.0)))
        else:
            step = b.minimum(step, decay_steps)
        remaining = b.subtract(_scalar(b, 1.0), b.divide(step, decay_steps))
        span = _scalar(b, self.initial_learning_rate - self.end_learning_rate)
        decayed = b.multiply(span, b.power(remaining, _scalar(b, self.power)))
        return b.add(decayed, _scalar(b, self.end_learning_rate))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(_StepDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: how often the decay is applied (> 0).
        decay_rate: the decay factor.
        staircase: if ``True``, ``step / decay_steps`` is rounded down.
        name: the schedule's name.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> Any:
        b, p = self._progress(step)
        denominator = b.add(_scalar(b, 1.0), b.multiply(_scalar(b, self.decay_rate), p))
        return b.divide(_scalar(b, self.initial_learning_rate), denominator)


def _cosine(b: Any, fraction: Any, alpha: float, scale: Any = None) -> Any:
    """``(1 - alpha) * 0.5 * scale * (1 + cos(pi * fraction)) + alpha`` (``scale`` 1 if None)."""
    cosine = b.multiply(_scalar(b, 0.5), b.add(_scalar(b, 1.0), b.cos(b.multiply(_scalar(b, math.pi), fraction))))
    if scale is not None:
        cosine = b.multiply(scale, cosine)
    return b.add(b.multiply(_scalar(b, 1.0 - alpha), cosine), _scalar(b, alpha))


class CosineDecay(LearningRateSchedule):
    """Cosine decay, after an optional linear warmup.

    Without ``warmup_target`` the rate is ``initial_learning_rate * ((1 - alpha) * 0.5 *
    (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)``. With it, the rate rises
    linearly from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps,
    then decays from ``warmup_target`` in the same way over the next ``decay_steps`` steps.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps of the decay (> 0).
        alpha: the final rate as a fraction of the decay's starting rate (``0.0``).
        name: the schedule's name.
        warmup_target: the rate reached at the end of the warmup; ``None``: no warmup.
        warmup_steps: steps of the warmup (``0``).
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        _check_positive(self, "decay_steps", decay_steps)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, numbers.Real) or warmup_steps < 0:
            raise ValueError(f"CosineDecay: `warmup_steps` must be >= 0, received warmup_steps={warmup_steps!r}.")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step: Any) -> Any:
        b, step = _float_step(step)
        decay_steps = _scalar(b, self.decay_steps)
        initial = _scalar(b, self.initial_learning_rate)
        if self.warmup_target is None:
            fraction = b.divide(b.minimum(step, decay_steps), decay_steps)
            return b.multiply(initial, _cosine(b, fraction, self.alpha))
        target = _scalar(b, self.warmup_target)
        warmup_steps = _scalar(b, self.warmup_steps)
        step = b.minimum(step, b.add(decay_steps, warmup_steps))
        fraction = b.divide(b.subtract(step, warmup_steps), decay_steps)
        decayed = b.multiply(target, _cosine(b, fraction, self.alpha))
        if not self.warmup_steps:
            return decayed
        rise = b.multiply(b.subtract(target, initial), b.divide(step, warmup_steps))
        return b.where(b.less(step, warmup_steps), b.add(rise, initial), decayed)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the first period lasts ``first_decay_steps``
    steps, each next one ``t_mul`` times longer, and each restart starts from ``m_mul`` times
    the previous starting rate. Within period ``i`` at fraction ``f`` of it, the rate is
    ``initial_learning_rate * ((1 - alpha) * 0.5 * m_mul**i * (1 + cos(pi * f)) + alpha)``.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first period (> 0).
        t_mul: how much longer each period is than the one before (``2.0``).
        m_mul: how much lower each restart's rate is than the one before (``1.0``).
        alpha: the lowest rate as a fraction of ``initial_learning_rate`` (``0.0``).
        name: the schedule's name.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        _check_positive(self, "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> Any:
        b, step = _float_step(step)
        first = _scalar(b, self.first_decay_steps)
        one = _scalar(b, 1.0)
        if self.t_mul == 1.0:
            restart, elapsed = _floor_quotient(b, step, first)
            length = first
        else:
            # Period i lasts first * t**i steps and starts at first * (t**i - 1) / (t - 1). The log
            # gives i up to rounding; comparing the step with the period's bounds settles it.
            t_mul = _scalar(b, self.t_mul)

            def start(i: Any) -> Any:
                return b.divide(b.multiply(first, b.subtract(b.power(t_mul, i), one)), _scalar(b, self.t_mul - 1.0))

            periods = b.add(one, b.multiply(b.divide(step, first), _scalar(b, self.t_mul - 1.0)))
            restart = b.floor(b.divide(b.log(periods), _scalar(b, math.log(self.t_mul))))
            restart = b.where(b.less(step, start(restart)), b.subtract(restart, one), restart)
            next_restart = b.add(restart, one)
            restart = b.where(b.greater_equal(step, start(next_restart)), next_restart, restart)
            elapsed = b.subtract(step, start(restart))
            length = b.multiply(first, b.power(t_mul, restart))
        fraction = b.divide(elapsed, length)
        scale = b.power(_scalar(b, self.m_mul), restart)
        return b.multiply(_scalar(b, self.initial_learning_rate), _cosine(b, fraction, self.alpha, scale))

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


_BUILT_IN = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}`` of a schedule."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(
            f"schedules.serialize: expected a LearningRateSchedule, received {type(learning_rate_schedule).__name__}."
        )
    return {"class_name": type(learning_rate_schedule).__name__, "config": learning_rate_schedule.get_config()}


def deserialize(config: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """The schedule a ``serialize`` dict describes (Keras's ``module``/``registered_name`` keys
    are accepted and ignored). ``custom_objects`` maps the class names of user schedules."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"schedules.deserialize: expected a dict with a 'class_name' key, received {config!r}.")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BUILT_IN.get(name)
    if cls is None:
        raise ValueError(
            f"schedules.deserialize: unknown schedule {name!r}. Known: {', '.join(sorted(_BUILT_IN))}; "
            "pass user schedules in `custom_objects`."
        )
    return cls.from_config(dict(config.get("config", {})))
