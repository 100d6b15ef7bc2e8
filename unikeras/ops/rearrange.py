"""``rearrange``: einops-style axis reordering, merging and splitting (Keras's ``keras.ops.rearrange``)."""

from __future__ import annotations

import math
import re
from typing import Any

from unikeras.ops.dispatch import active
from unikeras.variables import Variable

_TOKEN = re.compile(r"\(([^()]*)\)|([A-Za-z_]\w*)|(\S)")


def _parse(side: str, pattern: str) -> list[list[str]]:
    """``"b (h w) c"`` -> ``[["b"], ["h", "w"], ["c"]]``."""
    groups = []
    for group, name, other in _TOKEN.findall(side):
        if other:
            raise ValueError(f"rearrange(): unexpected {other!r} in pattern {pattern!r}; use names and (groups).")
        names = group.split() if not name else [name]
        for n in names:
            if not re.fullmatch(r"[A-Za-z_]\w*", n):
                raise ValueError(f"rearrange(): invalid axis name {n!r} in pattern {pattern!r}.")
        groups.append(names)
    return groups


def rearrange(tensor: Any, pattern: str, **axes_lengths: int) -> Any:
    """Rearranges the axes of ``tensor`` by an einops pattern such as ``"b h w c -> b (h w) c"`` or
    ``"b (h1 h) w c -> (b h1) h w c"`` (with ``h1=2``): axes are named, ``(...)`` merges axes on the
    right and splits one on the left (the lengths of split axes from ``axes_lengths``, at most one
    inferred per group).

    Args:
        tensor: input tensor.
        pattern: ``"<input axes> -> <output axes>"``.
        **axes_lengths: lengths of axes created by splitting.

    Returns:
        The rearranged tensor.
    """
    b = active()
    if isinstance(tensor, Variable):
        tensor = tensor.value
    if not b.is_tensor(tensor):
        tensor = b.convert_to_tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange(): `pattern` must be a string '<input> -> <output>'. Received: {pattern!r}")
    left, right = pattern.split("->")
    inputs, outputs = _parse(left, pattern), _parse(right, pattern)
    shape = b.shape(tensor)
    if len(inputs) != len(shape):
        raise ValueError(
            f"rearrange(): the pattern's input side names {len(inputs)} axes but the tensor has rank "
            f"{len(shape)} (shape {shape}). Pattern: {pattern!r}"
        )
    sizes: dict[str, int] = {}
    order: list[str] = []
    for group, dim in zip(inputs, shape):
        unknown = [a for a in group if a not in axes_lengths]
        if len(unknown) > 1:
            raise ValueError(f"rearrange(): give the lengths of all but one of {group} in {pattern!r}.")
        known = math.prod(int(axes_lengths[a]) for a in group if a in axes_lengths)
        if unknown:
            if known == 0 or dim % known:
                raise ValueError(f"rearrange(): axis of length {dim} cannot be split into {group} with {axes_lengths}.")
            axes_lengths = {**axes_lengths, unknown[0]: dim // known}
        elif known != dim:
            raise ValueError(f"rearrange(): axes {group} have {known} elements but the tensor's axis has {dim}.")
        for a in group:
            if a in sizes:
                raise ValueError(f"rearrange(): axis {a!r} appears twice on the input side of {pattern!r}.")
            sizes[a] = int(axes_lengths[a])
            order.append(a)
    flat_out = [a for group in outputs for a in group]
    if sorted(flat_out) != sorted(order):
        raise ValueError(
            f"rearrange(): both sides of {pattern!r} must name the same axes, each once. "
            f"Received: {order} -> {flat_out}"
        )
    if len(order) != len(shape):
        tensor = b.reshape(tensor, tuple(sizes[a] for a in order))
    permutation = [order.index(a) for a in flat_out]
    if permutation != sorted(permutation):
        tensor = b.transpose(tensor, permutation)
    out_shape = tuple(math.prod(sizes[a] for a in group) for group in outputs)
    if out_shape != b.shape(tensor):
        tensor = b.reshape(tensor, out_shape)
    return tensor


__all__ = ["rearrange"]
