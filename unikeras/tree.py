"""Nested structures (``keras.tree``): lists, tuples, namedtuples and dicts of leaves.

Lists, tuples (namedtuples included) and dicts are nodes; everything else, ``None`` included, is a
leaf. A dict's children are visited in sorted key order, an ``OrderedDict``'s in insertion order, as
in Keras; rebuilt dicts keep the key order of the original.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any


class MAP_TO_NONE:  # noqa: N801 - Keras's name
    """Returned by the function given to ``traverse`` to replace a substructure by ``None``."""


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure: Any) -> bool:
    """Whether ``structure`` is a list, a tuple or a dict (even an empty one)."""
    return isinstance(structure, (list, tuple, dict))


def _keys(node: Any) -> list[Any]:
    """The keys of a node's children, in visiting order."""
    if isinstance(node, dict):
        if isinstance(node, collections.OrderedDict):
            return list(node)
        try:
            return sorted(node)
        except TypeError as err:
            raise TypeError(f"keras tree: the keys of a dict must be sortable, received {list(node)!r}.") from err
    return list(range(len(node)))


def _children(node: Any) -> list[Any]:
    return [node[k] for k in _keys(node)]


def _rebuild(node: Any, values: list[Any]) -> Any:
    """A node like ``node`` whose children (in visiting order) are ``values``."""
    if isinstance(node, dict):
        by_key = dict(zip(_keys(node), values, strict=True))
        ordered = [(k, by_key[k]) for k in node]
        if type(node) is dict:
            return dict(ordered)
        if isinstance(node, collections.defaultdict):
            return type(node)(node.default_factory, ordered)
        return type(node)(ordered)
    if _is_namedtuple(node):
        return type(node)(*values)
    if isinstance(node, tuple):
        return tuple(values) if type(node) is tuple else type(node)(values)
    return list(values) if type(node) is list else type(node)(values)


def flatten(structure: Any) -> list[Any]:
    """The leaves of ``structure``, in order (``flatten(None) == [None]``)."""
    leaves: list[Any] = []
    _flatten_into(structure, leaves)
    return leaves


def _flatten_into(structure: Any, leaves: list[Any]) -> None:
    if is_nested(structure):
        for child in _children(structure):
            _flatten_into(child, leaves)
    else:
        leaves.append(structure)


def flatten_with_path(structure: Any) -> list[tuple[tuple, Any]]:
    """``(path, leaf)`` pairs: the path is the tuple of keys and indices leading to the leaf."""
    pairs: list[tuple[tuple, Any]] = []

    def walk(node: Any, path: tuple) -> None:
        if is_nested(node):
            for key in _keys(node):
                walk(node[key], (*path, key))
        else:
            pairs.append((path, node))

    walk(structure, ())
    return pairs


def _same_node(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return type(a) is type(b) and set(a) == set(b)
    return type(a) is type(b) and len(a) == len(b)


def _check_same(a: Any, b: Any) -> None:
    if is_nested(a) != is_nested(b):
        raise ValueError(
            f"Structures don't have the same nested structure: {_short(a)} is "
            f"{'a node' if is_nested(a) else 'a leaf'}, {_short(b)} is {'a node' if is_nested(b) else 'a leaf'}."
        )
    if is_nested(a):
        if not _same_node(a, b):
            raise ValueError(
                f"Structures don't have the same nested structure: {type(a).__name__} {_short(a)} and "
                f"{type(b).__name__} {_short(b)}."
            )
        for x, y in zip(_children(a), _children(b), strict=True):
            _check_same(x, y)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def assert_same_structure(a: Any, b: Any, check_types: Any = None) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same nodes (types, lengths, keys).

    ``check_types`` is accepted for compatibility and ignored: node types are always compared, as in Keras.
    """
    _check_same(a, b)


def assert_same_paths(a: Any, b: Any) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same set of leaf paths (node types may differ)."""
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            "`a` and `b` don't have the same paths.\n"
            f"Paths in `a` missing in `b`:\n{paths_a - paths_b}\n"
            f"Paths in `b` missing in `a`:\n{paths_b - paths_a}"
        )


def map_structure(func: Callable[..., Any], *structures: Any, none_is_leaf: bool = True) -> Any:
    """``func`` applied to the leaves of ``structures`` (all with the same structure), packed in it.

    With ``none_is_leaf=False`` a ``None`` is an empty node: ``func`` is not called on it and it stays ``None``.
    """
    if not structures:
        raise ValueError("map_structure(): pass at least one structure.")
    for other in structures[1:]:
        _check_same(structures[0], other)

    def walk(*nodes: Any) -> Any:
        first = nodes[0]
        if first is None and not none_is_leaf:
            return None
        if not is_nested(first):
            return func(*nodes)
        return _rebuild(first, [walk(*children) for children in zip(*(_children(n) for n in nodes), strict=True)])

    return walk(*structures)


def map_structure_up_to(shallow_structure: Any, func: Callable[..., Any], *structures: Any) -> Any:
    """Like ``map_structure``, but only down to the leaves of ``shallow_structure``: ``func`` gets the
    (possibly nested) parts of ``structures`` found there."""
    if not structures:
        raise ValueError("map_structure_up_to(): pass at least one structure.")

    def walk(shallow: Any, *nodes: Any) -> Any:
        if not is_nested(shallow):
            return func(*nodes)
        for node in nodes:
            if not is_nested(node) or not _same_node(shallow, node):
                raise ValueError(
                    f"Structures don't have the same nested structure: {_short(shallow)} and {_short(node)}."
                )
        parts = zip(_children(shallow), *(_children(n) for n in nodes), strict=True)
        return _rebuild(shallow, [walk(*part) for part in parts])

    return walk(shallow_structure, *structures)


def pack_sequence_as(structure: Any, flat_sequence: Any) -> Any:
    """``flat_sequence`` packed into the structure of ``structure`` (the inverse of ``flatten``)."""
    flat = list(flat_sequence)
    count = len(flatten(structure))
    if len(flat) != count:
        raise ValueError(
            f"pack_sequence_as(): the structure has {count} leaves but the flat sequence has {len(flat)} "
            f"elements. Structure: {_short(structure)}."
        )
    position = iter(flat)
    return map_structure(lambda _: next(position), structure)


def lists_to_tuples(structure: Any) -> Any:
    """``structure`` with every list (at any depth) turned into a tuple."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(v) for v in structure)
    if is_nested(structure):
        return _rebuild(structure, [lists_to_tuples(v) for v in _children(structure)])
    return structure


def _is_shape(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and all(isinstance(e, int) or e is None for e in x)


def map_shape_structure(func: Callable[[Any], Any], structure: Any) -> Any:
    """``func`` applied to every shape (a list or tuple of ints and ``None`` s) of ``structure``."""
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, v) for v in _children(structure)])


def traverse(func: Callable[[Any], Any], structure: Any, top_down: bool = True) -> Any:
    """``func`` applied to every substructure of ``structure``, the whole of it included.

    Where ``func`` returns ``None`` the substructure is kept (and, top down, its children visited);
    any other value replaces it (``MAP_TO_NONE`` replaces it by ``None``). With ``top_down=False``
    children are visited first and ``func`` sees the rebuilt parent.
    """

    def children_done(node: Any) -> Any:
        if not is_nested(node):
            return node
        return _rebuild(node, [traverse(func, child, top_down) for child in _children(node)])

    if top_down:
        result = func(structure)
        if result is None:
            return children_done(structure)
    else:
        rebuilt = children_done(structure)
        result = func(rebuilt)
        if result is None:
            return rebuilt
    return None if result is MAP_TO_NONE else result


__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]
