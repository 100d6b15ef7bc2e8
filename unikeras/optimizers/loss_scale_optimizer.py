"""LossScaleOptimizer: dynamic loss scaling for float16 training (Keras's rule)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from unikeras import backends
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable

# Base optimizer arguments Keras's LossScaleOptimizer accepts only at their defaults (old configs hold them).
_INNER_ONLY_DEFAULTS = {
    "learning_rate": None,
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling, which keeps small float16 gradients from
    underflowing to zero.

    The training step multiplies the loss by the loss scale (``scale_loss``) before taking
    gradients; ``apply`` divides the gradients by the scale and then:

    - if any gradient holds an inf or a NaN, skips the update (variables, the inner optimizer's
      slots and its ``iterations`` keep their values), halves the scale and restarts the count;
    - else applies the inner optimizer to the unscaled gradients and counts the step; after
      ``dynamic_growth_steps`` such steps in a row, doubles the scale and restarts the count.

    The choice is made with ``where`` on tensors, so it runs inside compiled steps.

    Args:
        inner_optimizer: the ``Optimizer`` to wrap.
        initial_scale: the first loss scale (``2**15``); a large value, since a scale that is too
            large is lowered much faster than one that is too small is raised.
        dynamic_growth_steps: the number of consecutive steps with finite gradients after which
            the scale doubles (``2000``).
        name: display name.
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer: `dynamic=False` is not supported; set `loss_scale_factor` on the inner "
                "optimizer instead."
            )
        for arg, default in _INNER_ONLY_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer: does not take `{arg}`; set it on the inner optimizer.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer: unexpected arguments {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                f"LossScaleOptimizer: `inner_optimizer` must be an Optimizer instance, received {inner_optimizer!r}."
            )
        if isinstance(inner_optimizer, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer: `inner_optimizer` is already a LossScaleOptimizer.")
        if (
            not isinstance(initial_scale, (int, float))
            or isinstance(initial_scale, bool)
            or not math.isfinite(initial_scale)
            or initial_scale <= 0
        ):
            raise ValueError(
                f"LossScaleOptimizer: `initial_scale` must be a positive finite float, received {initial_scale!r}."
            )
        if (
            not isinstance(dynamic_growth_steps, int)
            or isinstance(dynamic_growth_steps, bool)
            or dynamic_growth_steps < 1
        ):
            raise ValueError(
                f"LossScaleOptimizer: `dynamic_growth_steps` must be a positive int, received {dynamic_growth_steps!r}."
            )
        super().__init__(learning_rate=0.0, name=name or "loss_scale_optimizer")
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps

    # ------------------------------------------------------------------ state
    def build(self, variables: Sequence[Variable]) -> None:
        """Create the step counter and the loss scale, and build the inner optimizer."""
        self._backend = backends.current()
        self.step_counter = self.add_variable((), "int64", "step_counter")
        self.dynamic_scale = self.add_variable((), "float32", "dynamic_scale", self.initial_scale)
        if not self.inner_optimizer.built:
            self.inner_optimizer.build(variables)
        self.built = True

    @property
    def variables(self) -> list[Variable]:
        """The step counter and the loss scale, then the inner optimizer's variables."""
        return list(self._variables) + self.inner_optimizer.variables

    @property
    def learning_rate(self) -> Any:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self) -> Variable:
        """The inner optimizer's update count (skipped steps do not count)."""
        return self.inner_optimizer.iterations

    # ------------------------------------------------------------------ scaling and updates
    def scale_loss(self, loss: Any) -> Any:
        """``loss * scale`` (the current scale once built, ``initial_scale`` before); a float16 or
        bfloat16 loss is first cast to float32, where the scaled value cannot overflow."""
        b = backends.current()
        dtype = b.dtype_name(loss)
        if dtype in ("float16", "bfloat16"):
            loss, dtype = b.cast(loss, "float32"), "float32"
        if not self.built:
            return b.multiply(loss, self.initial_scale)
        scale = self.dynamic_scale.value
        return b.multiply(loss, scale if dtype == "float32" else b.cast(scale, dtype))

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        """Unscale ``grads`` (gradients of the scaled loss) and apply them with the inner optimizer,
        or skip the update when one is not finite; then update the loss scale."""
        if trainable_variables is None:
            raise ValueError(f"{self.name}.apply(): pass `trainable_variables` along with `grads`.")
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"{self.name}.apply(): received {len(grads)} gradients for {len(trainable_variables)} variables."
            )
        b = self._backend
        scale = self.dynamic_scale.value
        finite = b.all(b.stack([b.all(b.isfinite(g)) for g in grads]))
        unscaled = [_unscale(b, g, scale) for g in grads]
        # The update runs whatever the gradients; a skipped step then restores the old values.
        kept = trainable_variables + self.inner_optimizer.variables
        old = [b.copy(b.stop_gradient(v.value)) for v in kept]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        for variable, value in zip(kept, old):
            variable.assign(b.where(finite, variable.value, value))
        counter = self.step_counter.value
        grow = b.logical_and(finite, b.equal(counter, self.dynamic_growth_steps - 1))
        self.dynamic_scale.assign(b.where(finite, b.where(grow, b.multiply(scale, 2.0), scale), b.multiply(scale, 0.5)))
        self.step_counter.assign(
            b.where(b.logical_and(finite, b.logical_not(grow)), b.add(counter, 1), b.zeros_like(counter))
        )

    # ------------------------------------------------------------------ config
    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self) -> dict:
        from unikeras import optimizers

        return {
            "name": self.name,
            "inner_optimizer": optimizers.serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> LossScaleOptimizer:
        from unikeras import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = optimizers.deserialize(inner, custom_objects)
        return cls(inner, **config)


def _unscale(b: Any, grad: Any, scale: Any) -> Any:
    """``grad / scale``, computed in float32 for half-precision gradients (the scale may exceed
    float16's range)."""
    dtype = b.dtype_name(grad)
    if dtype == "float32":
        return b.divide(grad, scale)
    return b.cast(b.divide(b.cast(grad, "float32"), scale), dtype)
