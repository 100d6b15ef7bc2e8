"""``plot_model``: the graph drawn is the model's graph, laid out by rank, and the PNG is a real picture.

These tests draw with matplotlib (the Graphviz path is switched off), as on a machine with only
matplotlib installed."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PIL import Image

import unikeras
from tests.conftest import load_backend
from unikeras import config, layers
from unikeras.utils import model_plot, plot_model


@pytest.fixture(autouse=True)
def matplotlib_only(monkeypatch):
    monkeypatch.setattr(model_plot, "_graphviz_available", lambda: False)
    monkeypatch.delitem(sys.modules, "IPython", raising=False)


def _two_heads() -> unikeras.Model:
    """Two inputs, a branch that skips a rank, a merge, two outputs."""
    image = unikeras.Input((16,), name="image")
    meta = unikeras.Input((3,), name="meta")
    x = layers.Dense(32, activation="relu", name="encoder")(image)
    x = layers.Dropout(0.1, name="drop")(x)
    m = layers.Dense(8, name="meta_dense")(meta)
    merged = layers.Concatenate(name="merge")([x, m])
    score = layers.Dense(1, activation="sigmoid", name="score")(merged)
    klass = layers.Dense(4, activation="softmax", name="klass")(merged)
    return unikeras.Model([image, meta], [score, klass], name="two_heads")


TWO_HEADS_EDGES = {
    ("image", "encoder"),
    ("encoder", "drop"),
    ("drop", "merge"),
    ("meta", "meta_dense"),
    ("meta_dense", "merge"),
    ("merge", "score"),
    ("merge", "klass"),
}


@pytest.fixture(scope="module")
def models():
    load_backend("torch")
    with config.use_backend("torch"):
        sequential = unikeras.Sequential(
            [unikeras.Input((4,)), layers.Dense(8, activation="relu", name="hidden"), layers.Dense(2, name="out")],
            name="mlp",
        )
        return {"sequential": sequential, "functional": _two_heads()}


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text)]


def _check_png(path, fig) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = fig.get_size_inches() * fig.dpi
        assert image.size == (round(width), round(height))
        pixels = np.asarray(image.convert("RGB"))
    assert pixels.std() > 0 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 2


def test_sequential_png_shows_every_layer_and_shape(models, tmp_path):
    model = models["sequential"]
    path = tmp_path / "mlp.png"
    fig = plot_model(model, to_file=str(path), show_shapes=True, show_layer_names=True, dpi=60)
    _check_png(path, fig)
    texts = _texts(fig)
    for header in ("hidden (Dense)", "out (Dense)"):
        assert header in texts
    for line in (
        "Input shape: (None, 4)",
        "Output shape: (None, 8)",
        "Input shape: (None, 8)",
        "Output shape: (None, 2)",
    ):
        assert line in texts
    graph = model_plot._model_graph(model)
    assert graph.named_edges() == [("hidden", "out")]


def test_functional_graph_has_the_model_connections(models, tmp_path):
    model = models["functional"]
    graph = model_plot._model_graph(model, show_shapes=True, show_dtype=True, show_layer_activations=True)
    assert [box.name for box in graph.boxes.values()][:2] == ["image", "meta"]
    assert {box.name for box in graph.boxes.values()} == {t[0] for t in TWO_HEADS_EDGES} | {"score", "klass"}
    assert set(graph.named_edges()) == TWO_HEADS_EDGES and len(graph.edges) == len(TWO_HEADS_EDGES)
    merge = next(box for box in graph.boxes.values() if box.name == "merge")
    assert merge.lines == ["Input shape: (None, 32), (None, 8)", "Output shape: (None, 40)", "Output dtype: float32"]
    score = next(box for box in graph.boxes.values() if box.name == "score")
    assert score.lines[0] == "Activation: sigmoid"

    path = tmp_path / "two_heads.png"
    fig = plot_model(model, to_file=str(path), show_shapes=True, show_layer_names=True, show_trainable=True, dpi=40)
    _check_png(path, fig)
    texts = _texts(fig)
    assert {f"{name} ({cls})" for name, cls in [("image", "InputLayer"), ("merge", "Concatenate")]} <= set(texts)
    assert "Output shape: (None, 40)" in texts and "Trainable" in texts


@pytest.mark.parametrize("rankdir", ["TB", "LR", "BT"])
def test_layout_ranks_boxes_and_routes_edges_between_them(models, rankdir):
    graph = model_plot._model_graph(models["functional"], show_shapes=True)
    layout = model_plot._layout(graph, rankdir)
    names = {key: box.name for key, box in graph.boxes.items()}
    rank = {names[k]: r for k, r in layout.ranks.items()}
    assert rank == {"image": 0, "meta": 0, "encoder": 1, "meta_dense": 1, "drop": 2, "merge": 3, "score": 4, "klass": 4}
    boxes = list(layout.boxes.values())
    for i, (x, y, w, h) in enumerate(boxes):  # inside the page, no two overlapping
        assert 0 <= x and x + w <= layout.width and 0 <= y and y + h <= layout.height
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
    axis, sign = {"TB": (1, 1), "BT": (1, -1), "LR": (0, 1)}[rankdir]
    for (src, dst), points in layout.routes.items():
        # each edge leaves its source's far side and reaches its destination's near side, moving forward
        s, d = layout.boxes[src], layout.boxes[dst]
        start, end = points[0], points[-1]
        s_far = s[axis] + (s[axis + 2] if sign > 0 else 0)
        d_near = d[axis] + (0 if sign > 0 else d[axis + 2])
        assert start[axis] == pytest.approx(s_far) and end[axis] == pytest.approx(d_near)
        assert all(sign * (b[axis] - a[axis]) >= -1e-9 for a, b in zip(points, points[1:]))
        assert s[1 - axis] <= start[1 - axis] <= s[1 - axis] + s[3 - axis]
    # meta_dense -> merge skips the rank of `drop`: its route runs beside `drop`, not through it
    key = {v: k for k, v in names.items()}
    points = layout.routes[(key["meta_dense"], key["merge"])]
    assert len(points) == 4
    x, y, w, h = layout.boxes[key["drop"]]
    across = [p[1 - axis] for p in points[1:3]]
    low, high = (x, x + w) if axis == 1 else (y, y + h)
    assert all(c < low or c > high for c in across)


def test_nested_model_as_one_box_or_expanded(tmp_path):
    load_backend("torch")
    with config.use_backend("torch"):
        inner = unikeras.Sequential(
            [unikeras.Input((8,)), layers.Dense(8, name="i1"), layers.Dense(8, name="i2")], name="inner"
        )
        z = unikeras.Input((8,), name="z")
        total = layers.Add(name="sum")([inner(z), layers.Dense(8, name="side")(z)])
        model = unikeras.Model(z, total)
    flat = model_plot._model_graph(model)
    assert set(flat.named_edges()) == {("z", "inner"), ("z", "side"), ("inner", "sum"), ("side", "sum")}
    expanded = model_plot._model_graph(model, expand_nested=True)
    assert set(expanded.named_edges()) == {("z", "i1"), ("i1", "i2"), ("i2", "sum"), ("z", "side"), ("side", "sum")}
    assert {path: [expanded.boxes[k].name for k in keys] for path, keys in expanded.clusters.items()} == {
        ("inner",): ["i1", "i2"]
    }
    fig = plot_model(model, to_file=None, expand_nested=True, rankdir="LR", dpi=30)
    assert "inner" in _texts(fig) and "Sequential" not in _texts(fig)


def test_graph_is_the_same_on_every_backend(backend):
    model = _two_heads()
    assert set(model_plot._model_graph(model).named_edges()) == TWO_HEADS_EDGES


def test_unbuilt_models_and_bad_arguments(models):
    class Subclassed(unikeras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    for unbuilt in (Subclassed(), unikeras.Sequential([layers.Dense(2)])):
        with pytest.raises(ValueError, match=r"plot_model\(\): model '.*' has not been built yet.*Build it first"):
            plot_model(unbuilt, to_file=None)
    with pytest.raises(ValueError, match=r"`rankdir` must be one of"):
        plot_model(models["sequential"], to_file=None, rankdir="XY")
    with pytest.raises(ValueError, match=r"unrecognized keyword arguments \['colour'\]"):
        plot_model(models["sequential"], to_file=None, colour="red")
    with pytest.raises(TypeError, match="must be a unikeras Model"):
        plot_model("model.keras")


def test_built_subclassed_model_is_one_box(models):
    class Subclassed(unikeras.Model):
        def __init__(self):
            super().__init__(name="custom")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    load_backend("torch")
    with config.use_backend("torch"):
        model = Subclassed()
        model(np.ones((5, 3), dtype="float32"))
    graph = model_plot._model_graph(model, show_shapes=True)
    (box,) = graph.boxes.values()
    assert box.header == "custom (Subclassed)" and box.lines[0] == "Input shape: (None, 3)" and graph.edges == []


def test_model_to_dot_needs_pydot(models, monkeypatch):
    monkeypatch.setattr(model_plot, "_pydot", lambda: None)
    with pytest.raises(ImportError, match="pip install pydot"):
        model_plot.model_to_dot(models["sequential"])


def test_a_shared_layer_is_one_box_and_a_call_further_down_is_an_arc_back():
    load_backend("torch")
    with config.use_backend("torch"):
        x = unikeras.Input((4,), name="x")
        shared, middle = layers.Dense(4, name="shared"), layers.Dense(4, name="middle")
        model = unikeras.Model(x, shared(middle(shared(x))))
    graph = model_plot._model_graph(model, show_shapes=True)
    assert graph.named_edges() == [("x", "shared"), ("shared", "middle"), ("middle", "shared")]
    layout = model_plot._layout(graph, "LR")
    key = {box.name: k for k, box in graph.boxes.items()}
    assert layout.back_edges == {(key["middle"], key["shared"])}
    assert {box.name: layout.ranks[k] for k, box in graph.boxes.items()} == {"x": 0, "shared": 1, "middle": 2}
    fig = plot_model(model, to_file=None, rankdir="LR", dpi=30)
    assert len(fig.axes[0].patches) == 3 * 2 + 3  # a box and a title bar per layer, an arrow per edge
