"""ONNX export: walk a model's layer graph and write one ONNX node group per layer.

The graph is built from the layers and their weights (``get_weights()``, as NumPy initializers), never
by tracing a framework, so the file is the same whichever backend the model lives on.

Opset: 17 by default (the ``ai.onnx`` domain only); opsets 17 to 21 can be asked for with ``opset=``.
The file's IR version is the lowest that opset needs. The first axis of every input and output is the
dynamic dimension ``"batch"``. The ``onnx`` package is imported only when a model is exported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from unikeras.symbolic import KerasTensor, symbolic_leaves

DEFAULT_OPSET = 17
MIN_OPSET = 17
MAX_OPSET = 21

_ELEMENT_TYPES = {
    "float32": 1,
    "uint8": 2,
    "int8": 3,
    "int32": 6,
    "int64": 7,
    "bool": 9,
    "float16": 10,
    "float64": 11,
}


@dataclass(frozen=True)
class Tensor:
    """A value of the ONNX graph: its name, static shape (``None`` for unknown sizes) and dtype name."""

    name: str
    shape: tuple
    dtype: str

    @property
    def rank(self) -> int:
        return len(self.shape)


class OnnxGraph:
    """Collects nodes and initializers; names are unique and derived from layer names (deterministic)."""

    def __init__(self, opset: int) -> None:
        from onnx import helper, numpy_helper

        self._helper = helper
        self._numpy_helper = numpy_helper
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()
        self._constants: dict[tuple, str] = {}
        self.scope = ""

    def fresh(self, hint: str) -> str:
        """A new unique name made from ``hint`` (inside the current layer's scope)."""
        base = re.sub(r"[^A-Za-z0-9_./:-]", "_", f"{self.scope}{hint}") or "value"
        name, i = base, 1
        while name in self._used:
            name = f"{base}_{i}"
            i += 1
        self._used.add(name)
        return name

    def reserve(self, name: str) -> str:
        """Claim ``name`` exactly (graph inputs and outputs); ValueError if it is taken."""
        if name in self._used:
            raise ValueError(f"ONNX export: the name {name!r} is used twice in the graph.")
        self._used.add(name)
        return name

    def const(self, value: Any, hint: str = "const", dtype: str | None = None) -> str:
        """An initializer holding ``value`` (small constants are shared)."""
        array = np.asarray(value, dtype=dtype) if dtype else np.asarray(value)
        if array.dtype == np.float64 and dtype is None:
            array = array.astype(np.float32)
        key = None
        if array.size <= 16:
            key = (array.dtype.str, array.shape, array.tobytes())
            if key in self._constants:
                return self._constants[key]
        name = self.fresh(hint)
        self.initializers.append(self._numpy_helper.from_array(np.ascontiguousarray(array), name))
        if key is not None:
            self._constants[key] = name
        return name

    def int64s(self, values: Any, hint: str = "ints") -> str:
        return self.const(np.asarray(values, dtype=np.int64), hint)

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, outputs: int = 1, **attrs: Any) -> Any:
        """Append a node; returns its output name (or a list of names when ``outputs > 1``)."""
        names = [self.fresh(f"{hint or op_type}" + (f":{i}" if outputs > 1 else "")) for i in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        node_name = self.fresh(f"{hint or op_type}/{op_type}")
        self.nodes.append(self._helper.make_node(op_type, list(inputs), names, name=node_name, **attrs))
        return names if outputs > 1 else names[0]

    def reduce(self, op_type: str, x: str, axes: Any, keepdims: bool, hint: str | None = None) -> str:
        """``ReduceMean``/``ReduceMax``/... over ``axes`` (``None``: all), with the axes passed as the
        opset needs (an attribute before opset 18, an input from 18 on; ``ReduceSum`` from 13 on)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, [x], hint, keepdims=keep)
        axes = [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.int64s(axes, "axes")], hint, keepdims=keep)
        return self.op(op_type, [x], hint, keepdims=keep, axes=axes)


# ---------------------------------------------------------------------- the graph walk
def _check_opset(opset: Any) -> int:
    if opset is None:
        return DEFAULT_OPSET
    if not isinstance(opset, int) or isinstance(opset, bool) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"ONNX export: `opset` must be an int from {MIN_OPSET} to {MAX_OPSET}, received {opset!r}.")
    return opset


def _layer_label(layer: Any) -> str:
    return f"layer '{layer.name}' (class {type(layer).__name__})"


def emit_layer(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list[tuple], kwargs: dict) -> list[str]:
    """Apply ``layer``'s export rule; returns one output name per entry of ``out_specs``."""
    from unikeras.export.onnx_rules import RULES
    from unikeras.models.model import Model

    if isinstance(layer, Model):
        return _emit_nested_model(g, layer, inputs)
    rule = RULES.get(type(layer))
    if rule is None:
        raise ValueError(
            f"ONNX export: {_layer_label(layer)} has no ONNX export rule. Supported layers: "
            f"{', '.join(sorted(cls.__name__ for cls in RULES))}."
        )
    compute_dtype = getattr(layer, "compute_dtype", "float32")
    if layer.weights and compute_dtype != "float32":
        raise ValueError(
            f"ONNX export: {_layer_label(layer)} computes in {compute_dtype}; only float32 layers are exported."
        )
    outer = g.scope
    g.scope = f"{layer.name}/"
    try:
        names = rule(g, layer, inputs, out_specs, kwargs)
    finally:
        g.scope = outer
    names = names if isinstance(names, list) else [names]
    if len(names) != len(out_specs):
        raise ValueError(
            f"ONNX export: the rule of {_layer_label(layer)} gave {len(names)} outputs, the layer has {len(out_specs)}."
        )
    return names


def _node_kwargs(node: Any, values: dict[int, Tensor]) -> dict:
    def swap(value: Any) -> Any:
        if isinstance(value, KerasTensor):
            return values[id(value)]
        if isinstance(value, (list, tuple)):
            return type(value)(swap(v) for v in value)
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    return swap(dict(node.kwargs or {}))


def _walk_functional(g: OnnxGraph, model: Any, inputs: list[Tensor]) -> list[Tensor]:
    """Emit every node of a functional model whose inputs are bound to ``inputs``; the output tensors."""
    values: dict[int, Tensor] = {id(t): x for t, x in zip(model.inputs, inputs)}
    for node in model._nodes:
        if node.args:
            raise ValueError(
                f"ONNX export: {_layer_label(node.layer)} is called with extra positional arguments, "
                "which are not exported."
            )
        ins = [values[id(t)] for t in symbolic_leaves(node.inputs)]
        kwargs = _node_kwargs(node, values)
        outs = node.outputs if isinstance(node.outputs, (list, tuple)) else [node.outputs]
        specs = [(tuple(t.shape), t.dtype) for t in outs]
        names = emit_layer(g, node.layer, ins, specs, kwargs)
        for tensor, name in zip(outs, names):
            values[id(tensor)] = Tensor(name, tuple(tensor.shape), tensor.dtype)
    return [values[id(t)] for t in model.outputs]


def _walk_sequential(g: OnnxGraph, model: Any, x: Tensor) -> Tensor:
    for layer in model.layers:
        shape = layer.compute_output_shape(x.shape)
        if isinstance(shape, list):
            raise ValueError(f"ONNX export: {_layer_label(layer)} gives several outputs inside a Sequential model.")
        dtype = layer.compute_dtype if hasattr(layer, "compute_dtype") else x.dtype
        (name,) = emit_layer(g, layer, [x], [(tuple(shape), dtype)], {})
        x = Tensor(name, tuple(shape), dtype)
    return x


def _emit_nested_model(g: OnnxGraph, model: Any, inputs: list[Tensor]) -> list[str]:
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    if isinstance(model, Functional):
        return [t.name for t in _walk_functional(g, model, inputs)]
    if isinstance(model, Sequential):
        return [_walk_sequential(g, model, inputs[0]).name]
    raise ValueError(
        f"ONNX export: {_layer_label(model)} is a subclassed model: it has no layer graph to export "
        "(build it as a Sequential or functional model)."
    )


def _sequential_input(model: Any) -> tuple[tuple, str, str]:
    from unikeras.layers.embedding import Embedding

    shape = model._input_batch_shape or model._build_shape
    if shape is None or not model.layers:
        raise ValueError(
            f"ONNX export: Sequential model '{model.name}' is not built; give it an `Input` or call it on data first."
        )
    dtype = "int32" if isinstance(model.layers[0], Embedding) else model.dtype
    return tuple(shape), dtype, f"{model.name}_input"


def _value_info(name: str, shape: tuple, dtype: str) -> Any:
    from onnx import helper

    if dtype not in _ELEMENT_TYPES:
        raise ValueError(f"ONNX export: tensor {name!r} has dtype {dtype}, which is not exported.")
    dims = ["batch"] + [None if d is None else int(d) for d in shape[1:]]
    return helper.make_tensor_value_info(name, _ELEMENT_TYPES[dtype], dims)


def build_onnx_model(model: Any, opset: int | None = None) -> Any:
    """The ``onnx.ModelProto`` of a built Sequential or functional ``model`` (checked with ``onnx.checker``)."""
    import onnx
    from onnx import helper

    import unikeras
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    opset = _check_opset(opset)
    g = OnnxGraph(opset)
    if isinstance(model, Functional):
        graph_inputs = [
            Tensor(g.reserve(t.name or f"input_{i}"), tuple(t.shape), t.dtype) for i, t in enumerate(model.inputs)
        ]
        results = _walk_functional(g, model, graph_inputs)
        wanted = [t.layer.name if t.layer is not None else f"output_{i}" for i, t in enumerate(model.outputs)]
    elif isinstance(model, Sequential):
        shape, dtype, name = _sequential_input(model)
        graph_inputs = [Tensor(g.reserve(name), shape, dtype)]
        results = [_walk_sequential(g, model, graph_inputs[0])]
        wanted = [model.layers[-1].name]
    else:
        raise ValueError(
            f"ONNX export: model '{model.name}' (class {type(model).__name__}) is a subclassed model: it has no "
            "layer graph to export (build it as a Sequential or functional model)."
        )
    outputs = []
    for i, (result, want) in enumerate(zip(results, wanted)):
        name = want if wanted.count(want) == 1 else f"{want}_{i}"
        g.nodes.append(helper.make_node("Identity", [result.name], [g.reserve(name)], name=g.fresh(f"{name}/output")))
        outputs.append(_value_info(name, result.shape, result.dtype))
    graph = helper.make_graph(
        g.nodes,
        model.name,
        [_value_info(t.name, t.shape, t.dtype) for t in graph_inputs],
        outputs,
        initializer=g.initializers,
    )
    opset_id = helper.make_opsetid("", opset)
    proto = helper.make_model(
        graph,
        opset_imports=[opset_id],
        producer_name="unikeras",
        producer_version=unikeras.__version__,
        ir_version=helper.find_min_ir_version_for([opset_id]),
        doc_string=f"unikeras model '{model.name}' exported with opset {opset}.",
    )
    helper.set_model_props(proto, {"unikeras.export.opset": str(opset)})
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model: Any, filepath: str | os.PathLike, opset: int | None = None) -> None:
    """Write ``model`` (Sequential or functional, any backend) to ``filepath`` as an ONNX model.

    Args:
        model: a built Sequential or functional model.
        filepath: where to write the ``.onnx`` file (written atomically).
        opset: ONNX opset, from 17 to 21 (``None``: 17).
    """
    from unikeras.saving.atomic import atomic_write

    proto = build_onnx_model(model, opset)
    data = proto.SerializeToString()
    with atomic_write(filepath) as f:
        f.write(data)
