"""GroupQueryAttention (Ainslie et al., 2023): multi-head attention whose key and value heads are shared by
groups of query heads, in Keras 3's weight layout (EinsumDense projections ``query``, ``key``, (``gate``,)
``value`` and ``attention_output``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from unikeras import constraints, dtype_policies, initializers, random, regularizers
from unikeras.layers.attention import (
    _check_dropout,
    as_bool_mask,
    causal_mask,
    check_all_symbolic,
    check_broadcastable,
    masked_softmax,
    record_symbolic_call,
)
from unikeras.layers.einsum_dense import EinsumDense
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active

__all__ = ["GroupQueryAttention"]


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


class GroupQueryAttention(Layer):
    """Grouped-query attention: ``query`` is projected to ``num_query_heads`` heads, ``key`` and ``value``
    to ``num_key_value_heads`` heads, each key/value head serving ``num_query_heads // num_key_value_heads``
    query heads; ``softmax(query . key / sqrt(head_dim))`` weighs the values per head, and the heads are
    projected back to the query's feature size.

    Args:
        head_dim: positive int, size of each attention head.
        num_query_heads: positive int, number of query heads.
        num_key_value_heads: positive int dividing ``num_query_heads``, number of key and value heads.
        dropout: float in ``[0, 1)``, dropout rate on the attention probabilities during training.
        use_bias: whether the projections have biases.
        sliding_window: optional positive int: each query step attends only to key steps closer than it.
        flash_attention: accepted for Keras compatibility; the result is the same without a fused kernel
            (``True`` with ``dropout > 0`` is an error, as in Keras).
        kernel_initializer: initializer of the projection kernels (``"glorot_uniform"``).
        bias_initializer: initializer of the projection biases (``"zeros"``).
        kernel_regularizer: optional regularizer of the projection kernels.
        bias_regularizer: optional regularizer of the projection biases.
        activity_regularizer: optional regularizer of the projections' outputs.
        kernel_constraint: optional constraint on the projection kernels.
        bias_constraint: optional constraint on the projection biases.
        use_gate: if True, a sigmoid projection of the query (``gate``) multiplies the attention output
            of each head before the output projection.
        seed: optional int seed of the dropout.

    Call arguments:
        query: ``(batch, T, dim)``; value: ``(batch, S, dim)``; key: optional ``(batch, S, dim)`` (``value``).
        query_mask, value_mask, key_mask: optional boolean ``(batch, T)`` / ``(batch, S)`` step masks (from
            the inputs' masks when not given).
        attention_mask: optional boolean ``(batch, T, S)``, True where a query step may attend a key step.
        return_attention_scores: if True, return ``(output, scores)``; scores ``(batch, num_query_heads, T, S)``.
        training: whether dropout is applied.
        use_causal_mask: if True, query step ``i`` attends only to key steps ``j <= i``.
    """

    supports_masking = True

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = self._owner
        for arg, value in (
            ("head_dim", head_dim),
            ("num_query_heads", num_query_heads),
            ("num_key_value_heads", num_key_value_heads),
        ):
            if not _positive_int(value):
                raise ValueError(f"{owner}: `{arg}` must be a positive int, received {value!r}.")
        if num_query_heads % num_key_value_heads:
            raise ValueError(
                f"{owner}: `num_query_heads` must be divisible by `num_key_value_heads`, received "
                f"num_query_heads={num_query_heads} and num_key_value_heads={num_key_value_heads}."
            )
        if sliding_window is not None and not _positive_int(sliding_window):
            raise ValueError(f"{owner}: `sliding_window` must be None or a positive int, received {sliding_window!r}.")
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = _check_dropout(self, dropout)
        if flash_attention and self.dropout > 0.0:
            raise ValueError(f"{owner}: `dropout` must be 0 with `flash_attention=True`, received {dropout!r}.")
        self._flash_attention = flash_attention
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._projection_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    # -------------------------------------------------------------- calling with several tensors
    def __call__(self, query: Any, value: Any = None, key: Any = None, **kwargs: Any) -> Any:
        # The tensors travel as one list [query, value(, key)] through the base class and functional graphs.
        if value is None:
            if not isinstance(query, (list, tuple)) or not 2 <= len(query) <= 3:
                raise ValueError(f"{self._owner}: needs `query` and `value` tensors, received no `value`.")
            inputs = list(query)
        else:
            inputs = [query, value] if key is None else [query, value, key]
        return super().__call__(inputs, **kwargs)

    def _masked_call(self, inputs: Any, mask: Any, args: tuple, training: bool | None, kwargs: dict) -> tuple:
        if isinstance(mask, (list, tuple)):  # the inputs' masks become the query/value/key masks
            given = {
                name: m
                for name, m in zip(("query_mask", "value_mask", "key_mask"), mask)
                if m is not None and kwargs.get(name) is None
            }
            if given:
                kwargs = {**kwargs, **given}
        return super()._masked_call(inputs, mask, args, training, kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The query mask (the output has the query's steps)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        return None if mask is None else as_bool_mask(active(), mask)

    def _symbolic_call(self, inputs: Any, kwargs: dict | None = None) -> Any:
        kwargs = dict(kwargs or {})
        check_all_symbolic(self, inputs)
        shapes = [tuple(t.shape) for t in inputs]
        if not self.built:
            self._maybe_build(shapes)
        out_shapes = [self.compute_output_shape(shapes)]
        several = bool(kwargs.get("return_attention_scores"))
        if several:
            query, _, key = self._split_shapes(shapes, None, None)
            out_shapes.append((query[0], self.num_query_heads, query[1], key[1]))
        return record_symbolic_call(self, inputs, kwargs, out_shapes, several)

    # -------------------------------------------------------------- shapes and building
    def _split_shapes(self, query_shape: Any, value_shape: Any, key_shape: Any) -> tuple[tuple, tuple, tuple]:
        if value_shape is None:  # the base class passes the packed list of shapes
            if not isinstance(query_shape, (list, tuple)) or len(query_shape) < 2:
                raise ValueError(f"{self._owner}: needs the shapes of query and value, received {query_shape!r}.")
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        owner = self._owner
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"{owner}: expected a {name} of rank 3 (batch, steps, features), received {shape}.")
            if shape[-1] is None:
                raise ValueError(f"{owner}: the last axis of `{name}` must be known, received shape {shape}.")
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"{owner}: the last axes of query and value must be equal, received query {query_shape} and "
                f"value {value_shape}."
            )
        if value_shape[1] is not None and key_shape[1] is not None and value_shape[1] != key_shape[1]:
            raise ValueError(
                f"{owner}: value and key must have the same number of steps, received value {value_shape} and "
                f"key {key_shape}."
            )
        return query_shape, value_shape, key_shape

    def _projection(self, name: str, equation: str, heads: int, activation: Any = None) -> EinsumDense:
        return EinsumDense(
            equation,
            output_shape=(None, heads, self.head_dim),
            bias_axes=equation[-2:] if self.use_bias else None,
            activation=activation,
            name=name,
            **self._sublayer_kwargs(),
        )

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Create the projections for inputs of these shapes (or one list of the shapes)."""
        query_shape, value_shape, key_shape = self._split_shapes(query_shape, value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        # Creation order is Keras's get_weights() order: query, key, (gate,) value, attention_output.
        self._query_dense = self._projection("query", "bqm,muh->bquh", self.num_query_heads)
        self._query_dense._maybe_build(query_shape)
        self._key_dense = self._projection("key", "bkm,mvh->bkvh", self.num_key_value_heads)
        self._key_dense._maybe_build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("gate", "bqm,muh->bquh", self.num_query_heads, "sigmoid")
            self._gate_dense._maybe_build(query_shape)
        self._value_dense = self._projection("value", "bkm,mvh->bkvh", self.num_key_value_heads)
        self._value_dense._maybe_build(value_shape)
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm",
            output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense._maybe_build((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    def _sublayer_kwargs(self) -> dict:
        return {
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "activity_regularizer": self._projection_activity_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
            "dtype": dtype_policies.serialize(self.dtype_policy),
        }

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> tuple:
        query_shape, _, _ = self._split_shapes(query_shape, value_shape, key_shape)
        return query_shape

    # -------------------------------------------------------------- computing
    def _attention_mask(
        self, b: Any, t: int, s: int, attention_mask: Any, use_causal_mask: bool, step_masks: tuple
    ) -> Any:
        """The boolean mask broadcastable to the scores ``(batch, heads, T, S)``: the logical and of every
        mask given; None when nothing is masked."""
        query_mask, value_mask, key_mask = step_masks
        masks = []
        if attention_mask is not None:
            masks.append(as_bool_mask(b, attention_mask))
        if query_mask is not None:  # (batch, T) -> (batch, T, 1)
            masks.append(b.expand_dims(as_bool_mask(b, query_mask), -1))
        for step_mask in (value_mask, key_mask):  # (batch, S) -> (batch, 1, S)
            if step_mask is not None:
                masks.append(b.expand_dims(as_bool_mask(b, step_mask), -2))
        if use_causal_mask:
            masks.append(causal_mask(b, t, s))
        if self.sliding_window is not None:
            rows, cols = np.arange(t)[:, None], np.arange(s)[None, :]
            masks.append(b.convert_to_tensor(np.abs(rows - cols) < self.sliding_window))
        if not masks:
            return None
        combined = None
        for mask in masks:  # insert the heads axis (and any missing leading axes) before combining
            while len(b.shape(mask)) < 4:
                mask = b.expand_dims(mask, -3)
            check_broadcastable(self, b.shape(mask), (b.shape(mask)[0], self.num_query_heads, t, s), "a mask")
            combined = mask if combined is None else b.logical_and(combined, mask)
        return combined

    def call(
        self,
        query: Any,
        value: Any = None,
        key: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: bool | None = None,
        use_causal_mask: bool = False,
    ) -> Any:
        if value is None:  # the list [query, value(, key)] from __call__
            query, value, key = (list(query) + [None])[:3]
        if key is None:
            key = value
        b = active()
        self._split_shapes(b.shape(query), b.shape(value), b.shape(key))
        for dense, tensor in ((self._query_dense, query), (self._value_dense, value), (self._key_dense, key)):
            dense._check_input_shape(b.shape(tensor))
        gate = self._gate_dense.call(query) if self.use_gate else None
        query = b.multiply(self._query_dense.call(query), self._inverse_sqrt_head_dim)  # (batch, T, Hq, head_dim)
        key = b.repeat(self._key_dense.call(key), self.num_repeats, axis=2)  # (batch, S, Hq, head_dim)
        value = b.repeat(self._value_dense.call(value), self.num_repeats, axis=2)
        scores = b.einsum("bquh,bkuh->buqk", query, key)  # (batch, Hq, T, S)
        t, s = b.shape(scores)[-2:]
        mask = self._attention_mask(b, t, s, attention_mask, use_causal_mask, (query_mask, value_mask, key_mask))
        probs = masked_softmax(b, scores, mask)
        dropped = probs
        if training and self.dropout > 0:
            dropped = random.dropout(probs, self.dropout, seed=self.seed_generator)
        outputs = b.einsum("buqk,bkuh->bquh", dropped, value)
        if gate is not None:
            outputs = b.multiply(outputs, gate)
        outputs = self._output_dense.call(outputs)
        if return_attention_scores:
            return outputs, probs
        return outputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._projection_activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }
