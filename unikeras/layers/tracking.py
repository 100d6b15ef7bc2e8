"""Sub-layers kept in list, tuple or dict attributes are tracked, as Keras tracks them.

``self.blocks = [Dense(8), Dense(8)]`` makes both Dense layers sub-layers of ``self``, in list
order, so their weights train and save. A list or dict assigned to a public attribute is
replaced by a ``TrackedList`` / ``TrackedDict`` (a ``list`` / ``dict`` subclass) that also tracks
what is appended, inserted or set later. Containers nested inside it are scanned when they are
added; later changes to a nested container are not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def visit(value: Any, on_item: Callable[[Any], None]) -> None:
    """Call ``on_item`` on ``value`` or, for a list/tuple/dict, on everything nested in it."""
    if isinstance(value, (list, tuple)):
        for item in value:
            visit(item, on_item)
    elif isinstance(value, dict):
        for item in value.values():
            visit(item, on_item)
    else:
        on_item(value)


class TrackedList(list):
    """A list that reports every item added to it to its owning layer."""

    def __init__(self, items: Iterable[Any], on_item: Callable[[Any], None]) -> None:
        super().__init__(items)
        self._on_item = on_item
        visit(list(self), on_item)

    def append(self, item: Any) -> None:
        visit(item, self._on_item)
        super().append(item)

    def extend(self, items: Iterable[Any]) -> None:
        items = list(items)
        visit(items, self._on_item)
        super().extend(items)

    def insert(self, index: Any, item: Any) -> None:
        visit(item, self._on_item)
        super().insert(index, item)

    def __setitem__(self, index: Any, item: Any) -> None:
        visit(item, self._on_item)
        super().__setitem__(index, item)

    def __iadd__(self, items: Iterable[Any]) -> TrackedList:
        self.extend(items)
        return self

    def __reduce_ex__(self, protocol: Any) -> Any:
        return list, (list(self),)  # copies and pickles are plain lists


class TrackedDict(dict):
    """A dict that reports every value set in it to its owning layer."""

    def __init__(self, items: Any, on_item: Callable[[Any], None]) -> None:
        super().__init__(items)
        self._on_item = on_item
        visit(dict(self), on_item)

    def __setitem__(self, key: Any, value: Any) -> None:
        visit(value, self._on_item)
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return dict, (dict(self),)


def track_attribute(value: Any, on_item: Callable[[Any], None], is_tracked: Callable[[Any], bool]) -> Any:
    """What a layer stores for an attribute assigned ``value``: the value itself, or a tracking
    container when it is a list/dict that is empty or holds something ``is_tracked``."""
    if type(value) not in (list, tuple, dict):
        return value
    found: list[Any] = []
    visit(value, lambda item: found.append(item) if is_tracked(item) else None)
    if not found and (value or type(value) is tuple):
        return value  # plain data (shapes, names, tensors): left exactly as given
    if type(value) is list:
        return TrackedList(value, on_item)
    if type(value) is dict:
        return TrackedDict(value, on_item)
    visit(value, on_item)
    return value
