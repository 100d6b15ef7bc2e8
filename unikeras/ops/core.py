"""Core ops: conversion, dtypes, gradients."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from unikeras.ops.dispatch import active, primitive
from unikeras.symbolic import KerasTensor
from unikeras.variables import Variable

cast = primitive("cast")
stop_gradient = primitive("stop_gradient")
slice = primitive("slice")  # noqa: A001 - Keras's name
scatter_update = primitive("scatter_update")


def convert_to_tensor(x: Any, dtype: str | None = None) -> Any:
    """``x`` as a tensor of the active backend."""
    if isinstance(x, Variable):
        x = x.value
    return active().convert_to_tensor(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """``x`` as a NumPy array."""
    if isinstance(x, Variable):
        return x.numpy()
    backend = active()
    return backend.to_numpy(x) if backend.is_tensor(x) else np.asarray(x)


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a native tensor of the active backend."""
    return active().is_tensor(x)


def shape(x: Any) -> tuple[int, ...]:
    """Static shape as a tuple of ints (``None`` for unknown axes of a KerasTensor)."""
    if isinstance(x, (Variable, KerasTensor)):
        return x.shape
    return active().shape(x)


def dtype(x: Any) -> str:
    """The dtype name of ``x``."""
    if isinstance(x, (Variable, KerasTensor)):
        return x.dtype
    return active().dtype_name(x)


def get_item(x: Any, key: Any) -> Any:
    """``x[key]`` with NumPy basic indexing (ints, slices, ``None``, ``...``)."""
    if isinstance(x, Variable):
        x = x.value
    return x[key]


def value_and_grad(
    fn: Callable[..., Any], variables: Sequence[Variable], has_aux: bool = False
) -> Callable[..., tuple[Any, list[Any]]]:
    """A function of ``fn``'s arguments returning ``(value, grads)`` on any backend.

    Args:
        fn: reads ``variables`` (through layers or ``.value``) and returns a scalar, or
            ``(scalar, aux)`` when ``has_aux``.
        variables: the Variables to differentiate with respect to.
        has_aux: whether ``fn`` returns auxiliary data along with the scalar.

    Returns:
        A function giving ``(fn's result, [gradient per variable])``.

    Example:
        >>> grad_fn = ops.value_and_grad(lambda x, y: loss(y, model(x)), model.trainable_variables)
        >>> loss_value, grads = grad_fn(x, y)
    """
    variables = list(variables)
    for v in variables:
        if not isinstance(v, Variable):
            raise TypeError(f"value_and_grad(): `variables` must hold Variables, received {type(v).__name__}.")
    backend = variables[0].backend if variables else active()
    return backend.value_and_grad(fn, variables, has_aux=has_aux)


__all__ = [
    "cast",
    "stop_gradient",
    "slice",
    "scatter_update",
    "convert_to_tensor",
    "convert_to_numpy",
    "is_tensor",
    "shape",
    "dtype",
    "get_item",
    "value_and_grad",
]
