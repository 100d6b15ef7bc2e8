"""``torch.utils.data.DataLoader`` on any backend: each batch converted to NumPy.

torch is never imported here: the loader is recognised by its class's module, and its
tensors are converted by the shared NumPy conversion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from unikeras.trainers.data_adapters.data_adapter import DataAdapter


def is_torch_dataloader(x: Any) -> bool:
    return any(
        cls.__name__ == "DataLoader" and cls.__module__.startswith("torch.utils.data") for cls in type(x).__mro__
    )


class TorchDataLoaderAdapter(DataAdapter):
    """Batches of a DataLoader, a fresh pass every epoch (its own sampler does any shuffling)."""

    source = "torch DataLoader"

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    @property
    def num_batches(self) -> int | None:
        try:
            return len(self.loader)
        except TypeError:  # an IterableDataset without __len__
            return None

    def batches(self) -> Iterator[Any]:
        return iter(self.loader)
