"""MultiHeadAttention (Vaswani et al., 2017) in Keras 3's weight layout: EinsumDense projections named
``query``, ``key``, ``value`` (and ``gate``) and ``attention_output``."""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
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

__all__ = ["MultiHeadAttention"]

_LETTERS = string.ascii_lowercase


def _projection_equation(free: int, bound: int, out: int) -> tuple[str, str]:
    """``(equation, bias_axes)`` of a projection keeping ``free`` leading input axes, contracting the
    ``bound`` last ones with the kernel and adding ``out`` kernel axes: e.g. ``"abc,cde->abde", "de"``."""
    kept = _LETTERS[:free]
    contracted = _LETTERS[free : free + bound]
    added = _LETTERS[free + bound : free + bound + out]
    return f"{kept}{contracted},{contracted}{added}->{kept}{added}", added


def _attention_equations(rank: int, attention_axes: tuple[int, ...]) -> tuple[str, str]:
    """Einsum equations for projected tensors of ``rank`` (``(batch, ..., heads, channels)``): the scores
    ``key, query -> (batch dims, heads, query attention axes, key attention axes)`` and the combination
    ``scores, value -> (batch, ..., heads, channels)``."""
    target = _LETTERS[:rank]  # query / output
    source = list(target)  # key / value: fresh letters on the attention axes
    for n, axis in enumerate(attention_axes):
        source[axis] = _LETTERS[rank + n]
    source_str = "".join(source)
    batch_axes = [i for i in range(rank - 1) if i not in attention_axes]  # includes the heads axis
    product = (
        "".join(target[i] for i in batch_axes)
        + "".join(target[i] for i in attention_axes)
        + "".join(source[i] for i in attention_axes)
    )
    return f"{source_str},{target}->{product}", f"{product},{source_str}->{target}"


class MultiHeadAttention(Layer):
    """Multi-head attention: ``query``, ``key`` and ``value`` are projected to ``num_heads`` heads,
    ``softmax(query . key / sqrt(key_dim))`` weighs the values per head, and the heads are projected back.

    Args:
        num_heads: positive int, number of attention heads.
        key_dim: positive int, size of each head for query and key.
        value_dim: size of each head for value (``key_dim`` when None).
        dropout: float in ``[0, 1)``, dropout rate on the attention probabilities during training.
        use_bias: whether the projections have biases.
        output_shape: the output's feature shape (an int or a tuple); the query's last axis when None.
        attention_axes: axes of the input (not batch, not features) attention runs over; None means
            all axes between the batch and the feature axis.
        sliding_window: optional positive int: each query step attends only to key steps closer
            than ``sliding_window`` (a symmetric band; with ``use_causal_mask``, a causal window).
        kernel_initializer: initializer of the projection kernels (``"glorot_uniform"``).
        bias_initializer: initializer of the projection biases (``"zeros"``).
        kernel_regularizer: optional regularizer of the projection kernels.
        bias_regularizer: optional regularizer of the projection biases.
        kernel_constraint: optional constraint on the projection kernels.
        bias_constraint: optional constraint on the projection biases.
        use_gate: if True, a sigmoid projection of the query (``gate``) multiplies the attention
            output of each head before the output projection (gated attention).
        seed: optional int seed of the dropout.

    Call arguments:
        query: ``(batch, T, dim)`` (or ``(batch, ..., dim)`` with ``attention_axes``).
        value: ``(batch, S, value_features)``.
        key: optional ``(batch, S, key_features)``; ``value`` when None.
        query_mask, value_mask, key_mask: optional boolean ``(batch, T)`` / ``(batch, S)`` step masks;
            taken from the masks the inputs carry (``Embedding(mask_zero=True)``) when not given. The
            output carries the query mask.
        attention_mask: optional boolean ``(batch, T, S)`` (or broadcastable to it, e.g. ``(batch, 1, S)``):
            True where a query step may attend to a key step. All masks given are combined with a
            logical and; masked scores get probability 0 (a row masked everywhere gives zeros).
        return_attention_scores: if True, return ``(output, scores)``; scores ``(batch, heads, T, S)``.
        training: whether dropout is applied.
        use_causal_mask: if True, query step ``i`` attends only to key steps ``j <= i``.
    """

    _lists_activity_regularizer = True

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: int | Sequence[int] | None = None,
        attention_axes: int | Sequence[int] | None = None,
        sliding_window: int | None = None,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        owner = self._owner
        for arg, value, optional in (("num_heads", num_heads, False), ("key_dim", key_dim, False)) + (
            ("value_dim", value_dim, True),
            ("sliding_window", sliding_window, True),
        ):
            if optional and value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                kind = "a positive int or None" if optional else "a positive int"
                raise ValueError(f"{owner}: `{arg}` must be {kind}, received {value!r}.")
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim else key_dim
        self.dropout = _check_dropout(self, dropout)
        self.use_bias = use_bias
        self.use_gate = use_gate
        if output_shape is not None:
            if isinstance(output_shape, int) and not isinstance(output_shape, bool):
                output_shape = (output_shape,)
            if not isinstance(output_shape, Sequence) or not all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in output_shape
            ):
                raise ValueError(
                    f"{owner}: `output_shape` must be a positive int or a tuple of them, received {output_shape!r}."
                )
            output_shape = tuple(output_shape) or None
        self._output_shape_arg = output_shape
        if isinstance(attention_axes, int) and not isinstance(attention_axes, bool):
            attention_axes = (attention_axes,)
        if attention_axes is not None:
            if not isinstance(attention_axes, Sequence) or not all(
                isinstance(a, int) and not isinstance(a, bool) for a in attention_axes
            ):
                raise ValueError(
                    f"{owner}: `attention_axes` must be an int, a tuple of ints or None, received {attention_axes!r}."
                )
            attention_axes = tuple(attention_axes)
        self.attention_axes = attention_axes
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    # -------------------------------------------------------------- calling with several tensors
    def __call__(self, query: Any, value: Any = None, key: Any = None, **kwargs: Any) -> Any:
        # The base class takes one positional input (a tensor or a list); the tensors travel as the list
        # [query, value(, key)], which is also what a functional graph records and replays.
        if value is None:
            if not isinstance(query, (list, tuple)) or not 2 <= len(query) <= 3:
                raise ValueError(f"{self._owner}: needs `query` and `value` tensors, received no `value`.")
            inputs = list(query)
        else:
            inputs = [query, value] if key is None else [query, value, key]
        return super().__call__(inputs, **kwargs)

    def _masked_call(self, inputs: Any, mask: Any, args: tuple, training: bool | None, kwargs: dict) -> tuple:
        # Masks the inputs carry (Keras masks, e.g. from Embedding(mask_zero=True)) become the
        # query/value/key masks of the call, as in Keras.
        if isinstance(mask, (list, tuple)):
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
        else:
            self._check_projection_inputs(*self._split_shapes(shapes, None, None))
        out_shapes = [self.compute_output_shape(shapes)]
        several = bool(kwargs.get("return_attention_scores"))
        if several:
            out_shapes.append(self._scores_shape(shapes[0], shapes[-1]))
        return record_symbolic_call(self, inputs, kwargs, out_shapes, several)

    # -------------------------------------------------------------- shapes and building
    def _split_shapes(self, query_shape: Any, value_shape: Any, key_shape: Any) -> tuple[tuple, tuple, tuple]:
        if value_shape is None:  # the base class passes the packed list of shapes
            if not isinstance(query_shape, (list, tuple)) or len(query_shape) < 2:
                raise ValueError(f"{self._owner}: needs the shapes of query and value, received {query_shape!r}.")
            query_shape, value_shape, key_shape = (list(query_shape) + [None])[:3]
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        return query_shape, value_shape, key_shape

    def _resolve_axes(self, rank: int) -> tuple[int, ...]:
        """The attention axes of an input of ``rank``, as non-negative input axes."""
        if self.attention_axes is None:
            return tuple(range(1, rank - 1))
        axes = tuple(a + rank if a < 0 else a for a in self.attention_axes)
        if not axes or any(not 1 <= a <= rank - 2 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(
                f"{self._owner}: `attention_axes` {self.attention_axes} must name distinct axes between the batch "
                f"and the feature axis of inputs of rank {rank}."
            )
        return axes

    def _check_shapes(self, query_shape: tuple, value_shape: tuple, key_shape: tuple) -> tuple[int, ...]:
        owner = self._owner
        if len(query_shape) < 3:
            raise ValueError(
                f"{owner}: expected a query of rank >= 3 (batch, steps, features), received shape {query_shape}."
            )
        if len(value_shape) != len(query_shape) or len(key_shape) != len(query_shape):
            raise ValueError(
                f"{owner}: query, value and key must have the same rank, received query {query_shape}, "
                f"value {value_shape} and key {key_shape}."
            )
        if any(v is not None and k is not None and v != k for v, k in zip(value_shape[1:-1], key_shape[1:-1])):
            raise ValueError(
                f"{owner}: all axes of value and key but the last must be equal, received value {value_shape} "
                f"and key {key_shape}."
            )
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if shape[-1] is None:
                raise ValueError(f"{owner}: the last axis of `{name}` must be known, received shape {shape}.")
        axes = self._resolve_axes(len(query_shape))
        for i in range(1, len(query_shape) - 1):
            q, v = query_shape[i], value_shape[i]
            if i not in axes and q is not None and v is not None and q != v:
                raise ValueError(
                    f"{owner}: query and value must agree on axis {i}, which is not an attention axis "
                    f"{axes}; received query {query_shape} and value {value_shape}."
                )
        return axes

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        """Create the projections for inputs of these shapes (or one list of the shapes)."""
        query_shape, value_shape, key_shape = self._split_shapes(query_shape, value_shape, key_shape)
        axes = self._check_shapes(query_shape, value_shape, key_shape)
        rank = len(query_shape)

        def projection(name: str, heads_dim: int, input_shape: tuple, activation: Any = None) -> EinsumDense:
            equation, bias_axes = _projection_equation(rank - 1, 1, 2)
            layer = EinsumDense(
                equation,
                output_shape=[None] * (rank - 2) + [self.num_heads, heads_dim],
                bias_axes=bias_axes if self.use_bias else None,
                activation=activation,
                name=name,
                **self._sublayer_kwargs(),
            )
            layer._maybe_build(input_shape)
            return layer

        # Creation order is Keras's get_weights() order: query, key, (gate,) value, attention_output.
        self._query_dense = projection("query", self.key_dim, query_shape)
        self._key_dense = projection("key", self.key_dim, key_shape)
        if self.use_gate:
            self._gate_dense = projection("gate", self.value_dim, query_shape, activation="sigmoid")
        self._value_dense = projection("value", self.value_dim, value_shape)
        out_dims = self._output_shape_arg or (query_shape[-1],)
        equation, bias_axes = _projection_equation(rank - 1, 2, len(out_dims))
        self._output_dense = EinsumDense(
            equation,
            output_shape=[None] * (rank - 2) + list(out_dims),
            bias_axes=bias_axes if self.use_bias else None,
            name="attention_output",
            **self._sublayer_kwargs(),
        )
        self._output_dense._maybe_build(query_shape[:-1] + (self.num_heads, self.value_dim))
        # The projections insert the heads axis just before the channels, so the attention axes keep their
        # indices in the projected tensors.
        self._projected_axes = axes
        self._dot_product_equation, self._combine_equation = _attention_equations(rank + 1, axes)
        n = len(axes)
        # Scores are (batch dims, heads, query attention axes, key attention axes): the softmax runs over the
        # last n, and a mask missing axes gets them inserted before the query attention axes.
        self._mask_expansion_axis = -2 * n - 1
        self.built = True

    def _check_projection_inputs(self, query_shape: tuple, value_shape: tuple, key_shape: tuple) -> None:
        """The projections' checks (rank, feature sizes) of inputs to the built layer."""
        self._query_dense._check_input_shape(query_shape)
        self._value_dense._check_input_shape(value_shape)
        self._key_dense._check_input_shape(key_shape)

    def _sublayer_kwargs(self) -> dict:
        return {
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
            "dtype": dtype_policies.serialize(self.dtype_policy),
        }

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> tuple:
        query_shape, value_shape, key_shape = self._split_shapes(query_shape, value_shape, key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        return query_shape[:-1] + (self._output_shape_arg or (query_shape[-1],))

    def _scores_shape(self, query_shape: tuple, key_shape: tuple) -> tuple:
        axes = self._resolve_axes(len(query_shape))
        batch = [query_shape[i] for i in range(len(query_shape) - 1) if i not in axes]
        return (
            tuple(batch) + (self.num_heads,) + tuple(query_shape[i] for i in axes) + tuple(key_shape[i] for i in axes)
        )

    # -------------------------------------------------------------- computing
    def _attention_mask(
        self,
        b: Any,
        scores_shape: tuple,
        attention_mask: Any,
        use_causal_mask: bool,
        query_mask: Any,
        value_mask: Any,
        key_mask: Any,
    ) -> Any:
        """The boolean mask broadcastable to the scores, the logical and of every mask given (Keras's
        rule); None when nothing is masked."""
        masks = []
        if attention_mask is not None:
            masks.append(as_bool_mask(b, attention_mask))
        if query_mask is not None:  # (batch, T) -> (batch, T, 1)
            masks.append(b.expand_dims(as_bool_mask(b, query_mask), -1))
        for step_mask in (value_mask, key_mask):  # (batch, S) -> (batch, 1, S)
            if step_mask is not None:
                masks.append(b.expand_dims(as_bool_mask(b, step_mask), -2))
        if use_causal_mask or self.sliding_window is not None:
            if len(self._projected_axes) != 1:
                raise ValueError(
                    f"{self._owner}: `use_causal_mask` and `sliding_window` need a single attention axis, "
                    f"the layer attends over axes {self._projected_axes}."
                )
            t, s = scores_shape[-2], scores_shape[-1]
            if use_causal_mask:
                masks.append(causal_mask(b, t, s))
            if self.sliding_window is not None:
                rows, cols = np.arange(t)[:, None], np.arange(s)[None, :]
                masks.append(b.convert_to_tensor(np.abs(rows - cols) < self.sliding_window))
        if not masks:
            return None
        aligned = []
        for mask in masks:  # insert the heads axis (and any missing leading axes) before combining
            while len(b.shape(mask)) < len(scores_shape):
                mask = b.expand_dims(mask, self._mask_expansion_axis)
            check_broadcastable(self, b.shape(mask), scores_shape, "the attention mask (with a heads axis)")
            aligned.append(mask)
        combined = aligned[0]
        for mask in aligned[1:]:
            combined = b.logical_and(combined, mask)
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
            key, key_mask = value, None  # Keras ignores the key mask when the value is the key
        b = active()
        # The projections run through their `call` (built with this layer): their inputs' Keras masks are
        # this layer's business, not theirs. Their shape checks still apply.
        self._check_projection_inputs(b.shape(query), b.shape(value), b.shape(key))
        gate = self._gate_dense.call(query) if self.use_gate else None
        query = self._query_dense.call(query)  # (batch, T, heads, key_dim)
        key = self._key_dense.call(key)  # (batch, S, heads, key_dim)
        value = self._value_dense.call(value)  # (batch, S, heads, value_dim)
        query = b.multiply(query, self._inverse_sqrt_key_dim)
        scores = b.einsum(self._dot_product_equation, key, query)  # (batch, heads, T, S)
        shape = b.shape(scores)
        mask = self._attention_mask(b, shape, attention_mask, use_causal_mask, query_mask, value_mask, key_mask)
        n = len(self._projected_axes)
        if n == 1:
            probs = masked_softmax(b, scores, mask)
        else:
            # Several attention axes: one softmax over the flattened key positions, on scores flattened to
            # (batch dims, heads, query positions, key positions) (MXNet's `where` takes at most 5 axes).
            flat = (-1, *shape[1 : -2 * n], math.prod(shape[-2 * n : -n]), math.prod(shape[-n:]))
            if mask is not None:
                mask = b.reshape(b.broadcast_to(mask, shape), flat)
            probs = b.reshape(masked_softmax(b, b.reshape(scores, flat), mask), (-1, *shape[1:]))
        dropped = probs
        if training and self.dropout > 0:
            dropped = random.dropout(probs, self.dropout, seed=self.seed_generator)
        outputs = b.einsum(self._combine_equation, dropped, value)  # (batch, T, heads, value_dim)
        if gate is not None:
            outputs = b.multiply(outputs, gate)
        outputs = self._output_dense.call(outputs)
        if return_attention_scores:
            return outputs, probs
        return outputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "output_shape": self._output_shape_arg,
            "attention_axes": self.attention_axes,
            "sliding_window": self.sliding_window,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }
