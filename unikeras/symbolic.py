"""Symbolic tensors: a shape and dtype standing for data not yet seen (``unikeras.Input``)."""

from __future__ import annotations

from typing import Any


class KerasTensor:
    """A placeholder with a static ``shape`` (``None`` for unknown sizes) and ``dtype``.

    ``layer``: the layer that produced it (an ``InputLayer`` for model inputs).
    """

    __slots__ = ("shape", "dtype", "name", "layer", "node", "index")

    def __init__(
        self,
        shape: tuple[int | None, ...],
        dtype: str = "float32",
        name: str | None = None,
        layer: Any = None,
        node: Node | None = None,
        index: int = 0,
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.layer = layer
        self.node = node  # the call that produced it; None for a model input
        self.index = index  # which output of that call

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name!r}>"

    # Operators record ``unikeras.ops`` calls in the functional graph (see unikeras/ops/symbolic.py).
    def __add__(self, other: Any) -> Any:
        return _ops().add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _ops().add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _ops().subtract(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _ops().subtract(other, self)

    def __mul__(self, other: Any) -> Any:
        return _ops().multiply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _ops().multiply(other, self)

    def __truediv__(self, other: Any) -> Any:
        return _ops().divide(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _ops().divide(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _ops().floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return _ops().floor_divide(other, self)

    def __mod__(self, other: Any) -> Any:
        return _ops().mod(self, other)

    def __pow__(self, other: Any) -> Any:
        return _ops().power(self, other)

    def __rpow__(self, other: Any) -> Any:
        return _ops().power(other, self)

    def __matmul__(self, other: Any) -> Any:
        return _ops().matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _ops().matmul(other, self)

    def __neg__(self) -> Any:
        return _ops().negative(self)

    def __abs__(self) -> Any:
        return _ops().abs(self)

    def __lt__(self, other: Any) -> Any:
        return _ops().less(self, other)

    def __le__(self, other: Any) -> Any:
        return _ops().less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return _ops().greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return _ops().greater_equal(self, other)

    def __and__(self, other: Any) -> Any:
        return _ops().logical_and(self, other)

    def __or__(self, other: Any) -> Any:
        return _ops().logical_or(self, other)

    def __invert__(self) -> Any:
        return _ops().logical_not(self)

    def __getitem__(self, key: Any) -> Any:
        return _ops().get_item(self, key)

    def __bool__(self) -> bool:
        raise TypeError("A KerasTensor has no value yet: it cannot be used as a Python bool (in `if` or `and`).")

    __hash__ = object.__hash__  # identity: KerasTensors key the functional graph


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (a KerasTensor or a list of them), with the
    call's further positional and keyword arguments; ``outputs`` are the KerasTensors it produced.

    KerasTensors among the further arguments (``initial_state=[h, c]``, ``mask=m``) are inputs of the
    node too: ``parents`` lists them after the positional inputs, and a functional model substitutes
    their values when it runs the node."""

    __slots__ = ("layer", "inputs", "args", "kwargs", "outputs")

    def __init__(self, layer: Any, inputs: Any, kwargs: dict, args: tuple = ()) -> None:
        self.layer = layer
        self.inputs = inputs
        self.args = args  # further positional arguments of the call (``layer(x, y)``)
        self.kwargs = kwargs
        self.outputs: Any = None

    @property
    def parents(self) -> list[KerasTensor]:
        return symbolic_leaves(self.inputs) + symbolic_leaves(self.args) + symbolic_leaves(self.kwargs)


def symbolic_leaves(structure: Any) -> list[KerasTensor]:
    """The KerasTensors in ``structure`` (a KerasTensor, or lists, tuples and dicts holding some), in order."""
    if isinstance(structure, KerasTensor):
        return [structure]
    if isinstance(structure, dict):
        return [t for v in structure.values() for t in symbolic_leaves(v)]
    if isinstance(structure, (list, tuple)):
        return [t for v in structure for t in symbolic_leaves(v)]
    return []


def substitute(structure: Any, values: dict[int, Any]) -> Any:
    """``structure`` with each KerasTensor replaced by ``values[id(tensor)]`` (lists, tuples and dicts
    rebuilt, everything else kept)."""
    if isinstance(structure, KerasTensor):
        return values[id(structure)]
    if isinstance(structure, dict):
        return {k: substitute(v, values) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(substitute(v, values) for v in structure)
    return structure


def _ops() -> Any:
    from unikeras import ops

    return ops


def is_symbolic(x: Any) -> bool:
    return isinstance(x, KerasTensor)
