"""Activation layers."""

from __future__ import annotations

from typing import Any

from unikeras import activations, initializers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Activation(Layer):
    """Applies an activation function by name or callable."""

    supports_masking = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class ReLU(Layer):
    """``min(max(x, threshold-based slope), max_value)`` with Keras's arguments.

    Args:
        max_value: cap of the output, or ``None``.
        negative_slope: slope below ``threshold``.
        threshold: inputs below it are scaled by ``negative_slope``.
    """

    supports_masking = True

    def __init__(
        self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU '{self.name}': `max_value` must be >= 0, received {max_value}.")
        if negative_slope < 0:
            raise ValueError(f"ReLU '{self.name}': `negative_slope` must be >= 0, received {negative_slope}.")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs: Any) -> Any:
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise (Keras default slope 0.3)."""

    supports_masking = True

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if negative_slope < 0:
            raise ValueError(f"LeakyReLU '{self.name}': `negative_slope` must be >= 0, received {negative_slope}.")
        self.negative_slope = negative_slope

    def call(self, inputs: Any) -> Any:
        return activations.leaky_relu(inputs, self.negative_slope)

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    supports_masking = True

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, self.alpha)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a tuple of ints)."""

    supports_masking = True

    def __init__(self, axis: int | tuple[int, ...] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        if isinstance(self.axis, int):
            return activations.softmax(inputs, axis=self.axis)
        b = active()
        shifted = b.subtract(inputs, b.max(inputs, axis=tuple(self.axis), keepdims=True))
        exp = b.exp(shifted)
        return b.divide(exp, b.sum(exp, axis=tuple(self.axis), keepdims=True))

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class PReLU(Layer):
    """``x`` for ``x >= 0``, ``alpha * x`` otherwise, with a learned ``alpha``.

    Args:
        alpha_initializer: initializer of ``alpha`` (``"zeros"``).
        shared_axes: axes (1-based, batch excluded) along which ``alpha`` is shared.
    """

    supports_masking = True

    def __init__(self, alpha_initializer: Any = "zeros", shared_axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = (shared_axes,)
        else:
            self.shared_axes = tuple(shared_axes)

    def build(self, input_shape: tuple) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError(
                    f"PReLU '{self.name}': `shared_axes` entries must be in [1, {len(shape)}], received {axis}."
                )
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU '{self.name}': unknown non-shared input axes in shape {input_shape}.")
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, name="alpha")
        self._expected_axes = {i + 1: d for i, d in enumerate(input_shape[1:]) if shape[i] != 1}

    def call(self, inputs: Any) -> Any:
        b = active()
        return b.where(b.greater_equal(inputs, 0.0), inputs, b.multiply(inputs, self.alpha.value))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "shared_axes": list(self.shared_axes) if self.shared_axes else None,
        }
