"""``tf.data.Dataset`` on any backend: each batch converted to NumPy.

tensorflow is never imported here: the dataset is recognised by its class's module (it is
already loaded if such a dataset exists)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from unikeras.trainers.data_adapters.data_adapter import DataAdapter


def is_tf_dataset(x: Any) -> bool:
    return any(
        cls.__name__ == "DatasetV2" and cls.__module__.startswith("tensorflow.python") for cls in type(x).__mro__
    )


class TFDatasetAdapter(DataAdapter):
    """Batches of a ``tf.data.Dataset``, a fresh pass every epoch."""

    source = "tf.data.Dataset"

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    @property
    def num_batches(self) -> int | None:
        cardinality = int(self.dataset.cardinality())
        return cardinality if cardinality >= 0 else None  # -1 endless, -2 unknown

    def batches(self) -> Iterator[Any]:
        return self.dataset.as_numpy_iterator()
