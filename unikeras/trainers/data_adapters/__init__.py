"""Inputs of ``fit`` / ``evaluate`` / ``predict``, one adapter per kind: arrays (and lists or
dicts of them), Python generators, ``unikeras.utils.PyDataset``, ``torch.utils.data.DataLoader``
and ``tf.data.Dataset``. Every kind works on every backend: batches are handed to the step as
NumPy. torch and tensorflow are imported only by their own objects' methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikeras.trainers.data_adapters.array_data_adapter import ArrayDataAdapter, split_validation
from unikeras.trainers.data_adapters.data_adapter import DataAdapter
from unikeras.trainers.data_adapters.data_adapter_utils import (
    BatchStandardizer,
    cast_floats,
    check_array_lengths,
    check_class_weight,
    class_weight_to_sample_weight,
    flatten,
    is_nested,
    map_structure,
    num_samples,
    to_numpy_structure,
    unflatten_like,
    unpack_batch,
)
from unikeras.trainers.data_adapters.epoch_iterator import EpochIterator
from unikeras.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter, is_iterator
from unikeras.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from unikeras.trainers.data_adapters.tf_dataset_adapter import TFDatasetAdapter, is_tf_dataset
from unikeras.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter, is_torch_dataloader
from unikeras.utils.py_dataset import PyDataset

__all__ = [
    "ArrayDataAdapter",
    "BatchStandardizer",
    "DataAdapter",
    "EpochIterator",
    "GeneratorDataAdapter",
    "PyDatasetAdapter",
    "TFDatasetAdapter",
    "TorchDataLoaderAdapter",
    "cast_floats",
    "check_array_lengths",
    "check_class_weight",
    "class_weight_to_sample_weight",
    "flatten",
    "get_data_adapter",
    "input_standardizer",
    "is_nested",
    "map_structure",
    "model_input_shapes",
    "num_samples",
    "source_name",
    "split_validation",
    "to_numpy_structure",
    "unflatten_like",
    "unpack_batch",
]


def source_name(x: Any) -> str | None:
    """The input kind of ``x`` if it yields its own batches, ``None`` for arrays."""
    if isinstance(x, PyDataset):
        return "PyDataset"
    if is_torch_dataloader(x):
        return "torch DataLoader"
    if is_tf_dataset(x):
        return "tf.data.Dataset"
    if is_iterator(x):
        return "generator"
    return None


def get_data_adapter(x: Any, shuffle: bool | str = False, seed: int | None = None) -> DataAdapter:
    """The adapter for an input that yields its own batches (see :func:`source_name`)."""
    if isinstance(x, PyDataset):
        return PyDatasetAdapter(x, shuffle=bool(shuffle), seed=seed)
    if is_torch_dataloader(x):
        return TorchDataLoaderAdapter(x)
    if is_tf_dataset(x):
        return TFDatasetAdapter(x)
    if is_iterator(x):
        return GeneratorDataAdapter(x)
    raise ValueError(f"Unrecognized data type: x of type {type(x).__name__}.")


def model_input_shapes(model: Any) -> list[tuple] | None:
    """The shapes of the model's inputs (``None`` where any size goes), in the order of the
    leaves of a standardized ``x``; ``None`` when the model does not declare them."""
    tensors = getattr(model, "_input_tensors", None)
    if tensors:
        return [tuple(t.shape) for t in tensors]
    shape = getattr(model, "_input_batch_shape", None)
    return [tuple(shape)] if shape is not None else None


def input_standardizer(model: Any) -> Callable[[Any], Any] | None:
    """For a functional model, the function that puts a dict ``x`` in the model's input order:
    by key for a model built on a dict of inputs, else by ``Input`` name (as Keras does)."""
    tensors = getattr(model, "_input_tensors", None)
    if not tensors:
        return None
    struct = getattr(model, "_inputs_struct", None)
    keys = list(struct) if isinstance(struct, dict) else [t.name for t in tensors]
    as_dict = isinstance(struct, dict)
    single = not as_dict and len(tensors) == 1

    def standardize(x: Any) -> Any:
        if not isinstance(x, dict):
            return x
        missing = [k for k in keys if k not in x]
        if missing:
            raise ValueError(
                f"Model '{model.name}' takes inputs {keys}; the dict `x` lacks {missing} (it has keys {list(x)})."
            )
        if as_dict:
            return {k: x[k] for k in keys}
        return x[keys[0]] if single else [x[k] for k in keys]

    return standardize
