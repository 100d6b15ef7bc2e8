"""A functional model's config (Keras 3's layout) and the model rebuilt from it.

``{"name", "trainable", "layers": [{"class_name", "config", "name", "inbound_nodes": [{"args",
"kwargs"}, ...]}, ...], "input_layers", "output_layers"}``, where each tensor in a node's arguments
is ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history": [layer name,
node index, output index]}}`` and ``input_layers`` / ``output_layers`` hold ``[layer name, node
index, output index]`` in the structure (single, list or dict) of the model's inputs / outputs.
"""

from __future__ import annotations

from typing import Any

from unikeras.layers import serialization
from unikeras.layers.core import InputLayer
from unikeras.symbolic import KerasTensor

_TENSOR = "__keras_tensor__"


def functional_config(model: Any) -> dict:
    """The config of functional ``model`` (layers in graph order, each with its calls)."""
    calls: dict[int, list] = {}
    node_index: dict[int, int] = {}
    for node in model._nodes:
        calls.setdefault(id(node.layer), []).append(node)
        node_index[id(node)] = len(calls[id(node.layer)]) - 1

    def history(tensor: KerasTensor) -> list:
        if tensor.node is None:
            return [tensor.layer.name, 0, 0]
        return [tensor.node.layer.name, node_index[id(tensor.node)], tensor.index]

    def encode(value: Any) -> Any:
        if isinstance(value, KerasTensor):
            config = {"shape": list(value.shape), "dtype": value.dtype, "keras_history": history(value)}
            return {"class_name": _TENSOR, "config": config}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        return value

    layers = []
    for tensor in model._input_tensors:
        entry = serialization.serialize(tensor.layer)
        layers.append({**entry, "name": tensor.layer.name, "inbound_nodes": []})
    seen: set[int] = set()
    for node in model._nodes:
        layer = node.layer
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        inbound = [
            {"args": [encode(n.inputs), *(encode(a) for a in n.args)], "kwargs": encode(n.kwargs)}
            for n in calls[id(layer)]
        ]
        layers.append({**serialization.serialize(layer), "name": layer.name, "inbound_nodes": inbound})

    def refs(structure: Any) -> Any:
        if isinstance(structure, KerasTensor):
            return history(structure)
        if isinstance(structure, dict):
            return {k: refs(v) for k, v in structure.items()}
        return [refs(v) for v in structure]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": refs(model._inputs_struct),
        "output_layers": refs(model._outputs_struct),
    }


def functional_from_config(cls: type, config: dict, custom_objects: dict | None = None) -> Any:
    """Rebuild the layers of ``config`` and call them on each other as recorded; a new model."""
    tensors: dict[tuple, KerasTensor] = {}
    layers: dict[str, Any] = {}
    specs = config["layers"]
    for spec in specs:
        name = spec.get("name") or spec["config"]["name"]
        if spec["class_name"] == "InputLayer":
            layer = InputLayer.from_config(spec["config"])
            tensors[(name, 0, 0)] = layer.output
        else:
            layer = serialization.deserialize(spec, custom_objects)
        layers[name] = layer

    def ready(value: Any) -> bool:
        if isinstance(value, dict):
            if value.get("class_name") == _TENSOR:
                return tuple(value["config"]["keras_history"]) in tensors
            return all(ready(v) for v in value.values())
        if isinstance(value, list):
            return all(ready(v) for v in value)
        return True

    def decode(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("class_name") == _TENSOR:
                return tensors[tuple(value["config"]["keras_history"])]
            return {k: decode(v) for k, v in value.items()}
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    done = {name: 0 for name in layers}
    remaining = sum(len(spec.get("inbound_nodes", [])) for spec in specs)
    while remaining:
        progressed = False
        for spec in specs:
            name = spec.get("name") or spec["config"]["name"]
            nodes = spec.get("inbound_nodes", [])
            while done[name] < len(nodes) and ready(nodes[done[name]]):
                node = nodes[done[name]]
                outputs = layers[name](*decode(node.get("args", [])), **decode(node.get("kwargs", {})))
                for i, tensor in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
                    tensors[(name, done[name], i)] = tensor
                done[name] += 1
                remaining -= 1
                progressed = True
        if not progressed:
            stuck = [n for n, spec in zip(layers, specs) if done[n] < len(spec.get("inbound_nodes", []))]
            raise ValueError(f"Functional config '{config.get('name')}': cannot connect layers {stuck}.")

    def resolve(structure: Any) -> Any:
        if isinstance(structure, dict):
            return {k: resolve(v) for k, v in structure.items()}
        if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
            return tensors[tuple(structure)]
        return [resolve(v) for v in structure]

    inputs, outputs = resolve(config["input_layers"]), resolve(config["output_layers"])
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))
