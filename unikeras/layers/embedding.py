"""The Embedding layer: integer indices to dense vectors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from unikeras import constraints, initializers, regularizers
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
        embeddings_regularizer: penalty on the matrix added to ``losses``.
        embeddings_constraint: projection applied to the matrix after each optimizer update.
        mask_zero: whether index 0 is padding: the output mask is ``inputs != 0``, so that later
            layers (RNNs) skip those timesteps; index 0 then cannot be used in the vocabulary.
        weights: optional initial matrix of shape ``(input_dim, output_dim)`` (or a list holding it).
    """

    _lists_activity_regularizer = True

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Embedding: argument `input_length` is deprecated (Keras 3); remove it.", stacklevel=2)
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding '{self.name}': `{arg}` must be a positive int, received {value!r}.")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = _default_initializer(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            if isinstance(weights, (list, tuple)) and len(weights) == 1:
                weights = weights[0]
            weights = np.asarray(weights)
            if weights.shape != (input_dim, output_dim):
                raise ValueError(
                    f"Embedding '{self.name}': `weights` must have shape {(input_dim, output_dim)}, "
                    f"received {weights.shape}."
                )
            self._maybe_build((None,))
            self.set_weights([weights])

    def build(self, input_shape: tuple) -> None:
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            name="embeddings",
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs: Any) -> Any:
        b = active()
        if b.dtype_name(inputs) != "int32":
            inputs = b.cast(inputs, "int32")
        return b.take(self.embeddings.value, inputs, axis=0)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """``inputs != 0`` when ``mask_zero``, else ``None``."""
        if not self.mask_zero:
            return None
        b = active()
        return b.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
