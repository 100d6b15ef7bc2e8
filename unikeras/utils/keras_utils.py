"""General helpers of ``keras.utils``: ``pad_sequences``, ``normalize``, ``Config``, ``get_source_inputs``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

_PAD_SIDES = ("pre", "post")


def pad_sequences(
    sequences: Iterable[Any],
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Sequences of different lengths as one ``(num_samples, maxlen, ...)`` NumPy array.

    Args:
        sequences: a list of sequences (lists or arrays; entries may themselves be arrays of
            one common shape).
        maxlen: the length of every row; default: the longest sequence.
        dtype: the array's dtype (``object`` for variable-length strings).
        padding: ``"pre"`` or ``"post"``: pad before or after each sequence.
        truncating: ``"pre"`` or ``"post"``: drop values from the start or the end of sequences
            longer than ``maxlen``.
        value: the padding value.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in _PAD_SIDES:
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in _PAD_SIDES:
        raise ValueError(f'Truncating type "{truncating}" not understood')
    lengths, sample_shape = [], ()
    for position, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {s!r} at position {position}"
            ) from None
        if not sample_shape and len(s):
            sample_shape = np.asarray(s).shape[1:]
    maxlen = max(lengths, default=0) if maxlen is None else int(maxlen)
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.issubdtype(np.dtype(dtype), np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    out = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    for position, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {position} is different from expected "
                f"shape {sample_shape}"
            )
        if padding == "post":
            out[position, : len(kept)] = kept
        else:
            out[position, -len(kept) :] = kept
    return out


def normalize(x: Any, axis: int = -1, order: int = 2) -> Any:
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero).

    A NumPy array gives a NumPy array; a tensor gives a tensor of the active backend.
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis)
    from unikeras import config
    from unikeras.ops.dispatch import active
    from unikeras.variables import Variable

    b = active()
    x = x.value if isinstance(x, Variable) else (x if b.is_tensor(x) else b.convert_to_tensor(x))
    if order == 2:
        inv = b.minimum(b.rsqrt(b.sum(b.square(x), axis=axis, keepdims=True)), 1.0 / config.epsilon())
        return b.multiply(x, inv)
    norm = b.power(b.sum(b.power(b.abs(x), float(order)), axis=axis, keepdims=True), 1.0 / order)
    return b.divide(x, b.maximum(norm, config.epsilon()))


class Config:
    """A dict of named values that also reads and sets them as attributes, and can be frozen.

    ``config = Config(learning_rate=0.1); config.epochs = 3; config.freeze()`` — after ``freeze()``
    setting or deleting raises ValueError until ``unfreeze()``.
    """

    __attrs__ = None

    def __init__(self, **kwargs: Any) -> None:
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)
        object.__setattr__(self, "__attrs__", set(dir(self)))

    @property
    def frozen(self) -> bool:
        """Whether the config is frozen."""
        return self._frozen

    def freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self) -> None:
        object.__setattr__(self, "_frozen", False)

    def _raise_if_frozen(self) -> None:
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self) -> dict:
        return self._config.copy()

    def to_json(self) -> str:
        return json.dumps(self._config)

    def keys(self) -> Any:
        return self._config.keys()

    def values(self) -> Any:
        return self._config.values()

    def items(self) -> Any:
        return self._config.items()

    def pop(self, *args: Any) -> Any:
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._raise_if_frozen()
        self._config.update(*args, **kwargs)

    def get(self, keyname: str, value: Any = None) -> Any:
        return self._config.get(keyname, value)

    def __setattr__(self, name: str, value: Any) -> None:
        self._raise_if_frozen()
        if name in self.__attrs__:
            raise AttributeError(f"Cannot set attribute {name!r}: it is a method of Config.")
        self._config[name] = value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'") from None

    def __delattr__(self, name: str) -> None:
        self._raise_if_frozen()
        try:
            del self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'") from None

    def __setitem__(self, key: str, item: Any) -> None:
        self._raise_if_frozen()
        self._config[key] = item

    def __getitem__(self, key: str) -> Any:
        return self._config[key]

    def __delitem__(self, key: str) -> None:
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, item: object) -> bool:
        return item in self._config

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._config))  # sorted, as Keras's Config

    def __len__(self) -> int:
        return len(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"


def get_source_inputs(tensor: Any) -> list[Any]:
    """The model inputs (``unikeras.Input`` tensors) a symbolic tensor is computed from, in order."""
    from unikeras.symbolic import KerasTensor

    if not isinstance(tensor, KerasTensor):
        raise ValueError(f"get_source_inputs() expects a symbolic tensor (KerasTensor). Received: {tensor!r}")
    found: list[Any] = []
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.node is None:
            found.append(t)
        else:
            stack.extend(reversed(t.node.parents))
    return found


__all__ = ["Config", "get_source_inputs", "normalize", "pad_sequences"]
