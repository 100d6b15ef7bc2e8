"""Lookup and encoding preprocessing layers (CategoryEncoding, Hashing, StringLookup, TextVectorization, ...).

Only TensorFlow has string tensors, so the layers that read strings (``StringLookup``, ``TextVectorization``,
``Hashing`` and ``HashedCrossing``) run as preprocessing: they take NumPy arrays (or Python lists, or tensors
read back to NumPy) outside compiled steps on every backend, and return tensors of the active backend
(``StringLookup(invert=True)`` returns a NumPy array of ``str``). The integer layers ``CategoryEncoding``,
``Discretization`` and ``IntegerLookup`` (with ``oov_method="floormod"``) are written with backend ops and also
run on tensors inside models and compiled steps. The hashes are TensorFlow's (FarmHash ``Fingerprint64``,
SipHash-2-4 for a ``salt``; see ``lookup_hash.py``), so every backend gives Keras's bins.

A vocabulary (given or adapted) and TF-IDF weights live in ``get_config()``: a saved model keeps them.
"""

from __future__ import annotations

import collections
import re
import string
from collections.abc import Callable
from typing import Any

import numpy as np

from unikeras import config as unikeras_config
from unikeras.layers import lookup_hash
from unikeras.layers.layer import Layer, _holds_symbolic
from unikeras.ops.dispatch import active
from unikeras.symbolic import KerasTensor

__all__: list[str] = [
    "CategoryEncoding",
    "Discretization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
]


def _label(layer: Layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _check_choice(layer: Layer, name: str, value: Any, allowed: tuple) -> None:
    if value not in allowed:
        raise ValueError(f"{_label(layer)}: `{name}` must be one of {allowed}, received {value!r}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


# ---------------------------------------------------------------------- values and encodings
def _to_numpy(layer: Layer, x: Any) -> np.ndarray:
    """``x`` (array, list, tensor of the active backend) as a NumPy array; a traced tensor is an error."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, KerasTensor):
        raise ValueError(f"{_label(layer)}: expected values, received a symbolic tensor {x!r}.")
    if isinstance(x, (list, tuple, str, bytes, int, float)):
        return np.asarray(x)
    b = active()
    if b.is_tensor(x):
        try:
            return np.asarray(b.to_numpy(x))
        except Exception as err:  # noqa: BLE001 - a traced value cannot be read back
            raise ValueError(
                f"{_label(layer)}: this layer runs on NumPy values outside compiled steps (backend "
                f"'{b.name}' gave a traced tensor {type(x).__name__}); apply it to the data before the model, "
                "e.g. in a PyDataset."
            ) from err
    return np.asarray(x)


def _as_text(x: np.ndarray, encoding: str = "utf-8") -> np.ndarray:
    """A NumPy object array of Python ``str`` from an array of str, bytes or objects."""
    out = np.empty(x.shape, dtype=object)
    flat = x.reshape(-1)
    out.reshape(-1)[:] = [v.decode(encoding) if isinstance(v, bytes) else str(v) for v in flat.tolist()]
    return out


def _encode(
    layer: Layer,
    indices: Any,
    mode: str,
    depth: int,
    dtype: str,
    count_weights: Any = None,
    idf_weights: Any = None,
) -> Any:
    """Integer ``indices`` (a backend tensor) encoded as Keras's ``one_hot`` (a new last axis; a last axis of
    size 1 is replaced), ``multi_hot`` or ``count`` (over the last axis; inputs of rank <= 2), or ``tf_idf``
    (counts times ``idf_weights``). Indices outside ``[0, depth)`` encode as zeros."""
    b = active()
    shape = tuple(b.shape(indices))
    if mode == "int":
        return b.cast(indices, dtype)
    if len(shape) == 0:
        indices = b.reshape(indices, (1,))
        shape = (1,)
    if mode == "one_hot" and len(shape) > 1 and shape[-1] == 1:
        indices = b.squeeze(indices, -1)
    elif mode != "one_hot" and len(shape) > 2:
        raise ValueError(
            f"{_label(layer)}: output_mode={mode!r} supports inputs of rank 1 or 2, received shape {shape}."
        )
    tokens = b.arange(0, depth, 1, dtype=b.dtype_name(indices))
    hot = b.cast(b.equal(b.expand_dims(indices, -1), tokens), dtype if count_weights is None else "float32")
    if mode == "one_hot":
        return hot
    if mode == "multi_hot":
        return b.max(hot, axis=-2) if b.shape(hot)[-2] else b.sum(hot, axis=-2)
    if count_weights is not None:
        weights = b.convert_to_tensor(count_weights)
        hot = b.multiply(b.cast(hot, b.dtype_name(weights)), b.expand_dims(weights, -1))
    out = b.sum(hot, axis=-2)
    if idf_weights is not None:
        out = b.multiply(b.cast(out, dtype), b.convert_to_tensor(np.asarray(idf_weights, dtype=dtype)))
    return out


def _encoded_shape(input_shape: tuple, mode: str, depth: int | None) -> tuple:
    shape = tuple(input_shape)
    if mode == "int":
        return shape
    if len(shape) == 0:
        return (depth,)
    if mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            return shape[:-1] + (depth,)
        return shape + (depth,)
    return shape[:-1] + (depth,)


def _batches(data: Any, steps: int | None, batch_size: int | None = None) -> Any:
    """The batches of ``data``: an array, list, tuple or tensor is one batch (or slices of ``batch_size``);
    anything else iterable (a PyDataset, a generator) gives its batches, of which ``(x, ...)`` tuples give ``x``."""
    b = active()
    if isinstance(data, (np.ndarray, list, tuple)) or b.is_tensor(data):
        if batch_size is None:
            yield data, True
            return
        array = np.asarray(data) if isinstance(data, (list, tuple)) else data
        for i, start in enumerate(range(0, len(array), batch_size)):
            if steps is not None and i >= steps:
                return
            yield array[start : start + batch_size], True
        return
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            return
        if isinstance(batch, tuple):
            batch = batch[0]
        yield batch, False


# ---------------------------------------------------------------------- CategoryEncoding
class CategoryEncoding(Layer):
    """Encodes integer token indices as one-hot, multi-hot or count vectors.

    Args:
        num_tokens: the number of tokens; inputs are indices in ``[0, num_tokens)``.
        output_mode: ``"one_hot"`` (a new last axis; a last axis of size 1 is replaced), ``"multi_hot"``
            (default; 1 where an index occurs in the last axis) or ``"count"`` (how often it occurs).
            Multi-hot and count take inputs of rank 1 (one sample) or 2.
        sparse: only ``False`` (sparse tensors are TensorFlow-only).

    Call arguments:
        inputs: integer indices.
        count_weights: weights of the same shape as ``inputs`` summed instead of counts (``"count"`` only).
    """

    def __init__(self, num_tokens: int | None = None, output_mode: str = "multi_hot", sparse: bool = False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        _check_choice(self, "output_mode", output_mode, ("count", "one_hot", "multi_hot"))
        if num_tokens is None or not _is_int(num_tokens) or num_tokens < 1:
            raise ValueError(f"{_label(self)}: `num_tokens` must be an int >= 1, received {num_tokens!r}.")
        if sparse:
            raise ValueError(f"{_label(self)}: `sparse=True` needs sparse tensors, which unikeras does not have.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse
        self._convert_input_args = False

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        b = active()
        if not b.dtype_name(inputs).startswith(("int", "uint")):
            inputs = b.cast(inputs, "int64")
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                f"{_label(self)}: `count_weights` is used only with output_mode='count', received "
                f"output_mode={self.output_mode!r}."
            )
        return _encode(self, inputs, self.output_mode, self.num_tokens, self.compute_dtype, count_weights)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode}


# ---------------------------------------------------------------------- Discretization
class Discretization(Layer):
    """Buckets continuous values by ranges: the bucket of ``x`` is the number of boundaries ``<= x``.

    Args:
        bin_boundaries: sorted list of boundaries (``[0., 1., 2.]`` gives buckets ``(-inf, 0)``, ``[0, 1)``,
            ``[1, 2)``, ``[2, inf)``); or ``None`` with ``num_bins`` and :meth:`adapt`.
        num_bins: the number of bins :meth:`adapt` finds from data (approximate quantiles, as Keras).
        epsilon: the error tolerance of the quantile summary (0.01).
        output_mode: ``"int"`` (bucket indices, int32), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: only ``False``.
    """

    def __init__(
        self,
        bin_boundaries: list | None = None,
        num_bins: int | None = None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(f"{_label(self)}: `sparse=True` needs sparse tensors, which unikeras does not have.")
        _check_choice(self, "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{_label(self)}: `num_bins` must be >= 0, received {num_bins!r}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                f"{_label(self)}: give `num_bins` or `bin_boundaries`, not both; received num_bins={num_bins} "
                f"and bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{_label(self)}: set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self._summary = None if self.bin_boundaries else np.zeros((2, 0), "float32")

    def _depth(self) -> int | None:
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _encoded_shape(input_shape, self.output_mode, self._depth())

    @property
    def compute_dtype(self) -> str:
        return "int32" if self.output_mode == "int" else self._dtype_policy.compute_dtype

    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Finds ``num_bins`` bins holding about equal shares of ``data`` (an array, list, tensor,
        PyDataset or generator of batches); ``steps`` limits the number of batches."""
        if self.num_bins is None:
            raise ValueError(
                f"{_label(self)}: cannot adapt a layer created with `bin_boundaries`; create it with `num_bins`."
            )
        summary = np.zeros((2, 0), "float32")
        for batch, _ in _batches(data, steps):
            values = np.sort(_to_numpy(self, batch).astype("float32").reshape(-1))
            step = max(values.size * self.epsilon, 1)
            picked = values[int(step - 1) :: int(step)]
            part = np.stack([picked, np.full(picked.shape, step, picked.dtype)])
            merged = np.concatenate([part, summary], axis=1)
            summary = _compress(merged[:, np.argsort(merged[0], kind="stable")], self.epsilon)
        self._summary = summary
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError(f"{_label(self)}: pass `bin_boundaries` or call `adapt()` before using the layer.")
        b = active()
        x = inputs if b.dtype_name(inputs).startswith("float") else b.cast(inputs, "float32")
        bounds = b.convert_to_tensor(np.asarray(self.bin_boundaries, dtype=b.dtype_name(x)).reshape(-1))
        if self.bin_boundaries:
            indices = b.sum(b.cast(b.greater_equal(b.expand_dims(x, -1), bounds), "int32"), axis=-1)
        else:
            indices = b.cast(b.zeros_like(x), "int32")
        return _encode(self, indices, self.output_mode, self._depth(), self.compute_dtype)

    def get_config(self) -> dict:
        base = super().get_config()
        base.pop("trainable")  # not in Keras's config
        return {
            **base,
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }

    @classmethod
    def from_config(cls, config: dict) -> Discretization:
        config = dict(config)
        config.pop("build_input_shape", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(**config)


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """A quantile summary (values; weights) reduced to about ``1 / epsilon`` points by interpolation."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    values = np.interp(targets, fractions, summary[0])
    weights = np.interp(targets, fractions, cumulative)
    weights = weights - np.concatenate([[0.0], weights[:-1]])
    return np.stack([values, weights]).astype("float32")


# ---------------------------------------------------------------------- NumPy-run layers
class _NumpyLayer(Layer):
    """A preprocessing layer computed on NumPy values (eagerly); symbolic calls give shapes only."""

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, KerasTensor) or _holds_symbolic(inputs):
            return super().__call__(inputs, *args, **kwargs)
        self.built = True
        return self.call(inputs, *args, **kwargs)


# ---------------------------------------------------------------------- Hashing
class Hashing(_NumpyLayer):
    """Hashes values into ``num_bins`` bins with TensorFlow's hashes, so bins equal Keras's.

    Integers are hashed as their decimal text and floats are truncated to integers first, as Keras does.
    Runs on NumPy values (or tensors read back to NumPy) outside compiled steps.

    Args:
        num_bins: the number of bins (including the mask bin when ``mask_value`` is set).
        mask_value: a value that goes to bin 0 (the others to ``[1, num_bins)``).
        salt: an int or two ints: hash with SipHash-2-4 under this key (``to_hash_bucket_strong``); FarmHash
            ``Fingerprint64`` without it.
        output_mode: ``"int"`` (bin indices, int64), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: only ``False``.
    """

    def __init__(
        self,
        num_bins: int,
        mask_value: Any = None,
        salt: Any = None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else unikeras_config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or not _is_int(num_bins) or num_bins <= 0:
            raise ValueError(f"{_label(self)}: `num_bins` must be a positive int, received {num_bins!r}.")
        if output_mode == "int" and self._dtype_policy.name not in ("int32", "int64"):
            raise ValueError(
                f"{_label(self)}: with output_mode='int' `dtype` must be 'int32' or 'int64', received "
                f"{self._dtype_policy.name!r}."
            )
        _check_choice(self, "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count"))
        if sparse:
            raise ValueError(f"{_label(self)}: `sparse=True` needs sparse tensors, which unikeras does not have.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = sparse
        if salt is None:
            self.salt = None
        elif isinstance(salt, (list, tuple)) and len(salt) == 2 and all(_is_int(s) for s in salt):
            self.salt = [int(s) for s in salt]
        elif _is_int(salt):
            self.salt = [int(salt), int(salt)]
        else:
            raise ValueError(f"{_label(self)}: `salt` must be an int or a pair of ints, received {salt!r}.")

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _encoded_shape(input_shape, self.output_mode, self.num_bins)

    def hash(self, values: np.ndarray) -> np.ndarray:
        """The bins of NumPy ``values`` (int64), before the output encoding."""
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == np.asarray(self.mask_value, dtype=values.dtype if values.dtype.kind in "iuf" else None)
        if values.dtype.kind in "SUO":
            values = _as_text(values)
        out = lookup_hash.hash_to_bins(values, bins, self.salt)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs: Any) -> Any:
        values = _to_numpy(self, inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        indices = active().convert_to_tensor(self.hash(values), "int64")
        return _encode(self, indices, self.output_mode, self.num_bins, self.compute_dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }


# ---------------------------------------------------------------------- HashedCrossing
_CROSS_KEY = 0xDECAFCAFFE  # TensorFlow's default key of ``tf.sparse.cross_hashed``


class HashedCrossing(_NumpyLayer):
    """Crosses two or more categorical features (ints or strings) into ``num_bins`` bins with TensorFlow's
    ``cross_hashed`` hash, so bins equal Keras's. Runs on NumPy values outside compiled steps.

    Args:
        num_bins: the number of bins.
        output_mode: ``"int"`` (bin indices, int64) or ``"one_hot"``.
        sparse: only ``False``.

    Call arguments:
        inputs: a list or tuple of features of one shape ``()``, ``(batch,)`` or ``(batch, 1)``.
    """

    def __init__(
        self,
        num_bins: int,
        output_mode: str = "int",
        sparse: bool = False,
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        _check_choice(self, "output_mode", output_mode, ("int", "one_hot"))
        if sparse:
            raise ValueError(f"{_label(self)}: `sparse=True` needs sparse tensors, which unikeras does not have.")
        if not _is_int(num_bins) or num_bins <= 0:
            raise ValueError(f"{_label(self)}: `num_bins` must be a positive int, received {num_bins!r}.")
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = sparse

    def _check_shapes(self, shapes: list) -> tuple:
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 2:
            raise ValueError(f"{_label(self)}: expected a list or tuple of at least two inputs, received {shapes!r}.")
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(
                f"{_label(self)}: every input must have shape (), (batch,) or (batch, 1), received {first}."
            )
        if any(tuple(s) != first for s in shapes[1:]):
            raise ValueError(f"{_label(self)}: all inputs must have the same shape, received {list(shapes)}.")
        return first

    def build(self, input_shape: Any) -> None:
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            self._check_shapes(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        first = self._check_shapes([tuple(s) for s in input_shape])
        if self.output_mode == "int":
            return first
        return _encoded_shape(first, "one_hot", self.num_bins)

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{_label(self)}: expected a list or tuple of inputs, received {type(inputs).__name__}.")
        values = [_to_numpy(self, x) for x in inputs]
        first = self._check_shapes([v.shape for v in values])
        if any(v.dtype.kind not in "iuSUO" for v in values):
            raise ValueError(
                f"{_label(self)}: inputs must be integers or strings, received dtypes {[str(v.dtype) for v in values]}."
            )
        columns = []
        for v in values:
            flat = v.reshape(-1)
            if v.dtype.kind in "iu":
                columns.append([int(t) & ((1 << 64) - 1) for t in flat.tolist()])
            else:
                columns.append([lookup_hash.fingerprint64(lookup_hash.as_bytes(t)) for t in _as_text(flat).tolist()])
        crossed = []
        for row in zip(*columns):
            h = _CROSS_KEY
            for feature in row:
                h = lookup_hash.fingerprint_cat64(h, feature)
            crossed.append(h % self.num_bins)
        indices = np.asarray(crossed, dtype="int64").reshape(first)
        tensor = active().convert_to_tensor(indices, "int64")
        return _encode(self, tensor, self.output_mode, self.num_bins, self.compute_dtype)

    def get_config(self) -> dict:
        base = super().get_config()
        base.pop("trainable")  # not in Keras's config
        return {
            **base,
            "num_bins": self.num_bins,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }


# ---------------------------------------------------------------------- IntegerLookup / StringLookup
class _IndexLookup(_NumpyLayer):
    """Maps tokens to indices through a vocabulary (Keras's IndexLookup): index 0 is the mask token when
    ``mask_token`` is set and ``output_mode="int"``, then ``num_oov_indices`` out-of-vocabulary indices,
    then the vocabulary."""

    _strings = True

    def __init__(
        self,
        max_tokens: int | None,
        num_oov_indices: int,
        mask_token: Any,
        oov_token: Any,
        vocabulary: Any,
        idf_weights: Any,
        invert: bool,
        output_mode: str,
        pad_to_max_tokens: bool,
        sparse: bool,
        oov_method: str,
        salt: Any,
        name: str | None,
        vocabulary_size: int | None = None,
        has_input_vocabulary: bool | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("dtype", None)  # as Keras: the dtype is the vocabulary's
        kwargs.pop("trainable", None)
        super().__init__(name=name, **kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{_label(self)}: `max_tokens` must be greater than 1, received {max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{_label(self)}: `pad_to_max_tokens=True` needs `max_tokens`.")
        if not _is_int(num_oov_indices) or num_oov_indices < 0:
            raise ValueError(f"{_label(self)}: `num_oov_indices` must be an int >= 0, received {num_oov_indices!r}.")
        _check_choice(self, "oov_method", oov_method, ("floormod", "farmhash"))
        if salt is not None:
            if not self._strings and oov_method != "farmhash":
                raise ValueError(f"{_label(self)}: `salt` needs oov_method='farmhash', received {oov_method!r}.")
            if isinstance(salt, (list, tuple)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif _is_int(salt):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(f"{_label(self)}: `salt` must be an int or a pair of ints, received {salt!r}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(self, "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if invert and output_mode != "int":
            raise ValueError(f"{_label(self)}: `invert=True` needs output_mode='int', received {output_mode!r}.")
        if sparse:
            raise ValueError(f"{_label(self)}: `sparse=True` needs sparse tensors, which unikeras does not have.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{_label(self)}: `idf_weights` is used only with output_mode='tf_idf'.")
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = vocabulary_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = vocabulary is not None if has_input_vocabulary is None else has_input_vocabulary
        self._tokens: list = []
        self._index: dict = {}
        self._idf: np.ndarray | None = None
        self._adapted = False
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f"{_label(self)}: with output_mode='tf_idf' and a `vocabulary`, give `idf_weights` too.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # indices of the special tokens
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def _token(self, value: Any) -> Any:
        return value

    @property
    def compute_dtype(self) -> str:
        if self.output_mode != "int":
            return self._dtype_policy.compute_dtype
        if self.invert:
            return "string" if self._strings else "int64"
        return "int64"

    # vocabulary
    def vocabulary_size(self) -> int:
        """The number of indices: special tokens and vocabulary."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary in index order (with the mask and OOV tokens unless ``include_special_tokens=False``)."""
        special = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        vocabulary = special + list(self._tokens)
        return vocabulary if include_special_tokens else vocabulary[self._token_start() :]

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (a list, array or a text file's path, one token a line) and, for
        output_mode='tf_idf', its IDF weights. The mask and OOV tokens may lead it, in their order."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{_label(self)}: with output_mode='tf_idf' set_vocabulary() needs `idf_weights`.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{_label(self)}: `idf_weights` is used only with output_mode='tf_idf'.")
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines
        if not isinstance(vocabulary, (list, tuple)):
            vocabulary = _to_numpy(self, vocabulary).tolist()
        vocabulary = [self._token(v) for v in vocabulary]
        if not vocabulary:
            raise ValueError(f"{_label(self)}: cannot set an empty vocabulary.")
        start = self._token_start()
        special = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        found_special = vocabulary[:start] == special
        tokens = vocabulary[start:] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{_label(self)}: the vocabulary repeats the tokens {repeated}.")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{_label(self)}: the mask token {self.mask_token!r} is in the vocabulary; leave it out, or put the "
                f"special tokens first in this order: {special}."
            )
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(
                f"{_label(self)}: the OOV token {self.oov_token!r} is in the vocabulary; leave it out, or put the "
                f"special tokens first in this order: {special}."
            )
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(
                f"{_label(self)}: a vocabulary of size {start + len(tokens)} is larger than max_tokens="
                f"{self.max_tokens}."
            )
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            weights = np.asarray(_to_numpy(self, idf_weights) if not isinstance(idf_weights, list) else idf_weights)
            if weights.ndim != 1 or len(weights) != len(vocabulary):
                raise ValueError(
                    f"{_label(self)}: `idf_weights` must be 1-D with one weight per vocabulary entry "
                    f"({len(vocabulary)}), received shape {weights.shape}."
                )
            front = 0 if found_special else start
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            weights = weights.astype("float64")
            self._idf = np.concatenate([np.full(front, np.mean(weights)), weights, np.zeros(back)]).astype("float32")

    def _set_tokens(self, tokens: list) -> None:
        if self._frozen_vocab_size is not None and self.output_mode != "int" and not self.pad_to_max_tokens:
            if self.built and self._token_start() + len(tokens) != self._frozen_vocab_size:
                raise RuntimeError(
                    f"{_label(self)}: with output_mode={self.output_mode!r} and pad_to_max_tokens=False the "
                    f"vocabulary size cannot change after the layer was called ({self._frozen_vocab_size} -> "
                    f"{self._token_start() + len(tokens)})."
                )
        self._tokens = list(tokens)
        self._index = {t: i + self._token_start() for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    # adapt
    def adapt(self, data: Any, steps: int | None = None) -> None:
        """Learns the vocabulary from ``data`` (an array, list, tensor, PyDataset or generator of batches):
        tokens by decreasing frequency (ties: the larger token first), at most ``max_tokens`` indices in all."""
        self._adapt_tokens(_batches(data, steps))

    def _adapt_tokens(self, batches: Any, rows: Callable | None = None) -> None:
        if self._has_input_vocabulary:
            raise ValueError(
                f"{_label(self)}: cannot adapt a layer given a vocabulary (the `vocabulary` argument or "
                "set_vocabulary())."
            )
        counts: collections.Counter = collections.Counter()
        documents: collections.Counter = collections.Counter()
        num_documents = 0
        for batch, whole in batches:
            for row in rows(batch, whole) if rows is not None else self._rows(batch, whole):
                counts.update(row)
                if self.output_mode == "tf_idf":
                    documents.update(set(row))
                    num_documents += 1
        if not counts:
            self._frozen_vocab_size = self.vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            ordered = ordered[: self.max_tokens - self._token_start()]
        self._set_tokens(ordered)
        self._adapted = True
        if self.output_mode == "tf_idf":
            idf = np.log(1 + num_documents / (1 + np.asarray([documents[t] for t in ordered], "float64")))
            idf = idf.astype("float32")
            back = self.max_tokens - self._token_start() - len(idf) if self.pad_to_max_tokens else 0
            self._idf = np.concatenate(
                [np.full(self._token_start(), np.mean(idf), "float32"), idf, np.zeros(back, "float32")]
            )

    def _rows(self, batch: Any, whole: bool) -> list:
        values = self._values(_to_numpy(self, batch))
        if values.ndim == 0:
            values = values.reshape(1, 1)
        elif values.ndim == 1:
            values = values.reshape(-1, 1) if whole else values.reshape(1, -1)
        return [row.reshape(-1).tolist() for row in values]

    def _values(self, x: np.ndarray) -> np.ndarray:
        return x

    # lookup
    def _depth(self) -> int | None:
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return _encoded_shape(input_shape, self.output_mode, self._depth())

    def _lookup(self, values: np.ndarray) -> np.ndarray:
        """The indices of NumPy ``values`` (int64; -1 for unknown tokens without OOV indices)."""
        flat = values.reshape(-1).tolist()
        found = np.asarray([self._index.get(t, -1) for t in flat], dtype="int64")
        if self.num_oov_indices == 1:
            found[found < 0] = self._oov_start()
        elif self.num_oov_indices > 1:
            missing = found < 0
            if missing.any():
                misses = np.asarray(flat, dtype=object)[missing]
                if not self._strings and self.oov_method == "floormod":
                    oov = np.mod(misses.astype("int64"), self.num_oov_indices)
                else:
                    oov = lookup_hash.hash_to_bins(misses, self.num_oov_indices, self.salt)
                found[missing] = oov + self._oov_start()
        if self.mask_token is not None:
            masked = np.asarray([t == self.mask_token for t in flat], dtype=bool)
            found[masked] = 0 if self.output_mode == "int" else -1
        if self.num_oov_indices == 0 and (found < 0).any() and not self._masked_all(flat, found):
            unknown = sorted({t for t, i in zip(flat, found) if i < 0 and t != self.mask_token}, key=str)
            raise ValueError(
                f"{_label(self)}: with num_oov_indices=0 all inputs must be in the vocabulary; found OOV values "
                f"{unknown[:10]}. Set num_oov_indices=1."
            )
        return found.reshape(values.shape)

    def _masked_all(self, flat: list, found: np.ndarray) -> bool:
        return all(t == self.mask_token for t, i in zip(flat, found.tolist()) if i < 0)

    def _invert(self, indices: np.ndarray) -> np.ndarray:
        table = self.get_vocabulary()  # index 0 is the mask token when there is one (invert needs mode "int")
        start = self._token_start()

        def token(i: int) -> Any:
            if start <= i < len(table) or (i == 0 and self.mask_token is not None):
                return table[i]
            return self.oov_token  # OOV indices and indices outside the vocabulary

        out = np.empty(indices.shape, dtype=object)
        out.reshape(-1)[:] = [token(i) for i in indices.reshape(-1).tolist()]
        return out

    def _check_ready(self) -> None:
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"{_label(self)}: with output_mode={self.output_mode!r} and pad_to_max_tokens=False, set the "
                "vocabulary (the `vocabulary` argument or adapt()) before calling the layer."
            )

    def _encode_indices(self, indices: np.ndarray) -> Any:
        b = active()
        tensor = b.convert_to_tensor(indices, "int64")
        if self.output_mode == "int":
            return tensor
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        idf = self._idf if self.output_mode == "tf_idf" else None
        if self.output_mode == "tf_idf" and idf is None:
            raise ValueError(f"{_label(self)}: output_mode='tf_idf' needs `idf_weights` or adapt().")
        return _encode(self, tensor, mode, self._depth(), self._dtype_policy.compute_dtype, idf_weights=idf)

    def call(self, inputs: Any) -> Any:
        self._check_ready()
        values = self._values(_to_numpy(self, inputs))
        if self.invert:
            out = self._invert(values.astype("int64"))
            return out if self._strings else active().convert_to_tensor(out.astype("int64"), "int64")
        return self._encode_indices(self._lookup(values))

    def get_config(self) -> dict:
        vocabulary = self.input_vocabulary
        idf = self.input_idf_weights
        if vocabulary is None and self._adapted:  # Keras keeps an adapted vocabulary in the file's assets
            vocabulary = self.get_vocabulary()
            if self._idf is not None:
                idf = self._idf[: self.vocabulary_size()]
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "idf_weights": np.asarray(idf).tolist() if idf is not None else None,
            "vocabulary": np.asarray(vocabulary).tolist() if vocabulary is not None else None,
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        }


class IntegerLookup(_IndexLookup):
    """Maps integer tokens to contiguous indices through a vocabulary (given, or learned with :meth:`adapt`).

    With ``oov_method="floormod"`` it runs on tensors with backend ops (so inside models and compiled
    steps too); ``oov_method="farmhash"`` hashes unknown values on NumPy.

    Args:
        max_tokens: the largest vocabulary size, special tokens included (``None``: no limit).
        num_oov_indices: indices for out-of-vocabulary values (1); an OOV value goes to
            ``value mod num_oov_indices`` (``"floormod"``) or its FarmHash bin (``"farmhash"``).
        mask_token: a value that maps to index 0 (``None``: no mask index).
        oov_token: the token ``invert=True`` returns for OOV indices (-1).
        vocabulary: a list or array of ints, or a text file's path.
        vocabulary_dtype: only ``"int64"``.
        idf_weights: with ``output_mode="tf_idf"`` and a ``vocabulary``, one weight per vocabulary entry.
        invert: map indices back to tokens.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        sparse: only ``False``.
        pad_to_max_tokens: encode to ``max_tokens`` columns whatever the vocabulary size.
        oov_method: ``"floormod"`` or ``"farmhash"``.
        salt: with ``"farmhash"``, an int or two ints keying SipHash.
    """

    _strings = False

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: int | None = None,
        oov_token: int = -1,
        vocabulary: Any = None,
        vocabulary_dtype: str = "int64",
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        oov_method: str = "floormod",
        salt: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if vocabulary_dtype != "int64":
            raise ValueError(
                f"IntegerLookup: only vocabulary_dtype='int64' is supported, received {vocabulary_dtype!r}."
            )
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=None if mask_token is None else int(mask_token),
            oov_token=None if oov_token is None else int(oov_token),
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            oov_method=oov_method,
            salt=salt,
            name=name,
            **kwargs,
        )

    def _token(self, value: Any) -> Any:
        return int(value)

    def _values(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind not in "iu":
            if x.dtype.kind == "f" and np.all(np.mod(x, 1) == 0):
                return x.astype("int64")
            raise ValueError(f"{_label(self)}: expected integer inputs, received dtype {x.dtype}.")
        return x.astype("int64")

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if self._runs_on_tensors() and not isinstance(inputs, KerasTensor) and not _holds_symbolic(inputs):
            return Layer.__call__(self, inputs, *args, **kwargs)
        return super().__call__(inputs, *args, **kwargs)

    def _runs_on_tensors(self) -> bool:
        return self.num_oov_indices <= 1 or self.oov_method == "floormod"

    def call(self, inputs: Any) -> Any:
        b = active()
        if not b.is_tensor(inputs) or not self._runs_on_tensors():
            return super().call(inputs)
        self._check_ready()
        x = b.cast(inputs, "int64")
        table = self.get_vocabulary()
        if self.invert:
            if self.mask_token is not None:
                table[0] = self.mask_token
            valid = np.zeros(len(table), bool)
            valid[self._token_start() :] = True
            if self.mask_token is not None:
                valid[0] = True
            values = np.where(valid, np.asarray([t if t is not None else 0 for t in table], "int64"), self.oov_token)
            inside = b.logical_and(b.greater_equal(x, 0), b.less(x, len(values)))
            picked = b.take(b.convert_to_tensor(values, "int64"), b.clip(x, 0, len(values) - 1))
            return b.where(inside, picked, b.full(b.shape(x), self.oov_token, "int64"))
        start = self._token_start()
        if self._tokens:
            tokens = b.convert_to_tensor(np.asarray(self._tokens, "int64"), "int64")
            match = b.equal(b.expand_dims(x, -1), tokens)
            found = b.any(match, axis=-1)
            position = b.add(b.cast(b.argmax(b.cast(match, "int32"), axis=-1), "int64"), start)
        else:
            found = b.cast(b.zeros_like(x), "bool")
            position = b.zeros_like(x)
        if self.num_oov_indices == 0:
            oov = b.full(b.shape(x), -1, "int64")
        elif self.num_oov_indices == 1:
            oov = b.full(b.shape(x), self._oov_start(), "int64")
        else:
            n = b.convert_to_tensor(np.asarray(self.num_oov_indices, "int64"), "int64")
            oov = b.add(b.mod(x, n), self._oov_start())
        out = b.where(found, position, oov)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else -1
            out = b.where(b.equal(x, self.mask_token), b.full(b.shape(x), mask_value, "int64"), out)
        if self.num_oov_indices == 0:
            self._check_no_oov(b, x, out)
        if self.output_mode == "int":
            return out
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        idf = self._idf if self.output_mode == "tf_idf" else None
        return _encode(self, out, mode, self._depth(), self._dtype_policy.compute_dtype, idf_weights=idf)

    def _check_no_oov(self, b: Any, x: Any, out: Any) -> None:
        try:
            lookups, values = np.asarray(b.to_numpy(out)), np.asarray(b.to_numpy(x))
        except Exception:  # noqa: BLE001 - traced: unknown values give index -1 (encoded as zeros)
            return
        unknown = values[(lookups < 0) & (values != (self.mask_token if self.mask_token is not None else -(2**63)))]
        if unknown.size:
            raise ValueError(
                f"{_label(self)}: with num_oov_indices=0 all inputs must be in the vocabulary; found OOV values "
                f"{sorted(set(unknown.tolist()))[:10]}. Set num_oov_indices=1."
            )

    def get_config(self) -> dict:
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}


class StringLookup(_IndexLookup):
    """Maps string tokens to contiguous indices through a vocabulary (given, or learned with :meth:`adapt`).

    Runs on NumPy values (arrays of ``str``/``bytes``/objects, or lists) outside compiled steps and returns
    tensors of the active backend; ``invert=True`` returns a NumPy array of ``str``.

    Args:
        max_tokens: the largest vocabulary size, special tokens included (``None``: no limit).
        num_oov_indices: indices for out-of-vocabulary tokens (1); with more than one, an OOV token goes to
            its FarmHash bin (SipHash under ``salt``).
        mask_token: a token that maps to index 0 (``None``: no mask index).
        oov_token: the token ``invert=True`` returns for OOV indices (``"[UNK]"``).
        vocabulary: a list or array of strings, or a text file's path.
        idf_weights: with ``output_mode="tf_idf"`` and a ``vocabulary``, one weight per vocabulary entry.
        invert: map indices back to tokens.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        pad_to_max_tokens: encode to ``max_tokens`` columns whatever the vocabulary size.
        sparse: only ``False``.
        encoding: the text encoding of ``bytes`` inputs (``"utf-8"``).
        salt: an int or two ints keying SipHash for OOV bins.
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: str | None = None,
        oov_token: str = "[UNK]",
        vocabulary: Any = None,
        idf_weights: Any = None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        salt: Any = None,
        **kwargs: Any,
    ) -> None:
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            oov_method=kwargs.pop("oov_method", "floormod"),  # Keras's config value; strings are always hashed
            salt=salt,
            name=name,
            **kwargs,
        )

    def _token(self, value: Any) -> Any:
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def _values(self, x: np.ndarray) -> np.ndarray:
        if self.invert:
            return x
        if x.dtype.kind not in "SUO":
            raise ValueError(f"{_label(self)}: expected string inputs, received dtype {x.dtype}.")
        return _as_text(x, self.encoding)

    def get_config(self) -> dict:
        return {**super().get_config(), "encoding": self.encoding}


# ---------------------------------------------------------------------- TextVectorization
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_STRIP_PUNCTUATION = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


class TextVectorization(_NumpyLayer):
    """Turns strings into token indices (or multi-hot, count, TF-IDF vectors): standardize, split,
    form n-grams, look tokens up in a vocabulary (index 0 pads, index 1 is ``"[UNK]"``).

    Runs on NumPy values (arrays or lists of strings) outside compiled steps and returns tensors of the
    active backend. Standardization and splitting are ASCII-based as TensorFlow's ops are: ``"lower"``
    lowercases ASCII letters, ``"strip_punctuation"`` removes ASCII punctuation, ``"whitespace"`` splits on
    ASCII whitespace, ``"character"`` into Unicode characters.

    Args:
        max_tokens: the largest vocabulary size, the padding and OOV tokens included.
        standardize: ``"lower_and_strip_punctuation"``, ``"lower"``, ``"strip_punctuation"``, ``None`` or a
            callable taking and returning a NumPy array of ``str``.
        split: ``"whitespace"``, ``"character"``, ``None`` (each string one token) or a callable taking a 1-D
            NumPy array of ``str`` and returning a list of token lists.
        ngrams: ``None``, an int ``n`` (1..n-grams) or a tuple of n-gram sizes.
        output_mode: ``"int"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        output_sequence_length: with ``"int"``, pad or truncate every sequence to this length.
        pad_to_max_tokens: encode to ``max_tokens`` columns whatever the vocabulary size.
        vocabulary: a list of strings or a text file's path.
        idf_weights: with ``"tf_idf"`` and a ``vocabulary``, one weight per vocabulary entry.
        sparse, ragged: only ``False`` (TensorFlow-only tensors).
        encoding: the text encoding of ``bytes`` inputs.
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        standardize: str | Callable | None = "lower_and_strip_punctuation",
        split: str | Callable | None = "whitespace",
        ngrams: int | tuple | None = None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary: Any = None,
        idf_weights: Any = None,
        sparse: bool = False,
        ragged: bool = False,
        encoding: str = "utf-8",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        if not (standardize is None or callable(standardize)):
            _check_choice(
                self, "standardize", standardize, ("lower_and_strip_punctuation", "lower", "strip_punctuation")
            )
        if not (split is None or callable(split)):
            _check_choice(self, "split", split, ("whitespace", "character"))
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(self, "output_mode", output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or _is_int(ngrams) or (isinstance(ngrams, tuple) and all(_is_int(n) for n in ngrams))):
            raise ValueError(f"{_label(self)}: `ngrams` must be None, an int or a tuple of ints, received {ngrams!r}.")
        if output_mode == "int" and not (output_sequence_length is None or _is_int(output_sequence_length)):
            raise ValueError(
                f"{_label(self)}: `output_sequence_length` must be None or an int, received {output_sequence_length!r}."
            )
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(
                f"{_label(self)}: `output_sequence_length` is used only with output_mode='int', received "
                f"output_mode={output_mode!r}."
            )
        if output_mode == "one_hot" and split is not None:
            raise ValueError(f"{_label(self)}: output_mode='one_hot' needs split=None (one token per string).")
        if sparse or ragged:
            raise ValueError(f"{_label(self)}: `sparse` and `ragged` need TensorFlow-only tensors; keep them False.")
        if ngrams is not None and split is None:
            raise ValueError(f"{_label(self)}: `ngrams` needs a `split`.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if _is_int(ngrams) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._sparse = sparse
        self._ragged = ragged
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens,
            mask_token="",
            output_mode=output_mode,
            encoding=encoding,
            has_input_vocabulary=has_input_vocabulary,
            vocabulary_size=vocabulary_size,
        )

    @property
    def compute_dtype(self) -> str:
        return "int64" if self._output_mode == "int" else self._dtype_policy.compute_dtype

    # vocabulary
    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The vocabulary in index order (``""`` and ``"[UNK]"`` first unless ``include_special_tokens=False``)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The number of indices, the padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Sets the vocabulary (and, for ``"tf_idf"``, its IDF weights)."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learns the vocabulary (and IDF weights) from strings: an array, list, tensor, PyDataset or
        generator of batches; ``steps`` limits the number of batches."""
        self._lookup_layer._adapt_tokens(_batches(data, steps, batch_size), self._adapt_rows)

    def _adapt_rows(self, batch: Any, whole: bool) -> list:
        text = self._text(batch)
        if whole and text.ndim == 1:
            text = text.reshape(-1, 1)
        tokens = self._tokenize(text)
        if isinstance(tokens, np.ndarray):
            rows = tokens.reshape(1, -1) if tokens.ndim < 2 else tokens.reshape(tokens.shape[0], -1)
            return [row.tolist() for row in rows]
        return tokens

    # preprocessing
    def _text(self, inputs: Any) -> np.ndarray:
        values = _to_numpy(self, inputs)
        if values.dtype.kind not in "SUO":
            raise ValueError(f"{_label(self)}: expected string inputs, received dtype {values.dtype}.")
        return _as_text(values, self._encoding)

    def _standardized(self, text: np.ndarray) -> np.ndarray:
        mode = self._standardize
        if callable(mode):
            return _as_text(np.asarray(mode(text)), self._encoding)
        if mode is None:
            return text
        out = text.copy()
        flat = out.reshape(-1)
        for i, s in enumerate(flat.tolist()):
            if mode in ("lower", "lower_and_strip_punctuation"):
                s = s.translate(_ASCII_LOWER)
            if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
                s = s.translate(_STRIP_PUNCTUATION)
            flat[i] = s
        return out

    def _tokenize(self, text: np.ndarray) -> Any:
        """A list of token lists (one per string) with a split, else the standardized array itself."""
        text = self._standardized(text)
        if self._split is None:
            return text
        if text.ndim > 1:
            if text.shape[-1] != 1:
                raise ValueError(
                    f"{_label(self)}: to split strings the input must have rank 1 or a last axis of size 1, "
                    f"received shape {text.shape}."
                )
            text = text[..., 0]
        if text.ndim == 0:
            text = text.reshape(1)
        if callable(self._split):
            rows = [[str(t) for t in row] for row in self._split(text)]
        elif self._split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in text.tolist()]
        else:
            rows = [list(s) for s in text.tolist()]
        if self._ngrams is not None:
            rows = [[" ".join(row[i : i + n]) for n in self._ngrams for i in range(len(row) - n + 1)] for row in rows]
        return rows

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        if self._output_mode == "int":
            if self._split is None:
                shape = tuple(input_shape)
                if self._output_sequence_length is not None and len(shape):
                    return shape[:-1] + (self._output_sequence_length,)
                return shape
            return (input_shape[0], self._output_sequence_length)
        shape = tuple(input_shape)
        if self._split is None:
            if len(shape) <= 1:
                shape = shape + (1,)
        else:
            shape = shape + (None,)
        return self._lookup_layer.compute_output_shape(shape)

    def call(self, inputs: Any) -> Any:
        lookup = self._lookup_layer
        lookup._check_ready()
        tokens = self._tokenize(self._text(inputs))
        b = active()
        if isinstance(tokens, np.ndarray):  # split=None: one token per string
            indices = lookup._lookup(tokens)
            if self._output_mode == "int":
                if self._output_sequence_length is not None and indices.ndim:
                    indices = _fit_length(indices, self._output_sequence_length)
                return b.convert_to_tensor(indices, "int64")
            if indices.ndim <= 1:
                indices = indices.reshape(-1, 1) if indices.ndim == 1 else indices.reshape(1)
            return lookup._encode_indices(indices)
        if self._output_mode == "int":
            length = self._output_sequence_length
            if length is None:
                length = max((len(row) for row in tokens), default=0)
            out = np.zeros((len(tokens), length), "int64")
            for i, row in enumerate(tokens):
                found = lookup._lookup(np.asarray(row[:length], dtype=object)) if row else np.zeros(0, "int64")
                out[i, : len(found)] = found
            return b.convert_to_tensor(out, "int64")
        depth = lookup._depth()
        mode = "count" if self._output_mode == "tf_idf" else self._output_mode
        counts = np.zeros((len(tokens), depth), "float64")
        for i, row in enumerate(tokens):
            if row:
                found = lookup._lookup(np.asarray(row, dtype=object))
                found = found[(found >= 0) & (found < depth)]
                np.add.at(counts[i], found, 1.0)
        if mode == "multi_hot":
            counts = np.minimum(counts, 1.0)
        dtype = self._dtype_policy.compute_dtype
        out = b.convert_to_tensor(counts.astype(dtype), dtype)
        if self._output_mode == "tf_idf":
            if lookup._idf is None:
                raise ValueError(f"{_label(self)}: output_mode='tf_idf' needs `idf_weights` or adapt().")
            out = b.multiply(out, b.convert_to_tensor(lookup._idf.astype(dtype), dtype))
        return out

    def get_config(self) -> dict:
        lookup = self._lookup_layer
        vocabulary, idf = lookup.input_vocabulary, lookup.input_idf_weights
        if vocabulary is None and lookup._adapted:  # Keras keeps an adapted vocabulary in the file's assets
            vocabulary = lookup.get_vocabulary()
            if lookup._idf is not None:
                idf = lookup._idf[: lookup.vocabulary_size()]
        return {
            **super().get_config(),
            "max_tokens": lookup.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": self._sparse,
            "ragged": self._ragged,
            "vocabulary": np.asarray(vocabulary).tolist() if vocabulary is not None else None,
            "idf_weights": np.asarray(idf).tolist() if idf is not None else None,
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        }


def _fit_length(indices: np.ndarray, length: int) -> np.ndarray:
    """``indices`` truncated or zero-padded to ``length`` along the last axis."""
    indices = indices[..., :length]
    pad = length - indices.shape[-1]
    if pad > 0:
        indices = np.concatenate([indices, np.zeros(indices.shape[:-1] + (pad,), indices.dtype)], axis=-1)
    return indices
