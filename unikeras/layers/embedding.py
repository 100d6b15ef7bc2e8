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


class ReversibleEmbedding(Embedding):
    """An ``Embedding`` that can also map vectors back to logits over the vocabulary: called with
    ``reverse=True`` on ``(batch, ..., output_dim)`` inputs it returns ``inputs @ embeddings.T``
    (``(batch, ..., input_dim)``), or ``inputs @ reverse_embeddings`` when the weights are not tied.

    Args:
        input_dim: positive int, vocabulary size.
        output_dim: positive int, embedding size.
        tie_weights: whether the reverse projection uses the transposed embeddings (True) or its own
            ``reverse_embeddings`` weight of shape ``(output_dim, input_dim)``.
        embeddings_initializer: initializer of the matrices (``"uniform"``: ``RandomUniform(-0.05, 0.05)``).
        embeddings_regularizer: penalty on the embeddings added to ``losses``.
        embeddings_constraint: projection applied to the embeddings after each optimizer update.
        mask_zero: whether index 0 is padding (see ``Embedding``); the reverse call gives no mask.
        reverse_dtype: optional dtype the reverse matmul is computed in (inputs and kernel cast to it).
        logit_soft_cap: optional float ``c``: reverse logits become ``c * tanh(logits / c)``.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        tie_weights: bool = True,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        reverse_dtype: str | None = None,
        logit_soft_cap: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        if logit_soft_cap is not None and (
            not isinstance(logit_soft_cap, (int, float)) or isinstance(logit_soft_cap, bool) or logit_soft_cap <= 0
        ):
            raise ValueError(
                f"ReversibleEmbedding '{self.name}': `logit_soft_cap` must be None or a positive number, "
                f"received {logit_soft_cap!r}."
            )
        self.logit_soft_cap = logit_soft_cap
        self._reverse_shapes = False

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                (self.output_dim, self.input_dim), self.embeddings_initializer, name="reverse_embeddings"
            )

    def call(self, inputs: Any, reverse: bool = False) -> Any:
        self._reversed_call = reverse
        if not reverse:
            return super().call(inputs)
        b = active()
        shape = b.shape(inputs)
        if not shape or shape[-1] != self.output_dim:
            raise ValueError(
                f"ReversibleEmbedding '{self.name}': a reverse call expects inputs whose last axis has size "
                f"output_dim={self.output_dim}, received shape {tuple(shape)}."
            )
        kernel = b.transpose(self.embeddings.value, (1, 0)) if self.tie_weights else self.reverse_embeddings.value
        if self.reverse_dtype is not None:
            inputs, kernel = b.cast(inputs, self.reverse_dtype), b.cast(kernel, self.reverse_dtype)
        logits = b.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = float(self.logit_soft_cap)
            logits = b.multiply(b.tanh(b.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """``inputs != 0`` for a forward call with ``mask_zero``; ``None`` for a reverse call."""
        if getattr(self, "_reversed_call", False):
            return None
        return super().compute_mask(inputs, mask)

    def _symbolic_call(self, inputs: Any, kwargs: dict | None = None, args: tuple = ()) -> Any:
        self._reverse_shapes = bool((kwargs or {}).get("reverse"))
        try:
            return super()._symbolic_call(inputs, kwargs, args)
        finally:
            self._reverse_shapes = False

    def compute_output_shape(self, input_shape: tuple, reverse: bool = False) -> tuple:
        if reverse or self._reverse_shapes:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }
