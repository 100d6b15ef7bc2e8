"""Attention layers over lists of inputs: Attention (Luong, dot or concat scores) and AdditiveAttention
(Bahdanau), plus the helpers MultiHeadAttention shares: masked softmax, causal masks, and symbolic
calls that return the attention scores as a second output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import random
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active
from unikeras.symbolic import KerasTensor, Node

__all__ = ["AdditiveAttention", "Attention"]


# ---------------------------------------------------------------------- shared helpers
def record_symbolic_call(layer: Layer, inputs: list, kwargs: dict, shapes: list[tuple], several: bool) -> Any:
    """Record ``layer``'s call on symbolic ``inputs`` as a Node; one KerasTensor per shape of ``shapes``
    (a list of them when ``several``, else the first alone)."""
    node = Node(layer, inputs, dict(kwargs))
    tensors = [
        KerasTensor(tuple(shape), dtype=layer.dtype, layer=layer, node=node, index=i) for i, shape in enumerate(shapes)
    ]
    node.outputs = tensors if several else tensors[0]
    layer._output_shape = [tuple(s) for s in shapes] if several else tuple(shapes[0])
    return node.outputs


def check_all_symbolic(layer: Layer, tensors: Sequence[Any]) -> None:
    if not all(isinstance(t, KerasTensor) for t in tensors):
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': in a symbolic call every input tensor must come from "
            f"unikeras.Input or a layer; received {[type(t).__name__ for t in tensors]}."
        )


def as_bool_mask(b: Any, mask: Any) -> Any:
    """``mask`` as a boolean tensor (nonzero is True)."""
    if not b.is_tensor(mask):
        mask = b.convert_to_tensor(np.asarray(mask))
    return mask if b.dtype_name(mask) == "bool" else b.cast(mask, "bool")


def causal_mask(b: Any, query_length: int, key_length: int) -> Any:
    """Boolean ``(query_length, key_length)``: position ``i`` may attend to ``j`` only where ``j <= i``."""
    return b.convert_to_tensor(np.tril(np.ones((query_length, key_length), dtype=bool)))


def large_negative(dtype: str) -> float:
    """What masked logits are replaced with (Keras's value: float16 cannot hold -1e9)."""
    return -3e4 if dtype == "float16" else -1e9


def masked_softmax(b: Any, scores: Any, mask: Any) -> Any:
    """Softmax of ``scores`` over the last axis where ``mask`` (broadcastable boolean) is True: masked
    logits are replaced by a large negative number, and masked probabilities set to 0 afterwards, so a
    row masked everywhere gives zeros (Keras's ``Softmax(mask=...)``)."""
    if mask is None:
        return b.softmax(scores, axis=-1)
    # Tensors on both sides of `where`: MXNet's where with a Python scalar drops the gradient of the tensor.
    zeros = b.zeros_like(scores)
    probs = b.softmax(b.where(mask, scores, b.add(zeros, large_negative(b.dtype_name(scores)))), axis=-1)
    return b.where(mask, probs, zeros)


def check_broadcastable(layer: Layer, mask_shape: tuple, target_shape: tuple, what: str) -> None:
    """ValueError unless every axis of ``mask_shape`` is 1 or matches ``target_shape`` (aligned at the end)."""
    ok = len(mask_shape) <= len(target_shape) and all(
        m in (1, None) or t is None or m == t for m, t in zip(reversed(mask_shape), reversed(target_shape))
    )
    if not ok:
        raise ValueError(
            f"{type(layer).__name__} '{layer.name}': {what} of shape {tuple(mask_shape)} does not broadcast to "
            f"the attention scores of shape {tuple(target_shape)}; each of its axes must be 1 or match."
        )


# ---------------------------------------------------------------------- Attention (Luong)
class Attention(Layer):
    """Dot-product (Luong-style) attention over ``[query, value]`` or ``[query, value, key]``.

    ``scores = query @ key^T`` (``"dot"``) or ``sum(tanh(query + key))`` over features (``"concat"``),
    a softmax over the value steps, then ``distribution @ value``. Shapes: query ``(batch, Tq, dim)``,
    value ``(batch, Tv, value_dim)``, key ``(batch, Tv, dim)`` (``value`` when omitted); output
    ``(batch, Tq, value_dim)``.

    Args:
        use_scale: if True, a trainable scalar ``scale`` (initialized to 1) multiplies the scores
            (``"concat"``: the summed ``query + key`` before ``tanh``).
        score_mode: ``"dot"`` or ``"concat"`` (``"concat"`` also creates the trainable scalar
            ``concat_score_weight``, initialized to 1).
        dropout: float in ``[0, 1)``, dropout rate on the attention distribution during training.
        seed: optional int seed of the dropout.

    Call arguments:
        inputs: list ``[query, value]`` or ``[query, value, key]``.
        mask: optional list ``[query_mask, value_mask]`` of boolean ``(batch, Tq)`` / ``(batch, Tv)``
            tensors (either may be None): masked value steps get no attention; the output is zero at
            masked query steps. Without it, the masks the inputs carry (``Embedding(mask_zero=True)``)
            are used. The output carries the query mask.
        return_attention_scores: if True, also return the attention distribution ``(batch, Tq, Tv)``.
        training: whether dropout is applied.
        use_causal_mask: if True, step ``i`` of the query attends only to value steps ``j <= i``.
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{self._owner}: `score_mode` must be 'dot' or 'concat', received {score_mode!r}.")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = _check_dropout(self, dropout)
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.scale = None
        self.concat_score_weight = None

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    # -------------------------------------------------------------- symbolic calls
    def _symbolic_call(self, inputs: Any, kwargs: dict | None = None) -> Any:
        kwargs = dict(kwargs or {})
        if not isinstance(inputs, (list, tuple)):
            self._validate_shapes(inputs.shape)  # raises: a list of inputs is needed
        check_all_symbolic(self, inputs)
        shapes = self._validate_shapes([t.shape for t in inputs])
        if not self.built:
            self._maybe_build(shapes)
        out_shapes = [self.compute_output_shape(shapes)]
        several = bool(kwargs.get("return_attention_scores"))
        if several:
            key_shape = shapes[2] if len(shapes) > 2 else shapes[1]
            out_shapes.append(tuple(shapes[0][:-1]) + (key_shape[-2],))
        return record_symbolic_call(self, inputs, kwargs, out_shapes, several)

    # -------------------------------------------------------------- shapes
    def _validate_shapes(self, input_shape: Any) -> list[tuple]:
        if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f"{self._owner}: expects a list of input shapes [query, value] or [query, value, key], "
                f"received {input_shape!r}."
            )
        shapes = [tuple(s) for s in input_shape]
        if not 2 <= len(shapes) <= 3:
            raise ValueError(f"{self._owner}: expects 2 or 3 inputs [query, value(, key)], received {len(shapes)}.")
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        if len(query) < 3 or len(value) != len(query) or len(key) != len(query):
            raise ValueError(
                f"{self._owner}: query, value and key must have the same rank >= 3 (batch, steps, features), "
                f"received shapes {shapes}."
            )
        if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
            raise ValueError(
                f"{self._owner}: the last axis of query and key must match, received query {query} and "
                f"{'key' if len(shapes) > 2 else 'value (used as key)'} {key}."
            )
        if value[-2] is not None and key[-2] is not None and value[-2] != key[-2]:
            raise ValueError(
                f"{self._owner}: value and key must have the same number of steps, received value {value} and "
                f"key {key}."
            )
        return shapes

    def build(self, input_shape: Any) -> None:
        self._validate_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._validate_shapes(input_shape)
        return tuple(shapes[0][:-1]) + (shapes[1][-1],)

    # -------------------------------------------------------------- computing
    def _scores(self, b: Any, query: Any, key: Any) -> Any:
        """``(batch, Tq, Tv)`` scores."""
        if self.score_mode == "dot":
            rank = len(b.shape(key))
            axes = list(range(rank - 2)) + [rank - 1, rank - 2]
            scores = b.matmul(query, b.transpose(key, axes))
            return scores if self.scale is None else b.multiply(scores, self.scale.value)
        pairs = b.add(b.expand_dims(query, -2), b.expand_dims(key, -3))  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            pairs = b.multiply(self.scale.value, pairs)
        return b.multiply(self.concat_score_weight.value, b.sum(b.tanh(pairs), axis=-1))

    def call(
        self,
        inputs: Any,
        mask: Any = None,
        training: bool | None = None,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        b = active()
        self._validate_shapes([b.shape(x) for x in inputs])
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = value_mask = None
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{self._owner}: `mask` must be a list [query_mask, value_mask], received {type(mask).__name__}"
                    f"{'' if not isinstance(mask, (list, tuple)) else f' of length {len(mask)}'}."
                )
            query_mask = None if mask[0] is None else as_bool_mask(b, mask[0])
            value_mask = None if mask[1] is None else as_bool_mask(b, mask[1])
        scores = self._scores(b, query, key)
        scores_shape = b.shape(scores)
        keep = None
        if value_mask is not None:
            check_broadcastable(self, b.shape(value_mask), (scores_shape[0], scores_shape[-1]), "the value mask")
            keep = b.expand_dims(value_mask, -2)  # (batch, 1, Tv)
        if use_causal_mask:
            causal = causal_mask(b, scores_shape[-2], scores_shape[-1])
            keep = causal if keep is None else b.logical_and(keep, causal)
        if keep is not None:
            # Keras's Attention lowers masked scores by 1e9 (rather than replacing them) and does not zero
            # the probabilities of fully masked rows afterwards.
            big = 65504.0 if b.dtype_name(scores) == "float16" else 1.0e9
            scores = b.where(keep, scores, b.subtract(scores, big))
        weights = b.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = random.dropout(weights, self.dropout, seed=self.seed_generator)
        outputs = b.matmul(weights, value)
        if query_mask is not None:
            check_broadcastable(self, b.shape(query_mask), scores_shape[:-1], "the query mask")
            outputs = b.where(b.expand_dims(query_mask, -1), outputs, b.zeros_like(outputs))
        if return_attention_scores:
            return outputs, weights
        return outputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The query mask (the output has the query's steps)."""
        if mask is None or not isinstance(mask, (list, tuple)) or mask[0] is None:
            return None
        return as_bool_mask(active(), mask[0])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


# ---------------------------------------------------------------------- AdditiveAttention (Bahdanau)
class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention over ``[query, value]`` or ``[query, value, key]``:
    ``scores = sum(scale * tanh(query + key))`` over features, then as ``Attention``.

    Args:
        use_scale: if True, a trainable ``scale`` vector of shape ``(dim,)`` (``"glorot_uniform"``)
            weighs the features of ``tanh(query + key)``; else they are summed.
        dropout: float in ``[0, 1)``, dropout rate on the attention distribution during training.
        seed: optional int seed of the dropout.

    Call arguments: as ``Attention``.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape: Any) -> None:
        shapes = self._validate_shapes(input_shape)
        dim = shapes[0][-1]
        if dim is None:
            raise ValueError(f"{self._owner}: the last axis of the query must be known, received {shapes[0]}.")
        if self.use_scale:
            self.scale = self.add_weight((dim,), "glorot_uniform", name="scale")

    def _scores(self, b: Any, query: Any, key: Any) -> Any:
        features = b.tanh(b.add(b.expand_dims(query, -2), b.expand_dims(key, -3)))  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            features = b.multiply(self.scale.value, features)
        return b.sum(features, axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config


def _check_dropout(layer: Layer, rate: Any) -> float:
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate < 1.0:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': `dropout` must be in [0, 1), received {rate!r}.")
    return float(rate)
