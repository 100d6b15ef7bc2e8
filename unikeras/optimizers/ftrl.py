"""FTRL-Proximal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unikeras.optimizers._composed import scalar
from unikeras.optimizers.optimizer import Optimizer
from unikeras.variables import Variable


class Ftrl(Optimizer):
    """Follow The Regularized Leader (FTRL-Proximal), with Keras's update rule.

    Args:
        learning_rate: float (``0.001``).
        learning_rate_power: at most 0: how the rate shrinks with the accumulated squared gradients
            (``-0.5``).
        initial_accumulator_value: at least 0: the start of the accumulators (``0.1``).
        l1_regularization_strength: at least 0.
        l2_regularization_strength: at least 0 (stabilization penalty).
        l2_shrinkage_regularization_strength: at least 0 (magnitude penalty, added to the gradient).
        beta: the ``beta`` of the per-coordinate rate (``0.0``).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        name: str = "ftrl",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        checks = {
            "initial_accumulator_value": initial_accumulator_value,
            "l1_regularization_strength": l1_regularization_strength,
            "l2_regularization_strength": l2_regularization_strength,
            "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength,
        }
        for arg, value in checks.items():
            if value < 0.0:
                raise ValueError(f"Ftrl: `{arg}` needs to be positive or zero. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(
                f"Ftrl: `learning_rate_power` needs to be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def build(self, variables: Sequence[Variable]) -> None:
        super().build(variables)
        self.accumulators = [
            self.add_variable(v.shape, v.dtype, f"{v.name}_accumulator", self.initial_accumulator_value)
            for v in variables
        ]
        self.linears = [self.add_variable_from_reference(v, "linear") for v in variables]

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        b = self._backend
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        pairs = zip(variables, grads, self._slots(self.accumulators, variables), self._slots(self.linears, variables))
        for w, g, accumulator, linear in pairs:
            lr = scalar(self, learning_rate, w.dtype)
            g = b.cast(g, w.dtype)
            weight, accum = w.value, accumulator.value
            l2 = b.add(b.divide(scalar(self, self.beta, w.dtype), b.multiply(lr, 2.0)), self.l2_regularization_strength)
            shrunk = b.add(g, b.multiply(weight, 2.0 * self.l2_shrinkage_regularization_strength))
            new_accum = b.add(accum, b.square(g))
            sigma = b.divide(b.subtract(b.power(new_accum, power), b.power(accum, power)), lr)
            new_linear = b.subtract(b.add(linear.value, shrunk), b.multiply(sigma, weight))
            quadratic = b.add(b.divide(b.power(new_accum, power), lr), b.multiply(l2, 2.0))
            w.assign(b.divide(b.subtract(b.clip(new_linear, -l1, l1), new_linear), quadratic))
            linear.assign(new_linear)
            accumulator.assign(new_accum)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
