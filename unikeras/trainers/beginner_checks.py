"""Checks for the mistakes newcomers make most, each with a message that says what happened and how to fix it.

``fit``, ``evaluate`` and ``predict`` run them on the data before any step:

- data whose shape does not match the model's ``Input`` (or lacks the channel axis a ``Conv`` needs);
- one-hot labels with ``sparse_categorical_crossentropy``, and integer labels with
  ``categorical_crossentropy``;
- ``fit`` / ``evaluate`` before ``compile`` (``NotCompiledError``);
- integer images (values up to 255) fed to a model that does not rescale them: a warning, once per ``fit``.

Every check looks at shapes and dtypes (and at most a small sample of values), never at a whole data set.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from unikeras import losses

# Layers that only move values around (their output dtype is their input's): look past them for the
# layer that first computes with the data.
_PASS_THROUGH_MODULES = {"unikeras.layers.reshaping", "unikeras.layers.masking"}
# Built-in layers that compute in floating point: integer data reaching them is cast (as Keras's Input
# does) and, when it looks like raw pixel values, triggers the scaling warning.
_FLOAT_MODULES = {
    "unikeras.layers.core",
    "unikeras.layers.einsum_dense",
    "unikeras.layers.convolution",
    "unikeras.layers.convolution_transpose",
    "unikeras.layers.depthwise_convolution",
    "unikeras.layers.recurrent",
    "unikeras.layers.pooling",
    "unikeras.layers.normalization",
    "unikeras.layers.regularization",
    "unikeras.layers.activation",
    "unikeras.layers.attention",
    "unikeras.layers.multi_head_attention",
    "unikeras.layers.wrappers",
}
_SAMPLE_ROWS = 1000  # values looked at by the scaling check


class NotCompiledError(RuntimeError, ValueError):
    """``fit``, ``evaluate``, ``train_on_batch`` or ``test_on_batch`` called before ``compile``.

    A ``RuntimeError``, and a ``ValueError`` as Keras raises for this, so either ``except`` catches it.
    """


def not_compiled(model: Any, method: str) -> NotCompiledError:
    """The error for calling ``method`` on ``model`` before ``compile``."""
    return NotCompiledError(
        f"You must call compile() before {method}(): model.compile(optimizer='adam', loss=...) tells model "
        f"'{model.name}' how to learn. Pick the loss for your labels: 'sparse_categorical_crossentropy' for "
        "integer class labels, 'categorical_crossentropy' for one-hot labels, 'binary_crossentropy' for 0/1 "
        "labels, 'mse' for numbers; add metrics=['accuracy'] to see the accuracy."
    )


# ---------------------------------------------------------------------------------------------- shapes
def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join("batch" if i == 0 and d is None else str(d) for i, d in enumerate(shape)) + ")"


def _matches(expected: tuple, shape: tuple) -> bool:
    return len(expected) == len(shape) and all(e is None or e == s for e, s in zip(expected[1:], shape[1:]))


def _expected_inputs(model: Any) -> list[tuple[str, tuple]] | None:
    """``(input name, expected shape with None for the batch)`` per model input, when the model declares them."""
    tensors = getattr(model, "_input_tensors", None)
    if tensors:
        return [(t.name, tuple(t.shape)) for t in tensors]
    shape = getattr(model, "_input_batch_shape", None)
    if shape is not None:
        return [("input", (None,) + tuple(shape[1:]))]
    return None


def _leaves_in_input_order(model: Any, x: Any, count: int) -> list[Any] | None:
    """The data arrays in the model's input order (``x`` as ``_prepare_arrays`` left it), or ``None``."""
    if count == 1 and not isinstance(x, (list, tuple, dict)):
        return [x]
    if isinstance(x, dict):
        struct = getattr(model, "_inputs_struct", None)
        keys = list(struct) if isinstance(struct, dict) else [t.name for t in model._input_tensors]
        return [x.get(k) for k in keys] if len(keys) == count else None
    if isinstance(x, (list, tuple)) and len(x) == count:
        return list(x)
    return None


def check_input_shapes(model: Any, x: Any) -> None:
    """Raise a ``ValueError`` that says how to fix data ``x`` whose shape does not fit the model's inputs."""
    expected = _expected_inputs(model)
    if expected is None:
        _check_first_conv(model, x)
        return
    leaves = _leaves_in_input_order(model, x, len(expected))
    if leaves is None:
        return
    several = len(expected) > 1
    for (name, want), leaf in zip(expected, leaves):
        shape = getattr(leaf, "shape", None)
        if shape is None or _matches(want, tuple(shape)):
            continue
        shape = tuple(None if d is None else int(d) for d in shape)
        what = f"`x` for input '{name}'" if several else "`x`"
        declared = f"Input '{name}', shape={want[1:]}" if name and name != "input" else f"Input(shape={want[1:]})"
        raise ValueError(
            f"Model '{model.name}' expects input of shape {_shape_text(want)} (its {declared}), but "
            f"{what} has shape {shape}. {_shape_hint(want, shape)}"
        )


def _shape_hint(want: tuple, shape: tuple) -> str:
    target, data = want[1:], shape[1:]
    if len(data) == len(target) - 1 and target[-1] == 1 and _matches((None,) + target[:-1], shape):
        return "The channel axis is missing (a grayscale image has 1 channel): add it with `x = np.expand_dims(x, -1)`."
    if len(data) == len(target) + 1 and data[-1] == 1 and _matches(want, shape[:-1]):
        return f"Drop the last axis of size 1 with `x = x.squeeze(-1)`, or use Input(shape={data})."
    if None not in target and None not in data and math.prod(target) == math.prod(data):
        if len(target) == 1:
            return (
                f"Each sample holds the {math.prod(data)} values the model expects, in another layout: flatten "
                f"them with `x = x.reshape(len(x), -1)`, or start the model with Input(shape={data}) and a "
                "layers.Flatten()."
            )
        return (
            f"Each sample holds the {math.prod(data)} values the model expects, in another layout: reshape them "
            f"with `x = x.reshape(-1, {', '.join(str(d) for d in target)})`."
        )
    return (
        f"Input(shape=...) leaves out the batch axis: for this data it would be Input(shape={data}). Check "
        "that the data and the model's Input describe the same samples."
    )


def _first_layers(model: Any) -> list[Any]:
    """The first computing layer of a Sequential model (past reshaping layers), as a list; ``[]`` if unknown."""
    from unikeras.models.sequential import Sequential

    if not isinstance(model, Sequential):
        return []
    for layer in model.layers:
        if type(layer).__module__ not in _PASS_THROUGH_MODULES:
            return [layer]
    return []


def _check_first_conv(model: Any, x: Any) -> None:
    """A Sequential model without an Input whose first layer is a convolution, fed images without channels."""
    from unikeras.layers.convolution import BaseConv
    from unikeras.models.sequential import Sequential

    if not isinstance(model, Sequential) or not isinstance(x, np.ndarray) or not model.layers:
        return
    if not isinstance(model.layers[0], BaseConv):
        return
    layer = model.layers[0]
    if x.ndim != layer.rank + 1:
        return
    first = layer.data_format == "channels_first"
    spatial = ("length",) if layer.rank == 1 else ("height", "width", "depth")[: layer.rank]
    axes = ", ".join(["batch", *("channels",) * first, *spatial, *("channels",) * (not first)])
    raise ValueError(
        f"{type(layer).__name__} '{layer.name}', the model's first layer, expects data of shape ({axes}), but "
        f"`x` has shape {x.shape}: the channel axis is missing (a grayscale image has 1 channel). Add it with "
        f"`x = np.expand_dims(x, {1 if first else -1})`."
    )


# ---------------------------------------------------------------------------------------------- labels
def _looks_integer(y: np.ndarray) -> bool:
    if y.dtype.kind in "iub":
        return True
    sample = y.reshape(-1)[:_SAMPLE_ROWS]
    return y.dtype.kind == "f" and bool(np.all(np.floor(sample) == sample))


def check_labels(loss: Any, y: np.ndarray, output_shape: Any, output: str | None = None) -> None:
    """Raise a ``ValueError`` when labels ``y`` do not suit the cross-entropy ``loss`` of an output of ``output_shape``.

    One-hot labels with ``sparse_categorical_crossentropy`` and integer labels with
    ``categorical_crossentropy`` get a message saying which loss (or conversion) fits them;
    sparse labels must also be integers in ``[0, classes)``.
    """
    _check_shapes(loss, y, output_shape, output)
    _check_sparse_values(loss, y, output_shape, output)


def _check_shapes(loss: Any, y: np.ndarray, output_shape: Any, output: str | None) -> None:
    fn = getattr(loss, "fn", None)
    if fn not in (losses.sparse_categorical_crossentropy, losses.categorical_crossentropy):
        return
    if not isinstance(output_shape, tuple) or not output_shape or output_shape[-1] is None or y.ndim == 0:
        return
    if getattr(loss, "_fn_kwargs", {}).get("axis", -1) not in (-1, len(output_shape) - 1):
        return
    out, classes = tuple(output_shape), output_shape[-1]
    where = f" of output '{output}'" if output else ""
    shape = tuple(y.shape)
    if fn is losses.sparse_categorical_crossentropy:
        _check_sparse(shape, out, classes, where)
    else:
        _check_categorical(y, shape, out, classes, where)


def _check_sparse_values(loss: Any, y: np.ndarray, output_shape: Any, output: str | None) -> None:
    """Integer labels in ``[0, classes)`` for a sparse categorical cross-entropy output."""
    fn = getattr(loss, "fn", None)
    if fn is not losses.sparse_categorical_crossentropy or not output_shape or output_shape[-1] is None:
        return
    where = f" (output {output!r})" if output else ""
    num_classes = output_shape[-1]
    if y.size == 0:
        return
    if y.dtype.kind == "f" and not np.all(np.floor(y) == y):
        raise ValueError(
            f"sparse_categorical_crossentropy{where}: labels `y` must be integers, received non-integer floats."
        )
    ignore = loss._fn_kwargs.get("ignore_class")
    labels = y if ignore is None else y[y != ignore]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"sparse_categorical_crossentropy{where}: labels must lie in [0, {num_classes}) for a model with "
            f"{num_classes} outputs, received labels in [{labels.min()}, {labels.max()}]."
        )


def _check_sparse(shape: tuple, out: tuple, classes: int, where: str) -> None:
    if _matches(out[:-1], shape) or (_matches(out[:-1] + (1,), shape)):
        return
    name = f"sparse_categorical_crossentropy{where}"
    if len(shape) == len(out) and shape[-1] == classes and classes > 1 and _matches(out[:-1], shape[:-1]):
        raise ValueError(
            f"{name}: the labels `y` have shape {shape}, one column per class, so they look one-hot; this loss "
            "wants one integer class per sample. Use loss='categorical_crossentropy', or pass integer labels "
            "(y.argmax(-1))."
        )
    _raise_shape(name, shape, out, "integer labels of shape " + _shape_text(out[:-1]), _extra_axes_hint(shape, out))


def _check_categorical(y: np.ndarray, shape: tuple, out: tuple, classes: int, where: str) -> None:
    if _matches(out, shape):
        return
    name = f"categorical_crossentropy{where}"
    integer_shaped = _matches(out[:-1], shape) or _matches(out[:-1] + (1,), shape)
    if classes == 1 and integer_shaped:
        raise ValueError(
            f"{name}: the model has a single output unit (output shape {_shape_text(out)}); cross-entropy over one "
            "class is always 0. For two classes labelled 0/1 use loss='binary_crossentropy' with a sigmoid output; "
            "for more classes give the last Dense layer one unit per class."
        )
    if integer_shaped and _looks_integer(y):
        raise ValueError(
            f"{name}: the labels `y` have shape {shape} and hold integer class labels, but this loss wants one-hot "
            f"labels of shape {_shape_text(out)}. Use loss='sparse_categorical_crossentropy', or convert them "
            f"with `y = unikeras.utils.to_categorical(y, num_classes={classes})`."
        )
    if len(shape) == len(out) and _matches(out[:-1], shape[:-1]):
        raise ValueError(
            f"{name}: the labels `y` have {shape[-1]} columns (shape {shape}) but the model outputs {classes} "
            f"classes (output shape {_shape_text(out)}). Give the last Dense layer {shape[-1]} units, or one-hot "
            f"encode the labels with num_classes={classes}."
        )
    _raise_shape(name, shape, out, "one-hot labels of shape " + _shape_text(out), _extra_axes_hint(shape, out))


def _extra_axes_hint(shape: tuple, out: tuple) -> str:
    if len(out) > len(shape) + 1 and len(shape) <= 2:
        return (
            " The model gives a prediction per position (or pixel), not one per sample: add layers.Flatten() "
            "(or a global pooling layer) before the last Dense layers."
        )
    return ""


def _raise_shape(name: str, shape: tuple, out: tuple, wanted: str, hint: str) -> None:
    raise ValueError(
        f"{name}: the labels `y` have shape {shape}, which does not fit the model's output of shape "
        f"{_shape_text(out)}; this loss wants {wanted}.{hint}"
    )


# ---------------------------------------------------------------------------------------------- dtypes
def _computes_in_floats(layer: Any) -> bool:
    from unikeras.layers.core import Dense

    module = type(layer).__module__
    return module in _FLOAT_MODULES and (module != "unikeras.layers.core" or isinstance(layer, Dense))


def _input_consumers(model: Any) -> list[list[Any]] | None:
    """Per model input, the layers that first compute with it (past reshaping layers); ``None`` if unknown."""
    tensors = getattr(model, "_input_tensors", None)
    if tensors:
        from unikeras.symbolic import symbolic_leaves

        consumers: list[list[Any]] = []
        for tensor in tensors:
            found, frontier, seen = [], [tensor], set()
            while frontier:
                current = frontier.pop()
                for node in model._nodes:
                    if id(node) in seen or not any(p is current for p in node.parents):
                        continue
                    seen.add(id(node))
                    if type(node.layer).__module__ in _PASS_THROUGH_MODULES:
                        frontier.extend(symbolic_leaves(node.outputs))
                    else:
                        found.append(node.layer)
            consumers.append(found)
        return consumers
    first = _first_layers(model)
    return [first] if first else None


def _float_inputs(model: Any) -> list[tuple[bool, Any]] | None:
    """Per model input: whether every layer that first computes with it is a built-in float layer, and the
    first such layer (for messages)."""
    consumers = _input_consumers(model)
    if consumers is None:
        return None
    tensors = getattr(model, "_input_tensors", None) or [None] * len(consumers)
    flags = []
    for tensor, layers in zip(tensors, consumers):
        declared_float = tensor is None or str(tensor.dtype).startswith(("float", "bfloat"))
        flags.append((declared_float and bool(layers) and all(map(_computes_in_floats, layers)), layers[:1]))
    return flags


def _is_integer(array: Any) -> bool:
    dtype = getattr(array, "dtype", None)
    return isinstance(dtype, np.dtype) and dtype.kind in "iub"


def cast_integer_inputs(model: Any, x: Any, floatx: str) -> Any:
    """``x`` with integer or boolean inputs cast to ``floatx`` where the model's first layers compute in
    floats (as Keras's float ``Input`` casts them); other inputs (token ids for an Embedding) are kept."""
    top = list(x.values()) if isinstance(x, dict) else list(x) if isinstance(x, (list, tuple)) else [x]
    if not any(map(_is_integer, top)):
        return x  # the common case, decided without looking at the model
    flags = _float_inputs(model)
    leaves = None if flags is None else _leaves_in_input_order(model, x, len(flags))
    if leaves is None:
        return x
    cast = [a.astype(floatx) if is_float and _is_integer(a) else a for (is_float, _), a in zip(flags, leaves)]
    if len(flags) == 1 and not isinstance(x, (list, tuple, dict)):
        return cast[0]
    if isinstance(x, dict):
        return dict(zip(x, cast)) if list(x) == _dict_keys(model) else x
    return type(x)(cast)


def _dict_keys(model: Any) -> list[str]:
    struct = getattr(model, "_inputs_struct", None)
    return list(struct) if isinstance(struct, dict) else [t.name for t in model._input_tensors]


def warn_if_unscaled(model: Any, x: Any, method: str = "fit") -> None:
    """A ``UserWarning`` when integer data with values above 1 (raw pixels, say) goes into layers that compute
    in floats without a ``Rescaling`` or ``Normalization`` layer first. It can be intended, so it is no error."""
    flags = _float_inputs(model)
    if flags is None:
        return
    leaves = _leaves_in_input_order(model, x, len(flags))
    if leaves is None:
        return
    for (is_float, first), leaf in zip(flags, leaves):
        if not is_float or not isinstance(leaf, np.ndarray) or leaf.dtype.kind not in "iu" or leaf.size == 0:
            continue
        top = int(leaf[:_SAMPLE_ROWS].max())
        if top <= 1:
            continue
        scale = 255 if 127 < top <= 255 else top
        layer = first[0]
        warnings.warn(
            f"{method}(): `x` holds {leaf.dtype} values up to {top}, and they reach {type(layer).__name__} "
            f"'{layer.name}' unscaled: networks learn poorly from raw values this large (raw pixels, say). "
            f"Scale the data first, `x = x / {scale}.0`, or start the model with "
            f"layers.Rescaling(1 / {scale}) (layers.Normalization for features of differing ranges). If the "
            "values are meant as they are, ignore this warning.",
            UserWarning,
            stacklevel=3,
        )
        return
