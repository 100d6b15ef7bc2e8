"""EinsumDense: a dense layer whose contraction is written as an einsum equation (Keras semantics)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import activations, constraints, initializers, regularizers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active

__all__ = ["EinsumDense"]

_EQUATION = re.compile(r"^(\.\.\.)?([a-zA-Z]+)(\.\.\.)?,([a-zA-Z]+)->(\.\.\.)?([a-zA-Z]+)(\.\.\.)?$")


def parse_equation(equation: Any, owner: str) -> tuple[str, str, str, str | None]:
    """``(input_spec, kernel_spec, output_spec, ellipsis)`` of ``"ab,bc->ac"``, ``"...b,bc->...c"`` or
    ``"ab...,bc->ac..."``; ``ellipsis`` is ``None``, ``"left"`` or ``"right"``."""
    match = _EQUATION.match(equation.replace(" ", "")) if isinstance(equation, str) else None
    if match is None:
        raise ValueError(
            f"{owner}: invalid `equation` {equation!r}; expected the form 'ab,bc->ac', '...b,bc->...c' or "
            "'ab...,bc->ac...' (letters only, one input and one kernel)."
        )
    in_left, inputs, in_right, kernel, out_left, outputs, out_right = match.groups()
    if (in_left, in_right) != (out_left, out_right) or (in_left and in_right):
        raise ValueError(
            f"{owner}: invalid `equation` {equation!r}; an ellipsis must stand at the same end of the input and "
            "the output, and at one end only."
        )
    for name, spec in (("input", inputs), ("kernel", kernel), ("output", outputs)):
        if len(set(spec)) != len(spec):
            raise ValueError(f"{owner}: invalid `equation` {equation!r}; the {name} spec {spec!r} repeats a letter.")
    for dim in outputs:
        if dim not in inputs and dim not in kernel:
            raise ValueError(
                f"{owner}: invalid `equation` {equation!r}; output dimension {dim!r} is in neither the input "
                f"spec {inputs!r} nor the kernel spec {kernel!r}."
            )
    for dim in kernel:
        if dim not in inputs and dim not in outputs:
            raise ValueError(
                f"{owner}: invalid `equation` {equation!r}; kernel dimension {dim!r} is in neither the input "
                f"spec {inputs!r} nor the output spec {outputs!r}."
            )
    return inputs, kernel, outputs, ("left" if in_left else "right" if in_right else None)


class _Analysis:
    """Shapes implied by an equation, a partial output shape and an input shape."""

    def __init__(
        self, layer: EinsumDense, input_shape: Sequence[int | None], partial: tuple, bias_axes: str | None
    ) -> None:
        owner = layer._owner
        inputs, kernel, outputs, ellipsis = parse_equation(layer.equation, owner)
        input_shape = tuple(input_shape)
        elided = len(input_shape) - len(inputs)
        if elided < 0 or (ellipsis is None and elided != 0) or (ellipsis == "left" and elided == 0):
            need = f"{len(inputs)}" if ellipsis is None else f"more than {len(inputs)}"
            raise ValueError(
                f"{owner}: equation {layer.equation!r} expects an input of rank {need}, received shape {input_shape}."
            )
        # The output's leading (batch) axis is the input's; `output_shape` gives the rest of the explicit axes.
        explicit = len(outputs) if ellipsis == "left" else len(outputs) - 1
        if len(partial) != explicit:
            raise ValueError(
                f"{owner}: `output_shape` must have {explicit} entries for equation {layer.equation!r} "
                f"(the output axes besides the batch axis{' and the ellipsis' if ellipsis else ''}), "
                f"received {partial}."
            )
        if ellipsis == "left":
            # `...` covers the leading input axes (batch included); the letters name the trailing ones.
            in_axis = {d: elided + i for i, d in enumerate(inputs)}
            out_axis = {d: elided + i for i, d in enumerate(outputs)}
            full = list(input_shape[:elided]) + list(partial)
        else:
            in_axis = {d: i for i, d in enumerate(inputs)}
            out_axis = {d: i for i, d in enumerate(outputs)}
            full = [input_shape[0], *partial] + list(input_shape[len(inputs) :])
        for dim, axis in out_axis.items():
            if dim in in_axis:
                size = input_shape[in_axis[dim]]
                if full[axis] is None:
                    full[axis] = size
                elif size is not None and full[axis] != size:
                    raise ValueError(
                        f"{owner}: input and output sizes differ on the shared dimension {dim!r}: the input has "
                        f"{size}, `output_shape` asks for {full[axis]} (input shape {input_shape})."
                    )
        self.kernel_shape: list[int | None] = []
        self.input_axes: list[int] = []
        self.output_axes: list[int] = []
        for i, dim in enumerate(kernel):
            if dim in out_axis:
                self.kernel_shape.append(full[out_axis[dim]])
                self.output_axes.append(i)
            else:
                self.kernel_shape.append(input_shape[in_axis[dim]])
                self.input_axes.append(i)
        # Input axes the kernel contracts with: their sizes are fixed once built.
        self.fixed_input_axes = {in_axis[d] - len(input_shape): input_shape[in_axis[d]] for d in kernel if d in in_axis}
        self.output_shape = tuple(full)
        self.bias_shape: tuple[int | None, ...] | None = None
        if bias_axes is not None:
            for char in bias_axes:
                if char not in outputs:
                    raise ValueError(
                        f"{owner}: `bias_axes` {bias_axes!r} names {char!r}, which is not in the output spec "
                        f"{outputs!r} of equation {layer.equation!r}."
                    )
            first = min(outputs.index(c) for c in bias_axes)
            shape = [full[out_axis[c]] if c in bias_axes else 1 for c in outputs[first:]]
            if ellipsis == "right":
                shape += [1] * elided
            self.bias_shape = tuple(shape)


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``, a dense layer of any dimensionality.

    Args:
        equation: einsum equation of the form ``"ab,bc->ac"``, ``"...b,bc->...c"`` or
            ``"ab...,bc->ac..."``: input spec, kernel spec, output spec.
        output_shape: the output shape without the batch axis and without the axes the ellipsis
            stands for (an int for a single axis); ``None`` entries are taken from the input.
        activation: name or callable; ``None`` is linear.
        bias_axes: letters of the output spec that get a bias (``None``: no bias).
        kernel_initializer: initializer for the kernel (``"glorot_uniform"``; variance-scaling
            initializers count fans over the kernel's input and output axes, as Keras does).
        bias_initializer: initializer for the bias (``"zeros"``).
        kernel_regularizer: optional regularizer of the kernel.
        bias_regularizer: optional regularizer of the bias.
        kernel_constraint: optional constraint on the kernel.
        bias_constraint: optional constraint on the bias.

    Example: ``EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")`` is a ``Dense(64)``
    applied to every step of a ``(batch, steps, features)`` input.
    """

    _lists_activity_regularizer = True

    def __init__(
        self,
        equation: str,
        output_shape: int | Sequence[int | None],
        activation: Any = None,
        bias_axes: str | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = self._owner
        parse_equation(equation, owner)
        self.equation = equation
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            partial: tuple = (output_shape,)
        elif isinstance(output_shape, Sequence) and not isinstance(output_shape, str):
            partial = tuple(output_shape)
        else:
            raise ValueError(
                f"{owner}: `output_shape` must be an int or a sequence of ints or None, received {output_shape!r}."
            )
        if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in partial):
            raise ValueError(
                f"{owner}: `output_shape` entries must be positive ints or None, received {output_shape!r}."
            )
        self.partial_output_shape = partial
        if bias_axes is not None and (not isinstance(bias_axes, str) or not bias_axes.isalpha()):
            raise ValueError(
                f"{owner}: `bias_axes` must be a string of output letters or None, received {bias_axes!r}."
            )
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._input_rank: int | None = None

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _analyze(self, input_shape: Sequence[int | None]) -> _Analysis:
        return _Analysis(self, input_shape, self.partial_output_shape, self.bias_axes)

    def build(self, input_shape: tuple) -> None:
        shapes = self._analyze(input_shape)
        for name, shape in (("kernel", shapes.kernel_shape), ("bias", shapes.bias_shape)):
            if shape is not None and any(d is None for d in shape):
                raise ValueError(
                    f"{self._owner}: cannot infer the {name} shape {tuple(shape)} from equation {self.equation!r}, "
                    f"output_shape {self.partial_output_shape} and input shape {tuple(input_shape)}; give the "
                    "missing sizes in `output_shape`."
                )
        self.kernel = self.add_weight(
            tuple(shapes.kernel_shape),
            _fan_aware(self.kernel_initializer, shapes.input_axes, shapes.output_axes),
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if shapes.bias_shape is not None:
            self.bias = self.add_weight(
                shapes.bias_shape,
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._input_rank = len(input_shape)
        self._expected_axes = shapes.fixed_input_axes

    def _check_input_shape(self, shape: tuple) -> None:
        if self._input_rank is not None and len(shape) != self._input_rank:
            raise ValueError(
                f"{self._owner}: expected an input of rank {self._input_rank}, received shape {tuple(shape)}."
            )
        super()._check_input_shape(shape)

    def call(self, inputs: Any) -> Any:
        b = active()
        outputs = b.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            outputs = b.add(outputs, self.bias.value)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self._analyze(input_shape).output_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


def _fan_aware(initializer: Any, input_axes: list[int], output_axes: list[int]) -> Any:
    """For a variance-scaling initializer, one that takes ``fan_in`` / ``fan_out`` as the products of the
    kernel's input / output axes (Keras's EinsumDense rule) instead of the Dense/Conv convention.
    Entries are i.i.d., so a ``(fan_in, fan_out)`` draw reshaped to the kernel has the right law."""
    if not isinstance(initializer, initializers.VarianceScaling):
        return initializer

    def draw(shape: tuple[int, ...], dtype: str | None = None) -> np.ndarray:
        fan_in = math.prod(shape[i] for i in input_axes)
        fan_out = math.prod(shape[i] for i in output_axes)
        return np.reshape(initializer((fan_in, fan_out), dtype), shape)

    return draw
