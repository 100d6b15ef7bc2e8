"""The ``Entry`` record of the layer catalogue (``catalogue_table.py`` and its topic tables)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Entry:
    """One example layer.

    Args:
        cls: the class name in ``unikeras.layers`` and ``keras.layers``.
        kwargs: constructor arguments, or a callable ``package -> kwargs`` (``package`` is ``unikeras``
            or ``keras``) for arguments that are layers or functions of that package.
        input_shape: the input shape, batch axis included; a list of shapes for multi-input layers.
        int_high: when set, inputs are integer indices in ``[0, int_high)`` instead of normal floats.
        wrong_rank: an input shape of a rank the layer rejects with a ValueError naming the layer;
            ``None`` for layers whose rank is not constrained (the reason in a comment).
        sample: a function ``rng -> inputs`` for layers whose inputs are neither normal floats nor
            indices (strings, images in [0, 255]); overrides ``input_shape``'s sampling (keep
            ``input_shape`` right: the symbolic shape checks read it).
        round_trip: whether ``from_config(get_config())`` recreates the layer (``False`` with a reason
            in a comment where it deliberately raises).
    """

    cls: str
    kwargs: dict | Callable[[Any], dict] = field(default_factory=dict)
    input_shape: Shape | list[Shape] = (2, 3)
    int_high: int | None = None
    wrong_rank: Shape | None = None
    round_trip: bool = True
    sample: Callable[[Any], Any] | None = None

    def arguments(self, package: Any) -> dict:
        return self.kwargs(package) if callable(self.kwargs) else dict(self.kwargs)
