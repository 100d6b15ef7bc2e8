"""``plot_model``: a picture of a model's layer graph.

With pydot and Graphviz's ``dot`` installed the graph is laid out by Graphviz (``model_to_dot``), as
in Keras. Without them it is drawn with matplotlib: layers are placed in ranks by depth (the longest
path from the inputs), spread across each rank, and joined by arrows along the graph's edges.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from unikeras.symbolic import symbolic_leaves

# Sizes of the matplotlib drawing, in inches (labels use a monospaced font, so widths are exact).
_FONT = 9.0
_CHAR_W = 0.602 * _FONT / 72  # DejaVu Sans Mono's advance width is 0.602 em
_LINE_H = 1.5 * _FONT / 72
_PAD = 0.07
_HPAD = 0.12  # room beside the text in a box
_RANK_GAP = 0.45  # between ranks, where the arrows run
_SIBLING_GAP = 0.3  # between boxes of one rank
_MARGIN = 0.25
_MAX_PIXELS = 32000  # Agg's limit is 2**16 pixels a side; the dpi is lowered to stay well below it

_RANKDIRS = ("TB", "BT", "LR", "RL")


@dataclass
class _Box:
    """One layer of the drawing."""

    key: int
    name: str
    class_name: str
    header: str
    lines: list[str]
    trainable: bool | None = None  # None: no weights (no trainable row)
    clusters: tuple[str, ...] = ()  # names of the nested models it sits in, outermost first


@dataclass
class _Graph:
    boxes: dict[int, _Box] = field(default_factory=dict)
    edges: list[tuple[int, int]] = field(default_factory=list)
    clusters: dict[tuple[str, ...], list[int]] = field(default_factory=dict)

    def add_edge(self, src: int, dst: int) -> None:
        if (src, dst) not in self.edges:
            self.edges.append((src, dst))

    def named_edges(self) -> list[tuple[str, str]]:
        """The edges as ``(source layer name, destination layer name)``."""
        return [(self.boxes[s].name, self.boxes[d].name) for s, d in self.edges]


# ---------------------------------------------------------------------------------------------- graph
def _shape_text(shapes: list[Any]) -> str:
    shapes = [tuple(s) for s in shapes if s is not None]
    if not shapes:
        return "?"
    return str(shapes[0]) if len(shapes) == 1 else ", ".join(str(s) for s in shapes)


def _activation_name(layer: Any) -> str | None:
    fn = getattr(layer, "activation", None)
    if fn is None:
        return None
    name = getattr(fn, "__name__", None) or getattr(fn, "name", None)
    return str(name) if name else type(fn).__name__


class _Options:
    def __init__(self, show_shapes: bool, show_dtype: bool, show_layer_names: bool, activations: bool, trainable: bool):
        self.show_shapes = show_shapes
        self.show_dtype = show_dtype
        self.show_layer_names = show_layer_names
        self.show_layer_activations = activations
        self.show_trainable = trainable


def _make_box(layer: Any, opts: _Options, in_shapes: Any, out_shapes: Any, dtypes: Any, clusters: tuple) -> _Box:
    class_name = type(layer).__name__
    header = f"{layer.name} ({class_name})" if opts.show_layer_names else class_name
    lines = []
    if opts.show_layer_activations:
        activation = _activation_name(layer)
        if activation is not None:
            lines.append(f"Activation: {activation}")
    if opts.show_shapes:
        if class_name != "InputLayer":
            lines.append(f"Input shape: {in_shapes}")
        lines.append(f"Output shape: {out_shapes}")
    if opts.show_dtype:
        lines.append(f"Output dtype: {dtypes}")
    trainable = None
    if opts.show_trainable and getattr(layer, "weights", None):
        trainable = bool(layer.trainable)
        lines.append("Trainable" if trainable else "Non-trainable")
    return _Box(id(layer), layer.name, class_name, header, lines, trainable, clusters)


def _is_graph_model(layer: Any) -> bool:
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    return isinstance(layer, (Functional, Sequential))


class _Builder:
    def __init__(self, opts: _Options, expand_nested: bool) -> None:
        self.opts = opts
        self.expand = expand_nested
        self.graph = _Graph()
        self._texts: dict[int, list[tuple[str, str, str]]] = {}  # key -> (input, output, dtype) per call

    def _add_box(self, layer: Any, clusters: tuple, in_shapes: str, out_shapes: str, dtypes: str) -> int:
        key = id(layer)
        calls = self._texts.setdefault(key, [])
        calls.append((in_shapes, out_shapes, dtypes))
        distinct = list(dict.fromkeys(calls))
        if len(distinct) > 1:  # a layer shared by several calls on different shapes
            in_shapes, out_shapes, dtypes = ("multiple",) * 3
        self.graph.boxes[key] = _make_box(layer, self.opts, in_shapes, out_shapes, dtypes, clusters)
        if clusters:
            for depth in range(1, len(clusters) + 1):
                members = self.graph.clusters.setdefault(clusters[:depth], [])
                if key not in members:
                    members.append(key)
        return key

    def _expands(self, layer: Any) -> bool:
        return self.expand and _is_graph_model(layer)

    # Entry and exit boxes of a model drawn expanded: where its inputs go in and its outputs come out.
    def entry(self, layer: Any, index: int) -> int:
        from unikeras.models.functional import Functional

        while self._expands(layer):
            if isinstance(layer, Functional):
                inputs = layer._input_tensors
                layer = inputs[min(index, len(inputs) - 1)].layer
            else:
                layer = layer.layers[0]
            index = 0
        return id(layer)

    def exit(self, layer: Any, index: int) -> int:
        from unikeras.models.functional import Functional

        while self._expands(layer):
            if isinstance(layer, Functional):
                outputs = layer._output_tensors
                out = outputs[min(index, len(outputs) - 1)]
                layer, index = out.layer, out.index
            else:
                layer, index = layer.layers[-1], 0
        return id(layer)

    def add_model(self, model: Any, clusters: tuple = ()) -> None:
        from unikeras.models.functional import Functional
        from unikeras.models.sequential import Sequential

        if isinstance(model, Functional):
            self._add_functional(model, clusters)
        elif isinstance(model, Sequential):
            self._add_sequential(model, clusters)
        else:
            build = getattr(model, "_build_shape", None)
            in_shape = "?"
            if isinstance(build, tuple) and build and all(isinstance(d, (int, type(None))) for d in build):
                in_shape = _shape_text([(None, *build[1:])])
            out = getattr(model, "_output_shape", None)
            out_shape = _shape_text([out]) if isinstance(out, tuple) else "?"
            self._add_box(model, clusters, in_shape, out_shape, str(getattr(model, "compute_dtype", "?")))

    def _add_nested_or_box(self, layer: Any, clusters: tuple, in_s: str, out_s: str, dtypes: str) -> None:
        if self._expands(layer):
            self.add_model(layer, (*clusters, layer.name))
        else:
            self._add_box(layer, clusters, in_s, out_s, dtypes)

    def _add_functional(self, model: Any, clusters: tuple) -> None:
        for tensor in model._input_tensors:
            self._add_box(tensor.layer, clusters, "", _shape_text([tensor.shape]), str(tensor.dtype))
        for node in model._nodes:
            outputs = symbolic_leaves(node.outputs)
            self._add_nested_or_box(
                node.layer,
                clusters,
                _shape_text([t.shape for t in symbolic_leaves(node.inputs)]),
                _shape_text([t.shape for t in outputs]),
                ", ".join(dict.fromkeys(str(t.dtype) for t in outputs)) or "?",
            )
        for node in model._nodes:
            for index, parent in enumerate(node.parents):
                self.graph.add_edge(self.exit(parent.layer, parent.index), self.entry(node.layer, index))

    def _add_sequential(self, model: Any, clusters: tuple) -> None:
        layers = model.layers
        build = model._build_shape
        shape = (None, *build[1:]) if build is not None else None
        for layer in layers:
            out = layer._output_shape
            out_shapes = [out] if isinstance(out, tuple) else list(out or [])
            self._add_nested_or_box(
                layer, clusters, _shape_text([shape]), _shape_text(out_shapes), str(layer.compute_dtype)
            )
            shape = out if isinstance(out, tuple) else None
        for before, after in zip(layers, layers[1:]):
            self.graph.add_edge(self.exit(before, 0), self.entry(after, 0))


def _check_model(model: Any, fn: str) -> None:
    from unikeras.layers.layer import Layer

    if not isinstance(model, Layer):
        raise TypeError(f"{fn}(): `model` must be a unikeras Model, received {type(model).__name__}.")
    if not model.built:
        raise ValueError(
            f"{fn}(): model '{model.name}' has not been built yet, so its layers and shapes are unknown. "
            "Build it first: give the first layer an input (`unikeras.Input(shape)` or `input_shape=`), "
            "call `model.build(input_shape)`, or call the model on a batch of data."
        )


def _model_graph(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    expand_nested: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
) -> _Graph:
    """The boxes (one per layer, in an order where each follows its inputs except for shared layers)
    and edges of ``model``'s drawing. A subclassed model is one box, as in Keras."""
    opts = _Options(show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    builder = _Builder(opts, expand_nested)
    builder.add_model(model)
    return builder.graph


# ---------------------------------------------------------------------------------------------- layout
def _box_size(box: _Box) -> tuple[float, float]:
    chars = max(len(s) for s in [box.header, *box.lines])
    return chars * _CHAR_W + 2 * _HPAD, (1 + len(box.lines)) * _LINE_H + 2 * _PAD + (_PAD if box.lines else 0)


def _ranks(graph: _Graph) -> dict[int, int]:
    """Rank of each box: the longest path to it from a box without inputs. Edges back to an earlier
    box (a shared layer called again further down the graph) are left out of the count."""
    order = {key: i for i, key in enumerate(graph.boxes)}
    preds: dict[int, list[int]] = {key: [] for key in graph.boxes}
    for src, dst in graph.edges:
        if order[src] < order[dst]:
            preds[dst].append(src)
    rank: dict[int, int] = {}
    for key in graph.boxes:
        rank[key] = max((rank[p] + 1 for p in preds[key]), default=0)
    return rank


@dataclass
class _Layout:
    """Where everything goes, in inches with ``y`` pointing down."""

    boxes: dict[int, tuple[float, float, float, float]]  # key -> (x, y, width, height)
    routes: dict[tuple[int, int], list[tuple[float, float]]]  # edge -> points from source to destination
    back_edges: set[tuple[int, int]]  # edges to a box of the same or an earlier rank, drawn as arcs
    ranks: dict[int, int]  # key -> rank
    width: float
    height: float


_DUMMY_ACROSS = 0.15  # room an edge takes when it passes through a rank


def _layout(graph: _Graph, rankdir: str = "TB") -> _Layout:
    """Place the boxes in ranks and route the edges.

    Ranks run top to bottom (``"TB"``), bottom to top (``"BT"``), left to right (``"LR"``) or right to
    left (``"RL"``). An edge that skips ranks passes through a slot in each rank it crosses, so it
    runs between the boxes there, not through them; within a rank, boxes and slots are ordered by the
    mean position of their neighbours (a few sweeps down and up)."""
    if rankdir not in _RANKDIRS:
        raise ValueError(f"plot_model(): `rankdir` must be one of {_RANKDIRS}, received {rankdir!r}.")
    vertical = rankdir in ("TB", "BT")
    rank = _ranks(graph)
    sizes = {key: _box_size(box) for key, box in graph.boxes.items()}
    along = {k: (h if vertical else w) for k, (w, h) in sizes.items()}  # size in the direction of the ranks
    across = {k: (w if vertical else h) for k, (w, h) in sizes.items()}  # size within a rank
    chains: dict[tuple[int, int], list[int]] = {}
    back_edges = set()
    next_dummy = -1
    for src, dst in graph.edges:
        if rank[src] >= rank[dst]:
            back_edges.add((src, dst))
            continue
        chain = [src]
        for r in range(rank[src] + 1, rank[dst]):
            rank[next_dummy], along[next_dummy], across[next_dummy] = r, 0.0, _DUMMY_ACROSS
            chain.append(next_dummy)
            next_dummy -= 1
        chains[(src, dst)] = [*chain, dst]
    preds: dict[int, list[int]] = {key: [] for key in rank}
    succs: dict[int, list[int]] = {key: [] for key in rank}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:]):
            preds[b].append(a)
            succs[a].append(b)
    rows: list[list[int]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for key in rank:  # boxes in graph order, then the slots of each edge
        rows[rank[key]].append(key)
    center: dict[int, float] = {}  # position across the ranks of each box's (or slot's) middle

    def pack(row: list[int]) -> None:
        total = sum(across[k] for k in row) + _SIBLING_GAP * (len(row) - 1)
        offset = -total / 2
        for key in row:
            center[key] = offset + across[key] / 2
            offset += across[key] + _SIBLING_GAP

    def sweep(order: list[int], neighbours: dict[int, list[int]]) -> None:
        for r in order:
            row = rows[r]
            position = {key: i for i, key in enumerate(row)}

            def mean(key: int, position: dict[int, int] = position) -> tuple[float, int]:
                near = [center[n] for n in neighbours[key] if n in center]
                return (sum(near) / len(near) if near else center.get(key, 0.0), position[key])

            row.sort(key=mean)
            pack(row)

    for row in rows:
        pack(row)
    ranks_down = list(range(1, len(rows)))
    sweep(ranks_down, preds)
    sweep(list(range(len(rows) - 2, -1, -1)), succs)
    sweep(ranks_down, preds)

    real = list(graph.boxes)
    low = min((center[k] - across[k] / 2 for k in rank), default=0.0)
    high = max((center[k] + across[k] / 2 for k in rank), default=0.0)
    row_start, start = [], _MARGIN
    for row in rows:
        row_start.append(start)
        start += max(along[k] for k in row) + _RANK_GAP
    along_total = start - _RANK_GAP + _MARGIN
    across_total = high - low + 2 * _MARGIN + (0.4 if back_edges else 0.0)  # room for their arcs
    flip = rankdir in ("BT", "RL")

    def point(a: float, c: float) -> tuple[float, float]:
        """Inches on the page of a position ``a`` along the ranks and ``c`` across them."""
        a = along_total - a if flip else a
        c = c - low + _MARGIN
        return (c, a) if vertical else (a, c)

    boxes: dict[int, tuple[float, float, float, float]] = {}
    for key in real:
        r = rank[key]
        a0 = row_start[r] + (max(along[k] for k in rows[r]) - along[key]) / 2
        x, y = point(a0 + along[key] if flip else a0, center[key] - across[key] / 2)
        boxes[key] = (x, y, *sizes[key])

    # Where edges leave and enter a box: spread along its side, in the order of where they go.
    out_slot: dict[tuple[int, int], float] = {}
    in_slot: dict[tuple[int, int], float] = {}
    for slots, end, toward in ((out_slot, 0, 1), (in_slot, -1, -2)):
        by_box: dict[int, list[tuple[int, int]]] = {}
        for edge, chain in chains.items():
            by_box.setdefault(chain[end], []).append(edge)
        for key, edges in by_box.items():
            edges.sort(key=lambda e: center[chains[e][toward]])
            n = len(edges)
            for i, e in enumerate(edges):
                fraction = 0.5 if n == 1 else 0.2 + 0.6 * i / (n - 1)
                slots[e] = center[key] - across[key] / 2 + fraction * across[key]
    routes: dict[tuple[int, int], list[tuple[float, float]]] = {}
    thickness = [max(along[k] for k in row) for row in rows]
    for edge, chain in chains.items():
        src, dst = edge
        a_src = row_start[rank[src]] + (thickness[rank[src]] + along[src]) / 2
        a_dst = row_start[rank[dst]] + (thickness[rank[dst]] - along[dst]) / 2
        points = [point(a_src, out_slot[edge])]
        for dummy in chain[1:-1]:
            r = rank[dummy]
            points += [point(row_start[r], center[dummy]), point(row_start[r] + thickness[r], center[dummy])]
        points.append(point(a_dst, in_slot[edge]))
        routes[edge] = points
    for src, dst in back_edges:  # from the far side of one box to the far side of the other
        ends = []
        for key, fraction in ((src, 0.3 if src == dst else 0.5), (dst, 0.7 if src == dst else 0.5)):
            x, y, w, h = boxes[key]
            ends.append((x + w, y + fraction * h) if vertical else (x + fraction * w, y + h))
        routes[(src, dst)] = ends
    width, height = (across_total, along_total) if vertical else (along_total, across_total)
    ranks = {key: rank[key] for key in real}
    return _Layout(boxes, routes, back_edges, ranks, max(width, 1.0), max(height, 0.5))


# ---------------------------------------------------------------------------------------------- drawing
def _cluster_outline(layout: _Layout, members: list[int], rankdir: str, pad: float) -> list[tuple[float, float]]:
    """A polygon around ``members`` that follows their extent rank by rank (so it does not take in
    boxes beside a member of another rank); its first point is the top-left corner."""
    vertical = rankdir in ("TB", "BT")
    spans: dict[int, list[float]] = {}  # rank -> [along start, along end, across start, across end]
    for key in members:
        x, y, w, h = layout.boxes[key]
        a0, a1, c0, c1 = (y, y + h, x, x + w) if vertical else (x, x + w, y, y + h)
        span = spans.setdefault(layout.ranks[key], [a0, a1, c0, c1])
        span[:] = [min(span[0], a0), max(span[1], a1), min(span[2], c0), max(span[3], c1)]
    ordered = sorted(spans.values())
    near = [p for a0, a1, c0, _ in ordered for p in ((a0 - pad, c0 - pad), (a1 + pad, c0 - pad))]
    far = [p for a0, a1, _, c1 in ordered for p in ((a0 - pad, c1 + pad), (a1 + pad, c1 + pad))]
    points = near + far[::-1]
    return [(c, a) if vertical else (a, c) for a, c in points]


def _draw(graph: _Graph, rankdir: str, dpi: float) -> Any:
    """A matplotlib ``Figure`` of the graph."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle
    from matplotlib.path import Path

    layout = _layout(graph, rankdir)
    width, height, boxes = layout.width, layout.height, layout.boxes
    dpi = min(float(dpi), _MAX_PIXELS / max(width, height))
    width, height = math.ceil(width * dpi) / dpi, math.ceil(height * dpi) / dpi  # whole pixels
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    text_style = {"family": "monospace", "fontsize": _FONT, "ha": "center", "va": "center"}
    arrow_style = {"arrowstyle": "-|>", "mutation_scale": 12, "color": "0.3", "lw": 1.2, "zorder": 1}
    for edge, points in layout.routes.items():
        if edge in layout.back_edges:
            # An arc bulging outward: to the right of the boxes (ranks top to bottom), or below them.
            (x0, y0), (x1, y1) = points
            delta = (y0 - y1) if rankdir in ("TB", "BT") else (x1 - x0)  # matplotlib's arc3 is in display space
            rad = 0.5 if delta >= 0 else -0.5
            arrow = FancyArrowPatch(
                points[0], points[1], connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0, **arrow_style
            )
        else:
            codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
            arrow = FancyArrowPatch(path=Path(points, codes), **arrow_style)
        ax.add_patch(arrow)
    deepest = max((len(p) for p in graph.clusters), default=0)
    for path, members in graph.clusters.items():
        outline = _cluster_outline(layout, members, rankdir, 0.12 + 0.06 * (deepest - len(path)))
        ax.add_patch(Polygon(outline, closed=True, fill=False, linestyle="--", edgecolor="0.45", zorder=0))
        x0, y0 = outline[0]
        ax.text(x0 + 0.05, y0 - 0.03, path[-1], family="monospace", fontsize=_FONT - 1, color="0.3", va="bottom")
    for key, box in graph.boxes.items():
        x, y, w, h = boxes[key]
        header_h = _LINE_H + _PAD * (2 if not box.lines else 1.5)
        ax.add_patch(
            FancyBboxPatch(
                (x, y), w, h, boxstyle="round,pad=0,rounding_size=0.04", facecolor="white", edgecolor="0.1", zorder=2
            )
        )
        ax.add_patch(Rectangle((x, y), w, header_h, facecolor="0.15", edgecolor="0.1", zorder=2))
        ax.text(x + w / 2, y + header_h / 2, box.header, color="white", weight="bold", zorder=3, **text_style)
        for i, line in enumerate(box.lines):
            color = "black"
            if box.trainable is not None and line in ("Trainable", "Non-trainable"):
                color = "forestgreen" if box.trainable else "firebrick"
            ax.text(x + w / 2, y + header_h + _PAD / 2 + (i + 0.5) * _LINE_H, line, color=color, zorder=3, **text_style)
    return fig


# ---------------------------------------------------------------------------------------------- pydot
def _pydot() -> Any:
    try:
        import pydot
    except ImportError:
        return None
    return pydot


def _graphviz_available() -> bool:
    """Whether pydot is importable and can run Graphviz's ``dot``."""
    pydot = _pydot()
    if pydot is None:
        return False
    try:
        pydot.Dot.create(pydot.Dot())
    except Exception:  # noqa: BLE001 - pydot raises OSError, FileNotFoundError or its own errors
        return False
    return True


def model_to_dot(
    model: Any,
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    subgraph: bool = False,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
) -> Any:
    """The model's layer graph as a ``pydot.Dot`` (needs pydot; rendering it needs Graphviz).

    Arguments as in ``plot_model``; ``subgraph=True`` returns a ``pydot.Cluster`` instead.
    """
    _check_model(model, "model_to_dot")
    pydot = _pydot()
    if pydot is None:
        raise ImportError("model_to_dot() needs pydot: `pip install pydot`, and Graphviz's `dot` to render it.")
    graph = _model_graph(
        model, show_shapes, show_dtype, show_layer_names, expand_nested, show_layer_activations, show_trainable
    )
    if subgraph:
        dot = pydot.Cluster(graph_name=model.name, style="dashed", label=model.name)
    else:
        dot = pydot.Dot(rankdir=rankdir, dpi=dpi, splines=splines, concentrate=True)
    dot.set_node_defaults(shape="box", fontname="Helvetica")
    clusters: dict[tuple[str, ...], Any] = {(): dot}
    for path in sorted(graph.clusters, key=len):
        cluster = pydot.Cluster(graph_name="_".join(path), label=path[-1], style="dashed")
        clusters[path[:-1]].add_subgraph(cluster)
        clusters[path] = cluster
    for key, box in graph.boxes.items():
        label = "\\n".join([box.header, *box.lines])
        clusters[box.clusters].add_node(pydot.Node(str(key), label=f'"{label}"'))
    for src, dst in graph.edges:
        dot.add_edge(pydot.Edge(str(src), str(dst)))
    return dot


# ---------------------------------------------------------------------------------------------- public
def plot_model(
    model: Any,
    to_file: str | os.PathLike | None = "model.png",
    show_shapes: bool = False,
    show_dtype: bool = False,
    show_layer_names: bool = False,
    rankdir: str = "TB",
    expand_nested: bool = False,
    dpi: int = 200,
    show_layer_activations: bool = False,
    show_trainable: bool = False,
    splines: str = "ortho",
    **kwargs: Any,
) -> Any:
    """Draw the model's layer graph and save it to ``to_file``.

    Each layer is a box (its class, and with the options its name, input and output shapes,
    dtype, activation and whether it trains) and arrows follow the graph's connections. A
    Sequential model is a chain; a functional model shows its inputs, branches and merges; a
    subclassed model is a single box, as in Keras. Graphviz lays the graph out when pydot and
    Graphviz's ``dot`` are installed; otherwise matplotlib draws it.

    Args:
        model: a built model.
        to_file: image file to write (its extension picks the format; none: PNG). ``None``: do not save.
        show_shapes: whether to show input and output shapes.
        show_dtype: whether to show the output dtype.
        show_layer_names: whether to show layer names (the class is always shown).
        rankdir: ``"TB"`` draws top to bottom, ``"LR"`` left to right (also ``"BT"``, ``"RL"``).
        expand_nested: whether to draw nested Sequential and functional models layer by layer, in a
            dashed frame.
        dpi: image resolution in dots per inch (lowered for a graph too large for one image).
        show_layer_activations: whether to show the activation of layers that have one.
        show_trainable: whether to show if layers with weights are trainable.
        splines: how Graphviz draws edges (``"ortho"``, ``"spline"``, ``"line"``, ...); matplotlib
            draws straight arrows, curved where they skip ranks.

    Returns:
        An ``IPython.display.Image`` of the file when IPython is installed (as in Keras, so a notebook
        shows it), else the matplotlib ``Figure`` (``None`` when Graphviz drew it).

    Raises:
        ValueError: the model is not built (a subclassed or Sequential model with no input shape yet).
    """
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("plot_model(): `layer_range` is not supported (Keras 3 dropped it too).")
    if kwargs:
        raise ValueError(f"plot_model(): unrecognized keyword arguments {sorted(kwargs)}.")
    _check_model(model, "plot_model")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"plot_model(): `rankdir` must be one of {_RANKDIRS}, received {rankdir!r}.")
    path = os.fspath(to_file) if to_file is not None else None
    extension = (os.path.splitext(path)[1][1:] or "png").lower() if path is not None else "png"
    options = (show_shapes, show_dtype, show_layer_names, expand_nested, show_layer_activations, show_trainable)
    if path is not None and _graphviz_available():
        dot = model_to_dot(
            model,
            show_shapes=show_shapes,
            show_dtype=show_dtype,
            show_layer_names=show_layer_names,
            rankdir=rankdir,
            expand_nested=expand_nested,
            dpi=dpi,
            show_layer_activations=show_layer_activations,
            show_trainable=show_trainable,
            splines=splines,
        )
        dot.write(path, format=extension)
        result = None
    else:
        try:
            import matplotlib  # noqa: F401
        except ImportError as err:
            raise ImportError(
                "plot_model() needs matplotlib (`pip install matplotlib` or `pip install unikeras[plot]`), "
                "or pydot and Graphviz."
            ) from err
        result = _draw(_model_graph(model, *options), rankdir, dpi)
        if path is not None:
            result.savefig(path, format=extension, dpi=result.dpi)
    if path is not None and extension in ("png", "jpg", "jpeg") and "IPython" in sys.modules:
        try:
            from IPython import display
        except ImportError:
            return result
        return display.Image(filename=path)
    return result
