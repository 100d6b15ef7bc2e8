"""unikeras.tree against keras.tree on the same structures."""

from __future__ import annotations

import collections
import os

import pytest

from unikeras import tree

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

Point = collections.namedtuple("Point", "y x")
STRUCTURES = [
    5,
    None,
    [],
    {"b": 1, "a": [2, (3, None)]},
    collections.OrderedDict([("b", 1), ("a", (2, 3))]),
    Point(1, [2, {"z": 3, "c": 4}]),
    [(1, 2), {1: "x", 0: "y"}, ()],
]


@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_flatten_pack_map_match_keras(structure):
    assert tree.flatten(structure) == keras.tree.flatten(structure)
    assert tree.flatten_with_path(structure) == keras.tree.flatten_with_path(structure)
    assert tree.is_nested(structure) == keras.tree.is_nested(structure)
    flat = list(range(len(tree.flatten(structure))))
    ours = tree.pack_sequence_as(structure, flat)
    theirs = keras.tree.pack_sequence_as(structure, flat)
    assert ours == theirs and type(ours) is type(theirs)
    if isinstance(ours, dict):
        assert list(ours) == list(theirs)  # key order kept
    double = tree.map_structure(lambda a, b: (a, b), structure, structure)
    assert double == keras.tree.map_structure(lambda a, b: (a, b), structure, structure)
    assert tree.lists_to_tuples(structure) == keras.tree.lists_to_tuples(structure)
    assert tree.traverse(lambda x: None, structure) == keras.tree.traverse(lambda x: None, structure)


def test_traverse_map_up_to_shapes_and_none_match_keras():
    s = [1, [2, {"a": 2}]]
    for top_down in (True, False):
        fn = lambda x: tree.MAP_TO_NONE if x == 2 else (0 if x == 1 else None)  # noqa: E731
        kfn = lambda x: keras.tree.MAP_TO_NONE if x == 2 else (0 if x == 1 else None)  # noqa: E731
        assert tree.traverse(fn, s, top_down=top_down) == keras.tree.traverse(kfn, s, top_down=top_down)
    assert tree.traverse(lambda x: "all" if isinstance(x, list) else None, s) == "all"
    args = ([0, 0], str, [[1, 2], {"x": 3}])
    assert tree.map_structure_up_to(*args) == keras.tree.map_structure_up_to(*args)
    shapes = {"a": (1, 2), "b": [(3,), (None, 4)], "c": None}
    assert tree.map_shape_structure(str, shapes) == keras.tree.map_shape_structure(str, shapes)
    assert tree.map_structure(lambda x: 1, {"a": None, "b": 2}, none_is_leaf=False) == {"a": None, "b": 1}
    assert keras.tree.map_structure(lambda x: 1, {"a": None, "b": 2}, none_is_leaf=False) == {"a": None, "b": 1}


def test_structure_errors():
    for a, b in (([1, 2], [1, (2,)]), ([1, 2], (1, 2)), ({"a": 1}, {"b": 1}), ([1], [1, 2])):
        with pytest.raises(ValueError):
            keras.tree.assert_same_structure(a, b)
        with pytest.raises(ValueError, match="same nested structure"):
            tree.assert_same_structure(a, b)
        with pytest.raises(ValueError):
            tree.map_structure(lambda x, y: x, a, b)
    tree.assert_same_structure({"a": [1, None]}, {"a": [3, 4]})
    tree.assert_same_paths([1, 2], (3, 4))
    with pytest.raises(ValueError, match="same paths"):
        tree.assert_same_paths({"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="3 leaves"):
        tree.pack_sequence_as([1, [2, 3]], [1, 2])
    with pytest.raises(ValueError, match="same nested structure"):
        tree.map_structure_up_to([0, 0], str, [1])
