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


class Node:
    """One call of ``layer`` on symbolic ``inputs`` (a KerasTensor or a list of them), with the
    call's keyword arguments; ``outputs`` are the KerasTensors it produced."""

    __slots__ = ("layer", "inputs", "kwargs", "outputs")

    def __init__(self, layer: Any, inputs: Any, kwargs: dict) -> None:
        self.layer = layer
        self.inputs = inputs
        self.kwargs = kwargs
        self.outputs: Any = None

    @property
    def parents(self) -> list[KerasTensor]:
        return [self.inputs] if isinstance(self.inputs, KerasTensor) else list(self.inputs)


def is_symbolic(x: Any) -> bool:
    return isinstance(x, KerasTensor)
