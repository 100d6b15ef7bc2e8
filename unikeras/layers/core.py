"""Core layers: Dense, Identity, and the input layer behind ``unikeras.Input``."""

from __future__ import annotations

from typing import Any

from unikeras import activations, config, constraints, initializers, regularizers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active
from unikeras.symbolic import KerasTensor


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``; kernel of shape ``(input_dim, units)``.

    Args:
        units: positive int, output size.
        activation: name or callable; ``None`` is linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer for the kernel (``"glorot_uniform"``).
        bias_initializer: initializer for the bias (``"zeros"``).
        kernel_regularizer, bias_regularizer: penalties added to ``losses`` (``"l1"``, ``"l2"``, ...).
        activity_regularizer: penalty on the outputs, added to ``losses`` per call (divided by the batch size).
        kernel_constraint, bias_constraint: projections applied after each optimizer update
            (``"max_norm"``, ``"non_neg"``, ``"unit_norm"``, ...).
    """

    supports_masking = True

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._expected_min_ndim = 2
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense '{self.name}': `units` must be a positive int, received {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 2:
            raise ValueError(
                f"Dense '{self.name}': expected an input of rank >= 2 (batch, ..., features), "
                f"received shape {tuple(input_shape)}."
            )
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Dense '{self.name}': the last input axis must be known, received shape {input_shape}.")
        self.kernel = self.add_weight(
            (input_dim, self.units),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,),
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._expected_axes = {-1: input_dim}

    def call(self, inputs: Any) -> Any:
        b = active()
        outputs = b.dense(inputs, self.kernel.value, None if self.bias is None else self.bias.value)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class InputLayer(Layer):
    """The layer behind a model input: holds the input's shape and dtype, passes data through.

    Args:
        shape: shape without the batch axis.
        batch_size: optional fixed batch size.
        dtype: input dtype (``floatx()``).
    """

    def __init__(
        self,
        shape: tuple | None = None,
        batch_size: int | None = None,
        dtype: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_shape" in kwargs:
            batch_shape = tuple(kwargs.pop("batch_shape"))
            batch_size, shape = batch_shape[0], batch_shape[1:]
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is None:
            raise ValueError(f"InputLayer '{self.name}': `shape` is required.")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.batch_shape = (batch_size,) + shape
        self._tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name, layer=self)
        self.built = True

    @property
    def input(self) -> KerasTensor:
        return self._tensor

    @property
    def output(self) -> KerasTensor:
        """The symbolic tensor ``keras.Input`` returns."""
        return self._tensor

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict:
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name}


def Input(  # noqa: N802 - Keras's name
    shape: tuple | None = None,
    batch_size: int | None = None,
    dtype: str | None = None,
    name: str | None = None,
    batch_shape: tuple | None = None,
) -> KerasTensor:
    """A symbolic model input of ``shape`` (without the batch axis)."""
    if batch_shape is not None:
        layer = InputLayer(batch_shape=batch_shape, dtype=dtype or config.floatx(), name=name)
    else:
        layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype or config.floatx(), name=name)
    return layer.output


class Lambda(Layer):
    """Wraps a function of tensors as a layer: ``function(inputs, **arguments)``.

    Args:
        function: callable written with ``unikeras.ops`` (so it runs on every backend).
        output_shape: the output shape without the batch axis, or a callable from the input
            shape to the output shape; inferred by running ``function`` on zeros when omitted.
        arguments: extra keyword arguments for ``function``.
    """

    def __init__(self, function: Any, output_shape: Any = None, arguments: dict | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda '{self.name}': `function` must be callable, received {function!r}.")
        self.function = function
        self.output_shape = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if callable(self.output_shape):
            return self.output_shape(input_shape)
        if self.output_shape is not None:
            return (input_shape[0],) + tuple(self.output_shape)
        b = active()

        def zeros(shape: tuple) -> Any:
            return b.zeros(tuple(1 if d is None else d for d in shape), self.compute_dtype)

        probe = [zeros(s) for s in input_shape] if isinstance(input_shape, list) else zeros(input_shape)
        out_shape = b.shape(self.function(probe, **self.arguments))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + tuple(out_shape[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "function": getattr(self.function, "__name__", repr(self.function))}

    @classmethod
    def from_config(cls, config: dict) -> Lambda:
        raise ValueError(
            f"Lambda '{config.get('name')}': its function is Python code and is not recreated from a config; "
            "build the layer again from the function."
        )


class Identity(Layer):
    """Returns its inputs (a tensor, or a list or dict of tensors) unchanged; masks pass through."""

    supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape
