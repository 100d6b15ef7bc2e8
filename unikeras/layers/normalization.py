"""Normalization layers: LayerNormalization, BatchNormalization, GroupNormalization, UnitNormalization."""

from __future__ import annotations

import warnings
from typing import Any

from unikeras import constraints, initializers, regularizers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _normalize_axes(layer: str, axis: Any) -> tuple[int, ...]:
    axes = (axis,) if _is_int(axis) else tuple(axis) if isinstance(axis, (list, tuple)) else ()
    if not axes or not all(_is_int(a) for a in axes):
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


def _check_positive(layer: str, name: str, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: `{name}` must be a positive number, received {value!r}.")
    return float(value)


class _Normalization(Layer):
    """Shared by the layers with a learned ``gamma`` (scale) and ``beta`` (offset) per normalized index."""

    supports_masking = True
    _computes_in_float32 = True  # statistics in float16 overflow: Keras computes them in float32 too

    def __init__(
        self,
        axis: Any,
        epsilon: float,
        center: bool,
        scale: bool,
        beta_initializer: Any,
        gamma_initializer: Any,
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = _normalize_axes(self._label, axis)
        self.epsilon = _check_positive(self._label, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self._axes: tuple[int, ...] = ()
        self._param_shape: tuple[int, ...] = ()
        self._broadcast_shape: tuple[int, ...] = ()
        self.gamma = None
        self.beta = None

    @property
    def _label(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _add_gamma_beta(self, shape: tuple[int, ...], gamma: bool, beta: bool) -> None:
        """``gamma`` then ``beta`` (Keras's order), each of ``shape``, with their regularizers and constraints."""
        if gamma:
            self.gamma = self.add_weight(
                shape,
                self.gamma_initializer,
                name="gamma",
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if beta:
            self.beta = self.add_weight(
                shape,
                self.beta_initializer,
                name="beta",
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )

    def _build_params(self, input_shape: tuple, gamma: bool | None = None, beta: bool | None = None) -> None:
        self._axes = _resolve_axes(self._label, self.axis, input_shape)
        self._param_shape = tuple(input_shape[a] for a in self._axes)
        self._broadcast_shape = tuple(input_shape[a] if a in self._axes else 1 for a in range(len(input_shape)))
        self._expected_axes = {a: input_shape[a] for a in self._axes}
        self._add_gamma_beta(
            self._param_shape, self.scale if gamma is None else gamma, self.center if beta is None else beta
        )

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
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


class LayerNormalization(_Normalization):
    """Normalizes each sample over ``axis`` to zero mean and unit variance, then scales and shifts.

    Args:
        axis: int or sequence of ints to normalize over (``-1``); gamma/beta have those axes' sizes.
        epsilon: added to the variance (``1e-3``).
        center: whether to add the learned offset ``beta``.
        scale: whether to multiply by the learned ``gamma``.
        beta_initializer, gamma_initializer: initializers (``"zeros"``, ``"ones"``).
        beta_regularizer, gamma_regularizer: optional regularizers of the weights.
        beta_constraint, gamma_constraint: optional constraints applied after each optimizer update.
        rms_scaling: deprecated in Keras, kept for compatibility: ``inputs / sqrt(variance + epsilon) * gamma``
            (no centering, no ``beta``; ``gamma`` is created even with ``scale=False``).
    """

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        rms_scaling: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            axis,
            epsilon,
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
            **kwargs,
        )
        self.rms_scaling = bool(rms_scaling)
        if self.rms_scaling:
            warnings.warn(
                f"{self._label}: `rms_scaling=True` is deprecated (as in Keras): it divides by the standard "
                "deviation, not by the root mean square, and does not center.",
                stacklevel=2,
            )

    def build(self, input_shape: tuple) -> None:
        self._build_params(input_shape, gamma=self.scale or self.rms_scaling, beta=self.center and not self.rms_scaling)

    def call(self, inputs: Any) -> Any:
        b = active()
        if self.rms_scaling:
            variance = b.var(inputs, axis=self._axes, keepdims=True)
            eps = b.convert_to_tensor(self.epsilon, b.dtype_name(variance))
            outputs = b.multiply(inputs, b.rsqrt(b.add(variance, eps)))
            return b.multiply(outputs, self._bcast(self.gamma.value))
        gamma = None if self.gamma is None else self.gamma.value
        beta = None if self.beta is None else self.beta.value
        return b.layer_norm(inputs, gamma, beta, sorted(self._axes), self.epsilon)

    def get_config(self) -> dict:
        return {**super().get_config(), "rms_scaling": self.rms_scaling}


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
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer: initializers
            (``"zeros"``, ``"ones"``, ``"zeros"``, ``"ones"``).
        beta_regularizer, gamma_regularizer: optional regularizers of the weights.
        beta_constraint, gamma_constraint: optional constraints applied after each optimizer update.
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
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            axis,
            epsilon,
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
            **kwargs,
        )
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{self._label}: `momentum` must be in [0, 1], received {momentum!r}.")
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
        dtype = b.dtype_name(mean)
        momentum = b.convert_to_tensor(self.momentum, dtype)
        rest = b.convert_to_tensor(1.0 - self.momentum, dtype)
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            batch = b.reshape(b.stop_gradient(batch), self._param_shape)
            blended = b.add(b.multiply(b.cast(moving.value, dtype), momentum), b.multiply(batch, rest))
            moving.assign(b.cast(blended, moving.dtype))
        return self._apply(inputs, mean, variance)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }


class GroupNormalization(_Normalization):
    """Splits the channels on ``axis`` into ``groups`` and normalizes each sample over each group (the group's
    channels and every other non-batch axis), then scales and shifts per channel.

    ``groups=1`` normalizes each sample over all its values; ``groups`` equal to the number of channels (or
    ``-1``) is instance normalization. Weights: ``gamma`` and ``beta``, each of shape ``(channels,)``.

    Args:
        groups: positive int dividing the number of channels (``32``), or ``-1`` for one group per channel.
        axis: int, the channel axis (``-1``; ``1`` for channels-first inputs).
        epsilon: added to the variance (``1e-3``).
        center: whether to add the learned offset ``beta``.
        scale: whether to multiply by the learned ``gamma``.
        beta_initializer, gamma_initializer: initializers (``"zeros"``, ``"ones"``).
        beta_regularizer, gamma_regularizer: optional regularizers of the weights.
        beta_constraint, gamma_constraint: optional constraints applied after each optimizer update.
    """

    supports_masking = True  # as in Keras: a mask passes through unchanged

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            axis,
            epsilon,
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
            **kwargs,
        )
        if not _is_int(axis):
            raise ValueError(f"{self._label}: `axis` must be an int (the channel axis), received {axis!r}.")
        if not _is_int(groups) or (groups <= 0 and groups != -1):
            raise ValueError(
                f"{self._label}: `groups` must be a positive int (or -1 for one group per channel), "
                f"received {groups!r}."
            )
        self.groups = groups
        self._rank = 0

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 2:
            raise ValueError(
                f"{self._label}: expected an input of rank >= 2 (batch, ..., channels), "
                f"received shape {tuple(input_shape)}."
            )
        (axis,) = _resolve_axes(self._label, self.axis, input_shape)
        channels = input_shape[axis]
        groups = channels if self.groups == -1 else self.groups
        if groups > channels:
            raise ValueError(
                f"{self._label}: `groups` ({groups}) cannot be more than the number of channels ({channels}) on "
                f"axis {self.axis[0]} of input shape {tuple(input_shape)}."
            )
        if channels % groups:
            raise ValueError(
                f"{self._label}: the number of channels ({channels}) on axis {self.axis[0]} of input shape "
                f"{tuple(input_shape)} must be divisible by `groups` ({groups})."
            )
        self.groups = groups  # Keras resolves -1 to the channel count at build time
        self._axes = (axis,)
        self._param_shape = (channels,)
        self._expected_axes = {axis: channels}
        self._add_gamma_beta(self._param_shape, self.scale, self.center)
        # The grouped view inserts the group axis before the channel axis: (..., groups, channels // groups, ...).
        rank = len(input_shape)
        self._broadcast_shape = (1,) * axis + (groups, channels // groups) + (1,) * (rank - axis - 1)
        self._rank = rank

    def _check_input_shape(self, shape: tuple) -> None:
        if len(shape) != self._rank:
            raise ValueError(f"{self._label}: expected an input of rank {self._rank}, received shape {tuple(shape)}.")
        super()._check_input_shape(shape)

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = tuple(b.shape(inputs))
        (axis,) = self._axes
        channels = self._param_shape[0]
        grouped = (-1,) + shape[1:axis] + (self.groups, channels // self.groups) + shape[axis + 1 :]
        x = b.reshape(inputs, grouped)
        reduce_axes = tuple(a for a in range(1, len(grouped)) if a != axis)
        mean = b.mean(x, axis=reduce_axes, keepdims=True)
        variance = b.var(x, axis=reduce_axes, keepdims=True)
        return b.reshape(self._apply(x, mean, variance), (-1,) + shape[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "groups": self.groups}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over ``axis``: ``inputs / max(norm(inputs), 1e-12)``.

    Args:
        axis: int or sequence of ints, the axes the norm is taken over (``-1``).
    """

    supports_masking = True

    supports_masking = True  # as in Keras: a mask passes through unchanged

    def __init__(self, axis: Any = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        label = f"UnitNormalization '{self.name}'"
        axes = _normalize_axes(label, axis)
        self.axis: int | list[int] = axes[0] if _is_int(axis) else list(axes)
        self._axes = axes

    def _resolved_axes(self, input_shape: tuple) -> tuple[int, ...]:
        rank = len(input_shape)
        for axis in self._axes:
            if not -rank <= axis < rank:
                raise ValueError(
                    f"UnitNormalization '{self.name}': axis {axis} is out of bounds for input of shape "
                    f"{tuple(input_shape)}."
                )
        return tuple(sorted({a % rank for a in self._axes}))

    def build(self, input_shape: tuple) -> None:
        self._resolved_axes(input_shape)

    def call(self, inputs: Any) -> Any:
        b = active()
        if not b.dtype_name(inputs).startswith(("float", "bfloat")):
            inputs = b.cast(inputs, self.dtype)
        dtype = b.dtype_name(inputs)
        squares = b.sum(b.square(inputs), axis=self._resolved_axes(b.shape(inputs)), keepdims=True)
        # max(norm, 1e-12) on the squared norm: the same value, and a zero gradient (not NaN) at a zero input
        floor = b.convert_to_tensor(1e-24, dtype)
        return b.multiply(inputs, b.rsqrt(b.maximum(squares, floor)))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        self._resolved_axes(input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """Root-mean-square normalization: ``inputs / sqrt(mean(inputs**2, axis) + epsilon) * scale``, with a
    learned ``scale`` (initialized to ones) over the normalized axes.

    Args:
        axis: int or sequence of ints, the axes normalized over (``-1``).
        epsilon: small float added to the mean square (``1e-6``).
    """

    _computes_in_float32 = True  # as Keras's op: statistics in at least float32

    def __init__(self, axis: Any = -1, epsilon: float = 1e-6, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        label = f"RMSNormalization '{self.name}'"
        self._axes = _normalize_axes(label, axis)
        self.axis = axis if _is_int(axis) else list(axis)
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon < 0:
            raise ValueError(f"{label}: `epsilon` must be a float >= 0, received {epsilon!r}.")
        self.epsilon = epsilon

    def _resolve(self, input_shape: tuple) -> tuple[int, ...]:
        rank = len(input_shape)
        for axis in self._axes:
            if not -rank <= axis < rank:
                raise ValueError(
                    f"RMSNormalization '{self.name}': axis {axis} is out of bounds for input of shape "
                    f"{tuple(input_shape)}."
                )
        axes = tuple(sorted({a % rank for a in self._axes}))
        if any(input_shape[a] is None for a in axes):
            raise ValueError(
                f"RMSNormalization '{self.name}': the normalized axes {axes} of input shape {tuple(input_shape)} "
                "must be known."
            )
        return axes

    def build(self, input_shape: tuple) -> None:
        axes = self._resolve(input_shape)
        rank = len(input_shape)
        self._expected_axes = {a - rank: input_shape[a] for a in axes}  # from the end: any rank, as in Keras
        self.scale = self.add_weight(tuple(input_shape[a] for a in axes), "ones", name="scale")

    def call(self, inputs: Any) -> Any:
        b = active()
        shape = b.shape(inputs)
        axes = self._resolve(shape)
        mean_square = b.mean(b.square(inputs), axis=axes, keepdims=True)
        normalized = b.multiply(inputs, b.rsqrt(b.add(mean_square, self.epsilon)))
        broadcast = [shape[a] if a in axes else 1 for a in range(len(shape))]
        return b.multiply(normalized, b.reshape(self.scale.value, broadcast))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self._axes):
            self._resolve(input_shape)
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}


__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "RMSNormalization", "UnitNormalization"]
