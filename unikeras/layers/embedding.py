"""The Embedding layer: integer indices to dense vectors."""

from __future__ import annotations

from typing import Any

from unikeras import initializers
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


def _default_initializer(value: Any) -> Any:
    if value == "uniform":
        return initializers.RandomUniform(minval=-0.05, maxval=0.05)
    return initializers.get(value)


class Embedding(Layer):
    """Maps integer indices in ``[0, input_dim)`` to rows of a ``(input_dim, output_dim)`` matrix.

    Inputs of shape ``(batch, ...)`` (any integer or integral float dtype, cast to int32) give outputs
    of shape ``(batch, ..., output_dim)``.

    Args:
        input_dim: positive int, vocabulary size.
        output_dim: positive int, embedding size.
        embeddings_initializer: initializer of the matrix (``"uniform"``: ``RandomUniform(-0.05, 0.05)``).
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding '{self.name}': `{arg}` must be a positive int, received {value!r}.")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = _default_initializer(embeddings_initializer)

    def build(self, input_shape: tuple) -> None:
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim), self.embeddings_initializer, name="embeddings"
        )

    def call(self, inputs: Any) -> Any:
        b = active()
        if b.dtype_name(inputs) != "int32":
            inputs = b.cast(inputs, "int32")
        return b.take(self.embeddings.value, inputs, axis=0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
        }
