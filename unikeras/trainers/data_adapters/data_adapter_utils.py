"""Helpers shared by the data adapters: nested structures of arrays, conversion to NumPy,
class weights, and the checks that keep a stream of batches consistent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from unikeras import backends


# ---------------------------------------------------------------------- structures
def is_nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict))


def flatten(value: Any) -> list[Any]:
    """The leaves of a nested list / tuple / dict (dicts in key order); ``None`` is a leaf."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in flatten(v)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in flatten(v)]
    return [value]


def map_structure(fn: Callable[[Any], Any], value: Any) -> Any:
    """``fn`` applied to every leaf that is not ``None``; lists, tuples and dicts keep their type."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: map_structure(fn, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map_structure(fn, v) for v in value)
    return fn(value)


def unflatten_like(template: Any, leaves: list[Any]) -> Any:
    """The inverse of :func:`flatten`: ``template``'s structure holding ``leaves`` in order."""
    it = iter(leaves)

    def build(t: Any) -> Any:
        if isinstance(t, dict):
            return {k: build(v) for k, v in t.items()}
        if isinstance(t, (list, tuple)):
            return type(t)(build(v) for v in t)
        return next(it)

    return build(template)


def leaf_paths(value: Any, prefix: str) -> list[str]:
    """Names of the leaves for messages: ``x``, ``x[1]``, ``y['out']``."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaf_paths(v, f"{prefix}[{k!r}]")]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, f"{prefix}[{i}]")]
    return [prefix]


def shapes_of(value: Any) -> Any:
    """The structure of ``value`` with each array replaced by its shape (for messages)."""
    return map_structure(lambda a: tuple(a.shape), value)


# ---------------------------------------------------------------------- conversion
def to_numpy(value: Any, name: str) -> np.ndarray:
    """One array-like (NumPy, a Python list, any framework's tensor) as a NumPy array."""
    if isinstance(value, np.ndarray):
        return value
    module = type(value).__module__
    if module.startswith("torch"):  # tensors that require grad or live on a GPU
        return value.detach().cpu().numpy()
    if hasattr(value, "asnumpy"):  # MXNet
        return value.asnumpy()
    if hasattr(value, "numpy") and callable(value.numpy):  # TensorFlow, unikeras Variables
        return np.asarray(value.numpy())
    for backend in backends.loaded():
        if backend.is_tensor(value):
            return backend.to_numpy(value)
    try:
        array = np.asarray(value)
    except Exception as err:  # noqa: BLE001 - reported as the argument's fault
        raise ValueError(f"`{name}` must be array-like, received {type(value).__name__}.") from err
    if array.dtype == object:
        raise ValueError(f"`{name}` must be array-like, received {type(value).__name__} that NumPy cannot convert.")
    return array


def _is_array_structure(value: Any) -> bool:
    """A list/tuple of arrays (one per model input or output), as opposed to a nested Python list of numbers."""

    def is_item(v: Any) -> bool:
        if isinstance(v, Mapping):
            return True
        if isinstance(v, (list, tuple)):
            return _is_array_structure(v)
        return len(getattr(v, "shape", ())) >= 1

    return bool(value) and all(is_item(v) for v in value)


def to_numpy_structure(value: Any, name: str) -> Any:
    """``value`` with every array-like leaf as a NumPy array; a list of arrays stays a list."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {k: to_numpy_structure(v, f"{name}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)) and _is_array_structure(value):
        return type(value)(to_numpy_structure(v, f"{name}[{i}]") for i, v in enumerate(value))
    return to_numpy(value, name)


def cast_floats(value: Any, floatx: str) -> Any:
    """Floating-point leaves in ``floatx`` (the model's dtype); other dtypes are kept."""
    return map_structure(lambda a: a.astype(floatx) if a.dtype.kind == "f" and a.dtype != floatx else a, value)


def num_samples(value: Any) -> int:
    return len(next(a for a in flatten(value) if a is not None))


def check_array_lengths(x: Any, y: Any, sample_weight: Any) -> None:
    """Every array of ``x``, ``y`` and ``sample_weight`` has the same number of samples."""
    leaves = flatten(x)
    paths = leaf_paths(x, "x")
    for path, a in zip(paths, leaves):
        if a.ndim == 0:
            raise ValueError(f"`{path}` must have a batch axis, received a scalar of shape {a.shape}.")
    n = len(leaves[0])
    for path, a in zip(paths, leaves):
        if len(a) != n:
            raise ValueError(
                f"Every input in `x` needs the same number of samples: {paths[0]} has {n}, {path} has {len(a)}."
            )
    for argument, value in (("y", y), ("sample_weight", sample_weight)):
        for path, a in zip(leaf_paths(value, argument), flatten(value)):
            if a is None:
                continue
            if a.ndim == 0:
                raise ValueError(f"`{path}` must have a batch axis, received a scalar.")
            if len(a) != n:
                what = "have the same number of samples" if argument == "y" else "have one entry per sample"
                raise ValueError(f"`x` and `{path}` must {what}: x has {n}, {path} has {len(a)}.")


# ---------------------------------------------------------------------- class weights
def class_weight_to_sample_weight(y: Any, class_weight: Mapping, floatx: str, where: str = "") -> np.ndarray:
    """Per-sample weights ``class_weight[label]`` from integer labels or one-hot ``y``.

    ``y`` of shape ``(n,)`` or ``(n, 1)`` holds class indices; ``(n, k)`` with ``k > 1`` is one-hot
    (the class is the argmax). Every class present in ``y`` must have a weight.
    """
    if is_nested(y):
        raise ValueError("`class_weight` is only supported for models with a single output; `y` is nested.")
    if y is None:
        raise ValueError(f"`class_weight` needs targets `y`{where}, received none.")
    y = np.asarray(y)
    labels = y if y.ndim == 1 else (y[..., 0] if y.shape[-1] == 1 else np.argmax(y, axis=-1))
    if labels.ndim != 1:
        raise ValueError(
            f"`class_weight` needs one label per sample (y of shape (n,), (n, 1) or one-hot (n, classes)), "
            f"received y of shape {y.shape}{where}."
        )
    labels = np.round(labels).astype("int64")
    classes, inverse = np.unique(labels, return_inverse=True)
    missing = [int(c) for c in classes if int(c) not in class_weight]
    if missing:
        raise ValueError(
            f"`class_weight` has no weight for the classes {missing} found in `y`{where}; "
            f"it has weights for {sorted(class_weight)}."
        )
    table = np.array([class_weight[int(c)] for c in classes], dtype=floatx)
    return table[inverse]


def check_class_weight(class_weight: Any) -> dict[int, float]:
    """``class_weight`` as ``{int class: float weight}``, or a clear error."""
    if not isinstance(class_weight, Mapping):
        raise ValueError(
            f"`class_weight` must be a dict mapping class indices to weights, received {type(class_weight).__name__}."
        )
    checked = {}
    for key, weight in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            raise ValueError(f"`class_weight` keys must be integer class indices, received {key!r}.")
        try:
            checked[int(key)] = float(weight)
        except (TypeError, ValueError) as err:
            raise ValueError(f"`class_weight[{key}]` must be a number, received {weight!r}.") from err
    return checked


# ---------------------------------------------------------------------- batches from iterables
def unpack_batch(data: Any, source: str, index: int) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` from a batch ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (a list counts as a tuple, as in Keras)."""
    if not isinstance(data, (tuple, list)):
        return data, None, None
    if len(data) in (1, 2, 3):
        x, y, sample_weight = (*data, None, None)[:3]
        return x, y, sample_weight
    raise ValueError(
        f"Batch {index} from the {source} holds {len(data)} items; a batch must be x, (x,), (x, y) "
        "or (x, y, sample_weight)."
    )


class BatchStandardizer:
    """Turns each raw batch of a generator / PyDataset / DataLoader / tf.data into NumPy
    ``(x, y, sample_weight)`` and checks it against the first batch.

    Args:
        source: the input kind, for messages (``"generator"``).
        floatx: dtype that floating-point arrays are cast to.
        class_weight: ``{class: weight}`` turned into sample weights, or ``None``.
        standardize_x: the model's own reordering of ``x`` (dict inputs by name), or ``None``.
        input_shapes: the model's input shapes (``None`` where any size goes), aligned with
            the leaves of ``x``; without them every non-batch size must stay as in batch 0.
    """

    def __init__(
        self,
        source: str,
        floatx: str,
        class_weight: Mapping | None = None,
        standardize_x: Callable[[Any], Any] | None = None,
        input_shapes: list[tuple] | None = None,
    ) -> None:
        self.source = source
        self.floatx = floatx
        self.class_weight = class_weight
        self.standardize_x = standardize_x
        self.input_shapes = input_shapes
        self._first: tuple[list[str], list[tuple]] | None = None
        self._free_axes: list[set[int]] = []

    def __call__(self, data: Any, index: int) -> tuple[Any, Any, Any]:
        where = f" (batch {index} from the {self.source})"
        x, y, sample_weight = unpack_batch(data, self.source, index)
        if x is None:
            raise ValueError(f"Batch {index} from the {self.source} has no inputs `x`.")
        x = cast_floats(to_numpy_structure(x, "x"), self.floatx)
        y = cast_floats(to_numpy_structure(y, "y"), self.floatx)
        sample_weight = to_numpy_structure(sample_weight, "sample_weight")
        if sample_weight is not None:
            sample_weight = map_structure(lambda a: a.astype(self.floatx, copy=False), sample_weight)
        if self.class_weight is not None:
            if sample_weight is not None:
                raise ValueError(f"`class_weight` cannot be used with sample weights in the data{where}.")
            sample_weight = class_weight_to_sample_weight(y, self.class_weight, self.floatx, where)
        if self.standardize_x is not None:
            x = self.standardize_x(x)
        self._check(x, y, sample_weight, index)
        return x, y, sample_weight

    def _check(self, x: Any, y: Any, sample_weight: Any, index: int) -> None:
        paths = leaf_paths(x, "x") + leaf_paths(y, "y") + leaf_paths(sample_weight, "sample_weight")
        leaves = flatten(x) + flatten(y) + flatten(sample_weight)
        pairs = [(p, a) for p, a in zip(paths, leaves) if a is not None]
        for path, a in pairs:
            if a.ndim == 0:
                raise ValueError(
                    f"Batch {index} from the {self.source}: {path} is a scalar; every array needs a batch axis."
                )
        first_path, first = pairs[0]
        for path, a in pairs[1:]:
            if len(a) != len(first):
                raise ValueError(
                    f"Batch {index} from the {self.source}: {first_path} has shape {first.shape} but {path} has "
                    f"shape {a.shape}; every array of a batch needs the same batch size."
                )
        names = [p for p, _ in pairs]
        shapes = [a.shape for _, a in pairs]
        if self._first is None:
            self._first = (names, shapes)
            self._free_axes = self._flexible_axes(x, pairs)
            return
        first_names, first_shapes = self._first
        if names != first_names:
            raise ValueError(
                f"Batch {index} from the {self.source} holds {names} but batch 0 held {first_names}; "
                "every batch needs the same structure."
            )
        for name, shape, shape0, free in zip(names, shapes, first_shapes, self._free_axes):
            if len(shape) != len(shape0) or any(
                s != s0 for axis, (s, s0) in enumerate(zip(shape, shape0)) if axis and axis not in free
            ):
                raise ValueError(
                    f"Batch {index} from the {self.source}: {name} has shape {shape}, but batch 0 had shape "
                    f"{shape0}; only the batch axis (and axes the model declares as None) may change."
                )

    def _flexible_axes(self, x: Any, pairs: list[tuple[str, np.ndarray]]) -> list[set[int]]:
        """Axes allowed to change between batches: the model's ``None`` input axes; targets too
        when an input has one (sequence models with batches of different lengths)."""
        num_x = len(flatten(x))
        spec = self.input_shapes if self.input_shapes is not None and len(self.input_shapes) == num_x else None
        free: list[set[int]] = []
        for i in range(num_x):
            shape = spec[i] if spec is not None else ()
            free.append({axis for axis, size in enumerate(shape) if axis and size is None})
        any_free = any(free)
        for _, a in pairs[num_x:]:
            free.append(set(range(1, a.ndim)) if any_free else set())
        return free
