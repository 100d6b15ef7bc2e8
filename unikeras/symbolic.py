"""Symbolic tensors: a shape and dtype standing for data not yet seen (``unikeras.Input``)."""

from __future__ import annotations

from typing import Any


class KerasTensor:
    """A placeholder with a static ``shape`` (``None`` for unknown sizes) and ``dtype``.

    ``layer``: the layer that produced it (an ``InputLayer`` for model inputs).
    """

    def __init__(
        self, shape: tuple[int | None, ...], dtype: str = "float32", name: str | None = None, layer: Any = None
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.layer = layer

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name!r}>"


def is_symbolic(x: Any) -> bool:
    return isinstance(x, KerasTensor)
