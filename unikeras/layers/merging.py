"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and their
functional helpers (``add``, ``subtract``, ... ``dot``)."""

from __future__ import annotations

from typing import Any

from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


def _as_shape_list(layer: Layer, input_shape: Any, exactly: int | None = None) -> list[tuple]:
    """The input shapes as a list of tuples; a ValueError unless there are >= 2 (or ``exactly``)."""
    kind = type(layer).__name__
    if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
        raise ValueError(f"{kind} '{layer.name}': expects a list of input tensors, received shape {input_shape}.")
    shapes = [tuple(s) for s in input_shape]
    if exactly is not None and len(shapes) != exactly:
        raise ValueError(f"{kind} '{layer.name}': expects exactly {exactly} inputs, received {len(shapes)}.")
    if len(shapes) < 2:
        raise ValueError(f"{kind} '{layer.name}': expects at least 2 inputs, received {len(shapes)}.")
    return shapes


def _broadcast_pair(a: tuple, b: tuple) -> tuple | None:
    """NumPy broadcasting of two shapes (``None`` is an unknown size); ``None`` when incompatible."""
    rank = max(len(a), len(b))
    a = (1,) * (rank - len(a)) + tuple(a)
    b = (1,) * (rank - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        elif x == y:
            out.append(x)
        else:
            return None
    return tuple(out)


class _Merge(Layer):
    """Elementwise merge of a list of inputs (shapes broadcast NumPy-style)."""

    supports_masking = True

    _exactly: int | None = None

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = _as_shape_list(self, input_shape, self._exactly)
        out = shapes[0]
        for shape in shapes[1:]:
            merged = _broadcast_pair(out, shape)
            if merged is None:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': inputs have incompatible shapes "
                    f"{[tuple(s) for s in shapes]} (cannot broadcast {out} with {shape})."
                )
            out = merged
        return out

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        b = active()
        inputs = list(inputs)
        _as_shape_list(self, [b.shape(x) for x in inputs], self._exactly)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(b, out, x)
        return out


class Add(_Merge):
    """Elementwise sum of a list of inputs."""

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        return b.add(x, y)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    _exactly = 2

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        return b.subtract(x, y)


class Multiply(_Merge):
    """Elementwise product of a list of inputs."""

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        return b.multiply(x, y)


class Average(_Merge):
    """Elementwise mean of a list of inputs."""

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        return b.add(x, y)

    def call(self, inputs: Any) -> Any:
        return active().divide(super().call(inputs), float(len(inputs)))


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs."""

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        return b.maximum(x, y)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs."""

    def _merge(self, b: Any, x: Any, y: Any) -> Any:
        return b.minimum(x, y)


class Concatenate(Layer):
    """Concatenates a list of inputs along ``axis``; every other axis must match.

    Args:
        axis: the concatenation axis (``-1``).
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"Concatenate '{self.name}': `axis` must be an int, received {axis!r}.")
        self.axis = axis

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = _as_shape_list(self, input_shape)
        rank = len(shapes[0])
        bad = f"Concatenate '{self.name}': inputs of shapes {shapes} cannot be concatenated on axis {self.axis}"
        if any(len(s) != rank for s in shapes):
            raise ValueError(f"{bad}: ranks differ.")
        if not -rank <= self.axis < rank:
            raise ValueError(f"{bad}: axis out of range for rank {rank}.")
        axis = self.axis % rank
        out = list(shapes[0])
        for shape in shapes[1:]:
            for i, (x, y) in enumerate(zip(out, shape)):
                if i == axis:
                    out[i] = None if x is None or y is None else x + y
                elif x is None:
                    out[i] = y
                elif y is not None and x != y:
                    raise ValueError(f"{bad}: every axis but the concatenation axis must match.")
        return tuple(out)

    def call(self, inputs: Any) -> Any:
        b = active()
        inputs = list(inputs)
        self.compute_output_shape([b.shape(x) for x in inputs])
        return b.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input masks (all ``True`` for an input without one) concatenated along ``axis``, then
        reduced with ``any`` over the last axis, as Keras does."""
        if mask is None or all(m is None for m in mask):
            return None
        b = active()
        masks = []
        for x, m in zip(inputs, mask):
            shape = b.shape(x)
            if m is None:
                m = b.ones(shape, "bool")
            elif len(b.shape(m)) < len(shape):
                m = b.broadcast_to(b.expand_dims(m, -1), shape)
            masks.append(m)
        return b.any(b.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


_LETTERS = "bcdefghijklmnopq"


class Dot(Layer):
    """Batch dot product of two inputs (Keras's ``Dot``): sums ``x`` along ``axes[0]`` against ``y``
    along ``axes[1]``; the output holds ``x``'s remaining axes then ``y``'s (``(batch, 1)`` for two
    2-d inputs).

    Args:
        axes: an int (same axis on both inputs) or a pair of ints; never the batch axis 0.
        normalize: L2-normalize both inputs along ``axes`` first (cosine proximity).
    """

    supports_masking = True

    def __init__(self, axes: int | tuple[int, int], normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axes, int) and not isinstance(axes, bool):
            axes = (axes, axes)
        if not (
            isinstance(axes, (list, tuple))
            and len(axes) == 2
            and all(isinstance(a, int) and not isinstance(a, bool) for a in axes)
        ):
            raise ValueError(f"Dot '{self.name}': `axes` must be an int or a pair of ints, received {axes!r}.")
        self.axes = tuple(axes)
        self.normalize = bool(normalize)

    def _resolve(self, shapes: list[tuple]) -> tuple[int, int]:
        axes = []
        for axis, shape in zip(self.axes, shapes):
            rank = len(shape)
            if rank not in (2, 3):
                raise ValueError(f"Dot '{self.name}': inputs must be 2-d or 3-d, received shapes {shapes}.")
            if not -rank <= axis < rank or axis % rank == 0:
                raise ValueError(
                    f"Dot '{self.name}': axis {axis} is invalid for input of shape {shape} (the batch axis "
                    f"0 cannot be reduced)."
                )
            axes.append(axis % rank)
        return axes[0], axes[1]

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = _as_shape_list(self, input_shape, exactly=2)
        ax, ay = self._resolve(shapes)
        x, y = shapes
        if x[ax] is not None and y[ay] is not None and x[ax] != y[ay]:
            raise ValueError(
                f"Dot '{self.name}': incompatible shapes {x} and {y}: axis {ax} of size {x[ax]} vs "
                f"axis {ay} of size {y[ay]}."
            )
        if x[0] is not None and y[0] is not None and x[0] != y[0]:
            raise ValueError(f"Dot '{self.name}': batch sizes differ in shapes {x} and {y}.")
        batch = x[0] if x[0] is not None else y[0]
        rest = tuple(d for i, d in enumerate(x) if i not in (0, ax)) + tuple(
            d for i, d in enumerate(y) if i not in (0, ay)
        )
        return (batch,) + (rest if rest else (1,))

    def call(self, inputs: Any) -> Any:
        b = active()
        shapes = [b.shape(t) for t in inputs]
        out_shape = self.compute_output_shape(shapes)
        x, y = inputs
        ax, ay = self._resolve(shapes)
        if self.normalize:
            x, y = _l2_normalize(b, x, ax), _l2_normalize(b, y, ay)
        x_letters = ["a"] + [_LETTERS[i] for i in range(len(shapes[0]) - 1)]
        y_letters = ["a"] + [_LETTERS[len(shapes[0]) - 1 + i] for i in range(len(shapes[1]) - 1)]
        y_letters[ay] = x_letters[ax]
        out_letters = [c for i, c in enumerate(x_letters) if i != ax] + [
            c for i, c in enumerate(y_letters) if i not in (0, ay)
        ]
        out = b.einsum(f"{''.join(x_letters)},{''.join(y_letters)}->{''.join(out_letters)}", x, y)
        if len(out_letters) == 1:
            out = b.reshape(out, (out_shape[0], 1))
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None  # the contracted axes are gone: no output mask, as in Keras

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": list(self.axes), "normalize": self.normalize}


def _l2_normalize(b: Any, x: Any, axis: int) -> Any:
    norm = b.sqrt(b.maximum(b.sum(b.square(x), axis=axis, keepdims=True), 1e-12))
    return b.divide(x, norm)


# ---------------------------------------------------------------------- functional helpers
def add(inputs: list, **kwargs: Any) -> Any:
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list, **kwargs: Any) -> Any:
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list, **kwargs: Any) -> Any:
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list, **kwargs: Any) -> Any:
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list, **kwargs: Any) -> Any:
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list, **kwargs: Any) -> Any:
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list, axes: int | tuple[int, int] = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """``Dot(axes=axes, normalize=normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = [
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "add",
    "subtract",
    "multiply",
    "average",
    "maximum",
    "minimum",
    "concatenate",
    "dot",
]
