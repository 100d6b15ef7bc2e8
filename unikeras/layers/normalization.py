"""Normalization layers: LayerNormalization and BatchNormalization."""

from __future__ import annotations

from typing import Any

from unikeras import initializers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


def _normalize_axes(layer: str, axis: Any) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, int) and not isinstance(axis, bool) else tuple(axis)
    if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise ValueError(f"{layer}: `axis` must be an int or a non-empty sequence of ints, received {axis!r}.")
    return axes


def _resolve_axes(layer: str, axes: tuple[int, ...], input_shape: tuple) -> tuple[int, ...]:
    rank = len(input_shape)
    resolved = []
    for axis in axes:
        if not -rank <= axis < rank or axis % rank == 0:
            raise ValueError(
                f"{layer}: invalid axis {axis} for input of shape {tuple(input_shape)} (the batch axis 0 cannot be "
                f"normalized over)."
            )
        resolved.append(axis % rank)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"{layer}: duplicate axes {axes}.")
    for axis in resolved:
        if input_shape[axis] is None:
            raise ValueError(f"{layer}: axis {axis} of input shape {tuple(input_shape)} must be known.")
    return tuple(sorted(resolved))


class _Normalization(Layer):
    def __init__(
        self,
        axis: Any,
        epsilon: float,
        center: bool,
        scale: bool,
        beta_initializer: Any,
        gamma_initializer: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        label = f"{type(self).__name__} '{self.name}'"
        self.axis = _normalize_axes(label, axis)
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon <= 0:
            raise ValueError(f"{label}: `epsilon` must be a positive number, received {epsilon!r}.")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self._axes: tuple[int, ...] = ()
        self._param_shape: tuple[int, ...] = ()
        self._broadcast_shape: tuple[int, ...] = ()
        self.gamma = None
        self.beta = None

    def _build_params(self, input_shape: tuple) -> None:
        label = f"{type(self).__name__} '{self.name}'"
        self._axes = _resolve_axes(label, self.axis, input_shape)
        self._param_shape = tuple(input_shape[a] for a in self._axes)
        self._broadcast_shape = tuple(input_shape[a] if a in self._axes else 1 for a in range(len(input_shape)))
        self._expected_axes = {a: input_shape[a] for a in self._axes}
        if self.scale:
            self.gamma = self.add_weight(self._param_shape, self.gamma_initializer, name="gamma")
        if self.center:
            self.beta = self.add_weight(self._param_shape, self.beta_initializer, name="beta")

    def _bcast(self, x: Any) -> Any:
        return active().reshape(x, self._broadcast_shape)

    def _apply(self, inputs: Any, mean: Any, variance: Any) -> Any:
        """``(inputs - mean) / sqrt(variance + eps) * gamma + beta``; mean/variance already broadcastable."""
        b = active()
        inv = b.rsqrt(b.add(variance, b.convert_to_tensor(self.epsilon, b.dtype_name(variance))))
        if self.gamma is not None:
            inv = b.multiply(inv, self._bcast(self.gamma.value))
        outputs = b.multiply(b.subtract(inputs, mean), inv)
        if self.beta is not None:
            outputs = b.add(outputs, self._bcast(self.beta.value))
        return outputs

    def _reduction_axes(self, rank: int) -> tuple[int, ...]:
        raise NotImplementedError

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis[0] if len(self.axis) == 1 else list(self.axis),
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
        }


class LayerNormalization(_Normalization):
    """Normalizes each sample over ``axis`` to zero mean and unit variance, then scales and shifts.

    Args:
        axis: int or sequence of ints to normalize over (``-1``); gamma/beta have those axes' sizes.
        epsilon: added to the variance (``1e-3``).
        center: whether to add the learned offset ``beta``.
        scale: whether to multiply by the learned ``gamma``.
    """

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        **kwargs: Any,
    ) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)

    def build(self, input_shape: tuple) -> None:
        self._build_params(input_shape)

    def call(self, inputs: Any) -> Any:
        b = active()
        mean = b.mean(inputs, axis=self._axes, keepdims=True)
        variance = b.var(inputs, axis=self._axes, keepdims=True)
        return self._apply(inputs, mean, variance)


class BatchNormalization(_Normalization):
    """Normalizes over the batch (and every axis but ``axis``) and tracks moving statistics.

    With ``training=True`` the batch mean and population variance normalize the inputs and the moving
    statistics are updated as ``moving = moving * momentum + batch * (1 - momentum)``; otherwise the
    moving statistics are used. A layer with ``trainable=False`` always runs in inference mode.
    Weights, in Keras order: ``gamma``, ``beta``, ``moving_mean``, ``moving_variance`` (the last two
    non-trainable).

    Args:
        axis: the feature axis (``-1``), or a sequence of axes.
        momentum: moving-average momentum (``0.99``).
        epsilon: added to the variance (``1e-3``).
        center: whether to add the learned offset ``beta``.
        scale: whether to multiply by the learned ``gamma``.
    """

    def __init__(
        self,
        axis: Any = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        **kwargs: Any,
    ) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization '{self.name}': `momentum` must be in [0, 1], received {momentum!r}.")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape: tuple) -> None:
        self._build_params(input_shape)
        self.moving_mean = self.add_weight(
            self._param_shape, self.moving_mean_initializer, trainable=False, name="moving_mean"
        )
        self.moving_variance = self.add_weight(
            self._param_shape, self.moving_variance_initializer, trainable=False, name="moving_variance"
        )

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        b = active()
        if not (training and self.trainable):
            return self._apply(inputs, self._bcast(self.moving_mean.value), self._bcast(self.moving_variance.value))
        reduce_axes = tuple(a for a in range(len(b.shape(inputs))) if a not in self._axes)
        mean = b.mean(inputs, axis=reduce_axes, keepdims=True)
        variance = b.var(inputs, axis=reduce_axes, keepdims=True)
        momentum = b.convert_to_tensor(self.momentum, self.moving_mean.dtype)
        rest = b.convert_to_tensor(1.0 - self.momentum, self.moving_mean.dtype)
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            batch = b.cast(b.reshape(b.stop_gradient(batch), self._param_shape), moving.dtype)
            moving.assign(b.add(b.multiply(moving.value, momentum), b.multiply(batch, rest)))
        return self._apply(inputs, mean, variance)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }
