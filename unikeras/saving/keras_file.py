"""Keras 3 files: ``.keras`` models and ``.weights.h5`` weights, read and written.

A ``.keras`` file is a zip of ``metadata.json`` (``keras_version``), ``config.json`` (the model as
``{"module", "class_name", "config", "registered_name", "build_config", "compile_config"}``, nested
layers in the same form) and ``model.weights.h5``. In the HDF5 file each layer's variables are
datasets ``vars/0``, ``vars/1``, ... (in the layer's weight order) under the layer's path: the layers
of a Sequential or functional model sit under ``layers/<name>``, where ``<name>`` is the snake-case
class name numbered within the model in the model's layer order (``dense``, ``dense_1``), and a
layer's sub-layers under the attribute that holds them in Keras (an RNN's ``cell``, Bidirectional's
``forward_layer`` / ``backward_layer``, TimeDistributed's ``layer``, MultiHeadAttention's
``query_dense``, ``key_dense``, ``value_dense``, ``output_dense``). The optimizer's variables are
under ``optimizer/vars``.

Reading maps Keras's class names and configs onto unikeras's layers (options unikeras lacks are
accepted only at their no-effect values), rebuilds the model on the current backend and assigns
the variables by path, checking every shape first. Loading never runs code from the file: a Lambda
layer is refused in safe mode, and even with ``safe_mode=False`` its function must be given in
``custom_objects`` (the Python bytecode Keras stores is never executed). ``h5py`` is imported only
when a file is read or written.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import warnings
import zipfile
import zlib
from typing import Any

import numpy as np

from unikeras import backends
from unikeras.layers.layer import Layer
from unikeras.saving import object_registration
from unikeras.saving.atomic import atomic_write

SUFFIX = ".keras"
WEIGHTS_SUFFIX = ".weights.h5"
CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
KERAS_VERSION = "3.15.1"  # the Keras release whose file layout this module writes
MAX_JSON_BYTES = 64 * 2**20

_ANY = object()
# Keras options unikeras does not have, with the values at which they change nothing.
_IGNORABLE: dict[str, tuple] = {
    "quantization_config": (None,),
    "sparse": (False, None),
    "ragged": (False, None),
    "optional": (False,),
    "renorm": (False,),
    "renorm_clipping": (None, {}),
    "renorm_momentum": (_ANY,),
    "synchronized": (False,),
    "fused": (_ANY,),
    "virtual_batch_size": (None,),
    "adjustment": (None,),
    "implementation": (_ANY,),
    "time_major": (False,),
    "input_length": (_ANY,),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "build_input_shape": (_ANY,),
    "shared_object_id": (_ANY,),
    "registered_name": (_ANY,),
    "module": (_ANY,),
}
_BASE_KEYS = {"name", "trainable", "dtype", "input_shape", "batch_input_shape", "activity_regularizer", "autocast"}
_OPTIMIZER_DEFAULTS = {
    "use_ema": (False,),
    "ema_momentum": (_ANY,),
    "ema_overwrite_frequency": (None,),
    "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None,),
    "decay": (0.0, 0, None),  # Keras 2
    "jit_compile": (_ANY,),
    "is_legacy_optimizer": (_ANY,),
}
_RNN_CLASSES = ("SimpleRNN", "LSTM", "GRU")
_MHA_PARTS = ("query_dense", "key_dense", "value_dense", "output_dense")


def keras_snake_case(name: str) -> str:
    """Keras's snake case of a class name (``SeparableConv2D`` -> ``separable_conv2d``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _h5py() -> Any:
    try:
        import h5py
    except ImportError as err:  # pragma: no cover - h5py is a dependency
        raise ImportError('Reading and writing Keras files needs h5py: pip install "unikeras[h5]" (or h5py)') from err
    return h5py


def _acceptable(value: Any, allowed: tuple) -> bool:
    return any(a is _ANY or (a == value and type(a) is type(value)) for a in allowed) or (
        value is None and None in allowed
    )


def _parameters(fn: Any) -> Any:
    import inspect

    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _accepted_keys(cls: type) -> set[str] | None:
    """The keyword arguments ``cls.__init__`` takes (``None`` when it takes any)."""
    keys: set[str] = set()
    for klass in cls.__mro__:
        if klass is object or "__init__" not in vars(klass):
            continue
        params = _parameters(klass.__init__)
        keys.update(n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return keys
        if klass is Layer:
            return keys
    return None


def _clean_objects(value: Any) -> Any:
    """Keras's serialized objects as unikeras reads them: ``shared_object_id`` dropped, and the
    ``input_axes``/``output_axes`` of variance-scaling initializers (which only set the fans of
    initial values, replaced by the file's weights) removed."""
    if isinstance(value, list):
        return [_clean_objects(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _clean_objects(v) for k, v in value.items() if k != "shared_object_id"}
    config = out.get("config")
    if isinstance(config, dict) and (
        str(out.get("module", "")).startswith(("keras.initializers", "keras.src.initializers"))
        or ("input_axes" in config or "output_axes" in config)
    ):
        out["config"] = {k: v for k, v in config.items() if k not in ("input_axes", "output_axes")}
    return out


# ====================================================================== Keras config -> unikeras
class KerasImporter:
    """Rebuilds unikeras layers and models from Keras 3 layer specs (and, through
    ``legacy_h5``, from Keras 2 specs converted to Keras 3 form)."""

    def __init__(self, source: str, custom_objects: dict | None = None, safe_mode: bool = True) -> None:
        from unikeras.saving.model_file import _builtin_layers

        self.source = source
        self.custom_objects = dict(custom_objects or {})
        self.safe_mode = safe_mode
        self.builtin = _builtin_layers()
        self.layer_orders: dict[int, list[str]] = {}  # id(model) -> its layers' names in Keras's order

    # ------------------------------------------------------------------ classes
    def fail(self, problem: str) -> ValueError:
        return ValueError(f"{self.source}: {problem}")

    def layer_class(self, spec: dict) -> type:
        class_name = spec.get("class_name")
        if not isinstance(class_name, str):
            raise self.fail(f"a layer entry has no valid 'class_name': {str(spec)[:200]}")
        module = str(spec.get("module") or "")
        registered = spec.get("registered_name")
        names = [n for n in (registered, class_name) if isinstance(n, str)]
        for name in names:
            if name in self.custom_objects:
                return self._check_layer_class(self.custom_objects[name], class_name)
        scoped = object_registration.scoped_objects()
        for name in names:
            found = scoped.get(name) or object_registration.get_registered_object(name)
            if found is not None:
                return self._check_layer_class(found, class_name)
        is_keras = not module or module == "keras" or module.startswith(("keras.", "tf_keras", "tensorflow"))
        if class_name in ("Functional", "Model") or (class_name == "Sequential" and is_keras):
            return self.builtin["Functional" if class_name == "Model" else class_name]
        if is_keras and class_name in self.builtin:
            return self.builtin[class_name]
        if is_keras and module.startswith(("keras.src.ops", "keras.ops")):
            raise self.fail(
                f"the functional model uses the Keras op '{class_name}' directly on tensors; unikeras cannot "
                "import Keras ops from a file (wrap the computation in a layer)."
            )
        if is_keras and not (isinstance(registered, str) and ">" in registered):
            raise self.fail(f"unknown layer class '{class_name}': unikeras has no layer of that name.")
        raise self.fail(
            f"layer class '{registered or class_name}' (module '{module}') is a custom class that unikeras "
            f"does not know. Pass custom_objects={{'{class_name}': YourClass}} or register it with "
            "@unikeras.saving.register_serializable(). Code from the file is never imported."
        )

    def _check_layer_class(self, cls: Any, name: str) -> type:
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise self.fail(f"'{name}' in custom_objects resolves to {cls!r}, which is not a Layer class.")
        return cls

    # ------------------------------------------------------------------ configs
    def normalize_config(self, cls: type, config: dict, name: str) -> dict:
        """``config`` with Keras's no-effect extras removed and nested layer specs normalized."""
        config = _clean_objects(dict(config))
        if cls not in self.builtin.values():
            return config  # a custom class reads its own config
        accepted = _accepted_keys(cls)
        if cls is self.builtin["InputLayer"]:
            if "batch_input_shape" in config:
                config["batch_shape"] = config.pop("batch_input_shape")
            accepted = (accepted or set()) | {"batch_shape"}
        out = {}
        for key, value in config.items():
            if (
                isinstance(value, dict)
                and isinstance(value.get("class_name"), str)
                and key in ("layer", "backward_layer")
            ):
                value = self.normalize_spec(value)
            if accepted is None or key in accepted or key in _BASE_KEYS:
                out[key] = value
            elif key in _IGNORABLE and _acceptable(value, _IGNORABLE[key]):
                continue
            else:
                raise self.fail(
                    f"layer '{name}' ({cls.__name__}) uses the Keras option {key}={value!r}, which unikeras does "
                    "not support."
                )
        return out

    def normalize_spec(self, spec: dict) -> dict:
        """A nested layer spec (a wrapper's ``layer``) in the form ``serialization.deserialize`` reads."""
        cls = self.layer_class(spec)
        config = dict(spec.get("config") or {})
        if cls.__name__ == "Lambda" or cls in (self.builtin["Sequential"], self.builtin["Functional"]):
            raise self.fail(f"a {cls.__name__} inside a wrapper layer is not supported.")
        return {"class_name": cls.__name__, "config": self.normalize_config(cls, config, config.get("name", "?"))}

    # ------------------------------------------------------------------ layers
    def layer(self, spec: dict) -> Layer:
        from unikeras.layers.core import InputLayer

        cls = self.layer_class(spec)
        config = dict(spec.get("config") or {})
        name = config.get("name", spec.get("name", "?"))
        if cls is self.builtin["Sequential"]:
            return self.sequential(config, spec.get("build_config"))
        if cls is self.builtin["Functional"] or (issubclass(cls, self.builtin["Model"]) and "input_layers" in config):
            return self.functional(config)
        if cls.__name__ == "Lambda":
            return self.lambda_layer(cls, config, name)
        config = self.normalize_config(cls, config, name)
        try:
            if cls is InputLayer:
                return InputLayer(**config)
            if "custom_objects" in _parameters(cls.from_config):
                return cls.from_config(config, custom_objects=self.custom_objects or None)
            return cls.from_config(config)
        except (TypeError, ValueError, KeyError) as err:
            raise self.fail(f"cannot rebuild layer '{name}' ({cls.__name__}) from its Keras config: {err}") from err

    def lambda_layer(self, cls: type, config: dict, name: str) -> Layer:
        function = config.get("function")
        fn_name = None
        if isinstance(function, dict) and function.get("class_name") != "__lambda__":
            fn_name = function.get("registered_name") or function.get("config")
        elif isinstance(function, str):
            fn_name = function
        if self.safe_mode:
            raise self.fail(
                f"the model contains Lambda layer '{name}', whose function is Python code stored in the file. "
                "Loading it is refused in safe mode. If you trust this file, pass safe_mode=False and the function "
                f"in custom_objects={{'{fn_name or name}': function}} (the stored code is never executed)."
            )
        fn = None
        for key in (name, fn_name, fn_name.split(">")[-1] if isinstance(fn_name, str) else None):
            if isinstance(key, str) and key in self.custom_objects:
                fn = self.custom_objects[key]
                break
        if fn is None or not callable(fn):
            raise self.fail(
                f"Lambda layer '{name}': its function is not executed from the file; pass it in "
                f"custom_objects={{'{fn_name or name}': function}}."
            )
        output_shape = config.get("output_shape")
        if isinstance(output_shape, dict):
            output_shape = None  # a function: shapes are inferred
        kwargs = {k: config[k] for k in ("name", "trainable", "dtype") if k in config}
        return cls(fn, output_shape=output_shape, arguments=config.get("arguments") or None, **kwargs)

    def sequential(self, config: dict, build_config: dict | None) -> Layer:
        from unikeras.layers.core import InputLayer
        from unikeras.models.sequential import Sequential

        entries = config.get("layers")
        if not isinstance(entries, list):
            raise self.fail(f"Sequential '{config.get('name')}' has no 'layers' list.")
        layers = [self.layer(entry) for entry in entries]
        model = Sequential(name=config.get("name"), trainable=config.get("trainable", True))
        for layer in layers:
            model.add(layer, rebuild=False)
        shape = config.get("build_input_shape") or (build_config or {}).get("input_shape")
        if model._input_batch_shape is None and isinstance(shape, list):
            model._input_batch_shape = tuple(shape)
        self.layer_orders[id(model)] = [layer.name for layer in layers if not isinstance(layer, InputLayer)]
        try:
            model._build_if_shape_known()
        except (ValueError, TypeError) as err:
            raise self.fail(f"cannot build Sequential '{model.name}': {err}") from err
        return model

    def functional(self, config: dict) -> Layer:
        from unikeras.models.functional import Functional
        from unikeras.models.functional_config import functional_from_config

        entries = config.get("layers")
        if not isinstance(entries, list):
            raise self.fail(f"functional model '{config.get('name')}' has no 'layers' list.")
        entries = _prune_mask_ops(entries, config.get("output_layers"))
        built: dict[str, Layer] = {}
        layers_config = []
        for entry in entries:
            name = entry.get("name") or (entry.get("config") or {}).get("name")
            nodes = [_clean_node(node) for node in entry.get("inbound_nodes", [])]
            if entry.get("class_name") == "InputLayer":
                cfg = self.normalize_config(self.builtin["InputLayer"], dict(entry.get("config") or {}), name)
                layers_config.append({"class_name": "InputLayer", "config": cfg, "name": name, "inbound_nodes": []})
                continue
            built[name] = self.layer(entry)
            layers_config.append(
                {"class_name": entry["class_name"], "config": {"name": name}, "name": name, "inbound_nodes": nodes}
            )
        prebuilt = _Prebuilt(built)
        lookup = {entry["class_name"]: prebuilt for entry in layers_config}
        cfg = {**config, "layers": layers_config}
        try:
            model = functional_from_config(Functional, cfg, custom_objects=lookup)
        except (ValueError, TypeError, KeyError, IndexError) as err:
            raise self.fail(f"cannot rebuild functional model '{config.get('name')}': {err}") from err
        self.layer_orders[id(model)] = [entry["name"] for entry in layers_config]
        return model


class _Prebuilt:
    """Stands in for a class in ``custom_objects``: ``from_config`` returns the layer already built."""

    def __init__(self, layers: dict[str, Layer]) -> None:
        self.layers = layers

    def from_config(self, config: dict, custom_objects: dict | None = None) -> Layer:
        return self.layers[config["name"]]


def _output_refs(structure: Any) -> list[list]:
    """The ``[layer, node, tensor]`` references in a model's ``output_layers``."""
    if isinstance(structure, dict):
        return [r for v in structure.values() for r in _output_refs(v)]
    if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
        return [structure]
    if isinstance(structure, list):
        return [r for v in structure for r in _output_refs(v)]
    return []


def _history_refs(value: Any) -> list[str]:
    """Names of the layers whose tensors appear in a node's arguments."""
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"][0]]
        return [n for v in value.values() for n in _history_refs(v)]
    if isinstance(value, list):
        return [n for v in value for n in _history_refs(v)]
    return []


def _clean_node(node: Any) -> Any:
    """A Keras 3 inbound node without the ``mask`` (unikeras passes masks along with the tensors) and
    ``training`` (set by the model's call) arguments."""
    if not isinstance(node, dict):
        return node
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if k not in ("mask", "training")}
    return {"args": node.get("args", []), "kwargs": kwargs}


def _prune_mask_ops(entries: list[dict], outputs: Any) -> list[dict]:
    """Drop the layers whose outputs nothing uses once the ``mask=`` arguments are gone: the Keras op
    layers (``NotEqual`` after an Embedding) that only compute masks, which unikeras propagates itself."""
    entries = list(entries)
    kept = {ref[0] for ref in _output_refs(outputs)}
    while True:
        used: set[str] = set()
        for entry in entries:
            for node in entry.get("inbound_nodes", []):
                used.update(_history_refs(_clean_node(node)))
        removable = [
            e
            for e in entries
            if e.get("class_name") != "InputLayer"
            and e.get("inbound_nodes")
            and (e.get("name") or e["config"].get("name")) not in used | kept
        ]
        if not removable:
            return entries
        entries = [e for e in entries if e not in removable]


# ====================================================================== weights: Keras paths
def _model_children(model: Layer, orders: dict[int, list[str]] | None) -> list[Layer]:
    from unikeras.layers.core import InputLayer

    children = [c for c in model._layers if not isinstance(c, InputLayer)]
    order = (orders or {}).get(id(model))
    if order is None:
        order = _keras_layer_order(model)
    by_name = {c.name: c for c in children}
    ordered = [by_name[n] for n in order if n in by_name]
    return ordered + [c for c in children if c not in ordered]


def keras_variable_paths(
    layer: Layer, prefix: str = "", orders: dict[int, list[str]] | None = None
) -> list[tuple[str, Any, str]]:
    """``(path of the vars group, variable, index)`` for each weight of ``layer`` in Keras's layout,
    plus ``(group, None, layer name)`` for every ``vars`` group Keras writes (to carry the name)."""
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    out: list[tuple[str, Any, str]] = []
    cls_name = type(layer).__name__

    def own(group: str, variables: list, name: str) -> None:
        out.append((f"{group}vars", None, name))
        for i, variable in enumerate(variables):
            out.append((f"{group}vars", variable, str(i)))

    if isinstance(layer, (Sequential, Functional)):
        own(prefix, layer._own_weights, layer.name)
        used: dict[str, int] = {}
        for child in _model_children(layer, orders):
            base = keras_snake_case(type(child).__name__ if not isinstance(child, Functional) else "Functional")
            if base in used:
                used[base] += 1
                base = f"{base}_{used[base]}"
            else:
                used[base] = 0
            out += keras_variable_paths(child, f"{prefix}layers/{base}/", orders)
        return out
    if cls_name in _RNN_CLASSES and not layer._layers:
        own(prefix, [], layer.name)
        own(f"{prefix}cell/", layer._own_weights, f"{keras_snake_case(cls_name)}_cell")
        return out
    if cls_name == "Bidirectional":
        own(prefix, layer._own_weights, layer.name)
        out += keras_variable_paths(layer.forward_layer, f"{prefix}forward_layer/", orders)
        out += keras_variable_paths(layer.backward_layer, f"{prefix}backward_layer/", orders)
        return out
    if cls_name == "TimeDistributed":
        own(prefix, layer._own_weights, layer.name)
        out += keras_variable_paths(layer.layer, f"{prefix}layer/", orders)
        return out
    if cls_name == "MultiHeadAttention":
        own(prefix, layer._own_weights, layer.name)
        parts = [getattr(layer, "_" + part, None) for part in _MHA_PARTS]
        gate = getattr(layer, "_gate_dense", None)
        if gate is not None:
            raise ValueError(f"MultiHeadAttention '{layer.name}': use_gate=True has no Keras weight mapping here.")
        for part, sub in zip(_MHA_PARTS, parts):
            if sub is not None:
                out += keras_variable_paths(sub, f"{prefix}{part}/", orders)
        return out
    own(prefix, layer._own_weights, layer.name)
    if layer._layers:
        # A layer with sub-layers: Keras names each by the public attribute that holds it.
        attrs: dict[int, str] = {}
        for attr, value in vars(layer).items():
            if isinstance(value, Layer) and not attr.startswith("__"):
                attrs.setdefault(id(value), attr.lstrip("_") if attr.startswith("_") else attr)
        for child in layer._layers:
            if id(child) not in attrs:
                raise ValueError(
                    f"{cls_name} '{layer.name}': sub-layer '{child.name}' is not held by an attribute, so its "
                    "place in a Keras weights file is unknown."
                )
            out += keras_variable_paths(child, f"{prefix}{attrs[id(child)]}/", orders)
    return out


def _keras_layer_order(model: Layer) -> list[str]:
    """The names of a model's layers in the order Keras's ``model.layers`` lists them (Keras numbers
    the weight groups in this order): for a functional model, by decreasing depth from the outputs,
    ties broken by first visit in a depth-first walk from the outputs."""
    from unikeras.models.functional import Functional

    if not isinstance(model, Functional):
        return [layer.name for layer in model._layers]
    nodes_by_output: dict[int, Any] = {}
    for node in model._nodes:
        for tensor in _flatten(node.outputs):
            nodes_by_output[id(tensor)] = node
    order: dict[int, int] = {}  # id(layer) -> first visit index
    finished: list[Any] = []
    done: set[int] = set()
    layer_of: dict[int, Layer] = {}

    def parents(node: Any) -> list[Any]:
        inputs = _flatten([node.inputs, list(node.args), node.kwargs])
        return [nodes_by_output[id(t)] for t in inputs if id(t) in nodes_by_output]

    def input_layer_of(tensor: Any) -> Layer | None:
        return getattr(tensor, "layer", None) if id(tensor) not in nodes_by_output else None

    def visit(tensor: Any) -> None:
        node = nodes_by_output.get(id(tensor))
        if node is None:
            layer = input_layer_of(tensor)
            if layer is not None:
                order.setdefault(id(layer), len(order))
                layer_of[id(layer)] = layer
            return
        if id(node) in done:
            return
        order.setdefault(id(node.layer), len(order))
        layer_of[id(node.layer)] = node.layer
        for tensor_in in _flatten([node.inputs, list(node.args), node.kwargs]):
            visit(tensor_in)
        done.add(id(node))
        finished.append(node)

    for tensor in _flatten(model._outputs_struct):
        visit(tensor)
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(finished):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in parents(node):
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        for tensor_in in _flatten([node.inputs, list(node.args), node.kwargs]):
            layer = input_layer_of(tensor_in)
            if layer is not None:
                layer_depth[id(layer)] = max(depth + 1, layer_depth.get(id(layer), 0))
    for tensor in model._input_tensors:
        if id(tensor.layer) not in layer_depth:
            layer_depth[id(tensor.layer)] = 0
            order.setdefault(id(tensor.layer), len(order))
            layer_of[id(tensor.layer)] = tensor.layer
    ranked = sorted(layer_depth, key=lambda lid: (-layer_depth[lid], order.get(lid, 0)))
    return [layer_of[lid].name for lid in ranked]


def _flatten(value: Any) -> list:
    from unikeras.symbolic import KerasTensor

    if isinstance(value, KerasTensor):
        return [value]
    if isinstance(value, dict):
        return [t for k in sorted(value) for t in _flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flatten(v)]
    return []


# ====================================================================== weights: read / write
def _backend_scope(model: Any) -> Any:
    import contextlib

    backend = getattr(model, "_backend", None)
    return backends.activated(backend) if backend is not None else contextlib.nullcontext()


def _assign_all(plan: list[tuple[Any, np.ndarray]], model: Any) -> None:
    from unikeras.saving.weights_file import _assign

    with _backend_scope(model):
        for variable, array in plan:
            _assign(variable, array)


def _mismatch(problems: list[str], source: str, model: Any, skip_mismatch: bool) -> None:
    from unikeras.saving.weights_file import _report

    _report(problems, source, model, skip_mismatch)


def read_h5_weights(
    h5: Any, model: Any, source: str, orders: dict[int, list[str]] | None = None, skip_mismatch: bool = False
) -> None:
    """Assign the variables of a Keras 3 weights HDF5 (open ``h5py.File``) to ``model``, by path."""
    h5py = _h5py()
    if not model.built:
        raise ValueError(f"{source}: model '{model.name}' is not built, so it has no weights to load into yet.")
    paths = keras_variable_paths(model, "", orders)
    renames = _renamed_groups(h5, model, orders)
    problems: list[str] = []
    plan: list[tuple[Any, np.ndarray]] = []
    wanted: set[str] = set()
    for group, variable, index in paths:
        if variable is None:
            continue
        group = renames.get(group, group)
        key = f"{group}/{index}"
        wanted.add(key)
        item = h5.get(key)
        if not isinstance(item, h5py.Dataset):
            problems.append(f"weight '{key}' (shape {tuple(variable.shape)}) of the model is missing from the file")
            continue
        array = np.asarray(item[()])
        if tuple(array.shape) != tuple(variable.shape):
            problems.append(
                f"weight '{key}': the model expects shape {tuple(variable.shape)}, the file has {array.shape}"
            )
            continue
        plan.append((variable, array))
    extra: list[str] = []

    def visit(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and not name.startswith("optimizer/") and name not in wanted:
            extra.append(f"weight '{name}' (shape {obj.shape}) in the file has no match in the model")

    h5.visititems(visit)
    _mismatch(problems + extra, source, model, skip_mismatch)
    _assign_all(plan, model)
    optimizer_vars = h5.get("optimizer/vars")
    if optimizer_vars is not None and len(optimizer_vars) > 2:
        warnings.warn(
            f"{source}: the optimizer state in the file ({len(optimizer_vars)} variables) is not loaded; "
            "training continues from fresh optimizer slots.",
            stacklevel=3,
        )


def _renamed_groups(h5: Any, model: Any, orders: dict[int, list[str]] | None) -> dict[str, str]:
    """Where the file's ``vars`` groups carry layer names (Keras 3 writes them), the group of each
    top-level layer found by name, in case the file numbered its layers in another order."""
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    if not isinstance(model, (Sequential, Functional)) or "layers" not in h5:
        return {}
    by_name: dict[str, str] = {}
    for key, group in h5["layers"].items():
        vars_group = group.get("vars") if hasattr(group, "get") else None
        name = vars_group.attrs.get("name") if vars_group is not None else None
        if isinstance(name, bytes):
            name = name.decode()
        if isinstance(name, str):
            by_name[name] = f"layers/{key}/"
    renames: dict[str, str] = {}
    used: dict[str, int] = {}
    for child in _model_children(model, orders):
        base = keras_snake_case(type(child).__name__ if not isinstance(child, Functional) else "Functional")
        if base in used:
            used[base] += 1
            base = f"{base}_{used[base]}"
        else:
            used[base] = 0
        expected = f"layers/{base}/"
        found = by_name.get(child.name)
        if found is not None and found != expected:
            for group, _, _ in keras_variable_paths(child, expected, orders):
                renames[group] = found + group[len(expected) :]
    return renames


def write_h5_weights(h5: Any, model: Any, include_optimizer: bool = True) -> None:
    """Write ``model``'s variables into an open, empty ``h5py.File`` in Keras 3's layout."""
    from unikeras.saving.weights_file import _to_numpy

    with _backend_scope(model):
        for group, variable, index in keras_variable_paths(model):
            if variable is None:
                if group not in h5:
                    h5.create_group(group).attrs["name"] = index
                continue
            h5[group].create_dataset(index, data=_to_numpy(variable))
        optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None
        if include_optimizer and optimizer is not None:
            group = h5.create_group("optimizer/vars")
            group.attrs["name"] = optimizer.name
            iterations = 0
            learning_rate = optimizer.get_config().get("learning_rate")
            for variable in optimizer.variables:
                if variable.name == "iteration":
                    iterations = int(np.asarray(variable.numpy()))
                elif variable.name == "learning_rate":
                    learning_rate = float(np.asarray(variable.numpy()))
            group.create_dataset("0", data=np.asarray(iterations, dtype=np.int64))
            if isinstance(learning_rate, (int, float)):
                group.create_dataset("1", data=np.asarray(learning_rate, dtype=np.float32))


# ====================================================================== compile config
def _keras_object(value: Any, what: str, source: str) -> Any:
    """A Keras ``{"module", "class_name", "config"}`` loss/metric/optimizer as a unikeras object,
    or a name as it is."""
    from unikeras import losses, metrics, optimizers

    if isinstance(value, list):
        return [_keras_object(v, what, source) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {k: _keras_object(v, what, source) for k, v in value.items()}
    class_name, config = value["class_name"], _clean_objects(dict(value.get("config") or {}))
    if class_name == "MeanMetricWrapper":  # Keras 2: a metric function by name
        fn = config.get("fn")
        return fn if isinstance(fn, str) else config.get("name")
    if what == "optimizer":
        if "lr" in config:  # Keras 2
            config.setdefault("learning_rate", config.pop("lr"))
        for key, allowed in _OPTIMIZER_DEFAULTS.items():
            if key in config:
                if not _acceptable(config[key], allowed):
                    raise ValueError(f"the Keras optimizer option {key}={config[key]!r} is not supported")
                config.pop(key)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = {
                "class_name": config["learning_rate"]["class_name"],
                "config": config["learning_rate"].get("config", {}),
            }
        return optimizers.deserialize({"class_name": class_name, "config": config})
    module = losses if what == "loss" else metrics
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise ValueError(f"unknown {what} class '{class_name}'")
    return cls.from_config(config)


def compile_from_keras(model: Any, compile_config: dict, source: str) -> None:
    """Compile ``model`` as a Keras compile config says (warns and leaves it uncompiled when unikeras
    lacks something it names)."""
    try:
        arguments = dict(compile_config)
        if "optimizer_config" in arguments:  # legacy HDF5 training_config
            arguments["optimizer"] = arguments.pop("optimizer_config")
        arguments["optimizer"] = _keras_object(arguments.get("optimizer", "rmsprop"), "optimizer", source)
        for key, what in (("loss", "loss"), ("metrics", "metric"), ("weighted_metrics", "metric")):
            if key in arguments:
                arguments[key] = _keras_object(arguments[key], what, source)
        known = _parameters(model.compile)
        model.compile(**{k: v for k, v in arguments.items() if k in known and (v is not None or k == "loss")})
    except (ValueError, TypeError, KeyError) as err:
        warnings.warn(
            f"{source}: the model is loaded but not compiled: {err}. Compile it yourself.",
            stacklevel=3,
        )


def _compile_to_keras(model: Any) -> dict | None:
    from unikeras.losses import Loss
    from unikeras.metrics import Metric

    if not getattr(model, "compiled", False):
        return None
    arguments = dict(model.get_compile_config() or {})
    optimizer = model.optimizer

    def encode(value: Any, module: str) -> Any:
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, (list, tuple)):
            return [encode(v, module) for v in value]
        if isinstance(value, dict):
            return {str(k): encode(v, module) for k, v in value.items()}
        if isinstance(value, (Loss, Metric)) and type(value).__name__ not in (
            "LossFunctionWrapper",
            "MeanMetricWrapper",
        ):
            return {
                "module": module,
                "class_name": type(value).__name__,
                "config": value.get_config(),
                "registered_name": None,
            }
        raise TypeError(f"the compile argument {value!r} has no Keras form")

    config = optimizer.get_config()
    if isinstance(config.get("learning_rate"), dict):
        schedule = config["learning_rate"]
        config["learning_rate"] = {
            "module": "keras.optimizers.schedules",
            "class_name": schedule["class_name"],
            "config": schedule["config"],
            "registered_name": None,
        }
    try:
        out = {
            "optimizer": {
                "module": "keras.optimizers",
                "class_name": type(optimizer).__name__,
                "config": config,
                "registered_name": None,
            },
            "loss": encode(arguments.get("loss"), "keras.losses"),
            "loss_weights": encode(arguments.get("loss_weights"), "keras.losses"),
            "metrics": encode(arguments.get("metrics"), "keras.metrics"),
            "weighted_metrics": encode(arguments.get("weighted_metrics"), "keras.metrics"),
            "run_eagerly": bool(arguments.get("run_eagerly", False)),
            "steps_per_execution": int(arguments.get("steps_per_execution", 1)),
            "jit_compile": arguments.get("jit_compile", False) is True,
        }
    except TypeError as err:
        warnings.warn(f"the compile settings are not written to the Keras file: {err}.", stacklevel=3)
        return None
    return out


# ====================================================================== unikeras -> Keras config
def _keras_module(value: dict) -> dict:
    """A unikeras ``{"module", "class_name", "config"}`` layer spec (and the specs nested in its
    config) in Keras's form."""
    out = dict(value)
    out["module"] = "keras.layers"
    out["registered_name"] = None
    out["config"] = _keras_config(out.get("config") or {})
    return out


def _keras_config(config: dict) -> dict:
    out = {}
    for key, value in config.items():
        if key == "build_input_shape":
            continue
        if isinstance(value, dict) and str(value.get("module", "")).startswith("unikeras"):
            value = _keras_module(value)
        out[key] = value
    return out


def keras_layer_spec(layer: Layer) -> dict:
    """``layer`` as Keras 3 serializes it in ``config.json``."""
    from unikeras.layers.core import InputLayer, Lambda
    from unikeras.layers.op_layer import OpLayer
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    cls = type(layer)
    if isinstance(layer, Sequential):
        layers = []
        if layer._input_batch_shape is not None:
            layers.append(_input_spec(layer._input_batch_shape, layer.dtype, f"{layer.name}_input"))
        layers += [keras_layer_spec(child) for child in layer._layers]
        config = {"name": layer.name, "trainable": layer.trainable, "dtype": _dtype(layer), "layers": layers}
        spec = {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None}
        if layer._input_batch_shape is not None:
            config["build_input_shape"] = list(layer._input_batch_shape)
            spec["build_config"] = {"input_shape": list(layer._input_batch_shape)}
        return spec
    if isinstance(layer, Functional):
        return _functional_spec(layer)
    if isinstance(layer, (Lambda, OpLayer)):
        raise ValueError(
            f"{cls.__name__} '{layer.name}' cannot be written to a Keras file: Keras would need its Python code."
        )
    if isinstance(layer, InputLayer):
        return _input_spec(layer.batch_shape, layer.dtype, layer.name)
    if not cls.__module__.startswith("unikeras."):
        registered = object_registration.get_registered_name(cls) if object_registration.is_registered(cls) else None
        spec = {"module": cls.__module__, "class_name": cls.__name__, "config": _keras_config(layer.get_config())}
        spec["registered_name"] = registered
    else:
        spec = _keras_module({"class_name": cls.__name__, "config": layer.get_config()})
    shape = getattr(layer, "_build_shape", None)
    if layer.built and isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        spec["build_config"] = {"input_shape": [None, *shape[1:]]}
    return spec


def _dtype(layer: Layer) -> Any:
    from unikeras import dtype_policies

    return dtype_policies.serialize(layer.dtype_policy)


def _keras_node(layer: Layer, node: dict) -> dict:
    """A recorded call in Keras's form: MultiHeadAttention takes ``query, value(, key)`` as separate
    arguments in Keras, where unikeras records them as one list."""
    args = list(node.get("args", []))
    if type(layer).__name__ == "MultiHeadAttention" and args and isinstance(args[0], list):
        args = [*args[0], *args[1:]]
    return {"args": args, "kwargs": node.get("kwargs", {})}


def _input_spec(batch_shape: tuple, dtype: str, name: str) -> dict:
    config = {"batch_shape": list(batch_shape), "dtype": dtype, "sparse": False, "ragged": False, "name": name}
    return {"module": "keras.layers", "class_name": "InputLayer", "config": config, "registered_name": None}


def _functional_spec(model: Layer) -> dict:
    from unikeras.models.functional_config import functional_config

    config = functional_config(model)
    by_name = {layer.name: layer for layer in model._layers}
    for tensor in model._input_tensors:
        by_name[tensor.layer.name] = tensor.layer
    entries = {}
    for entry in config["layers"]:
        layer = by_name[entry["name"]]
        spec = keras_layer_spec(layer)
        spec["name"] = entry["name"]
        spec["inbound_nodes"] = [_keras_node(layer, node) for node in entry["inbound_nodes"]]
        if entry["class_name"] != "InputLayer":
            spec.pop("build_config", None)  # the layer is built by being called
        entries[entry["name"]] = spec
    order = _keras_layer_order(model)
    layers = [entries[n] for n in order if n in entries] + [e for n, e in entries.items() if n not in order]
    keras_config = {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": config["input_layers"],
        "output_layers": config["output_layers"],
    }
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": keras_config,
        "registered_name": "Functional",
    }


# ====================================================================== files
def _fail(filepath: str, problem: str) -> ValueError:
    return ValueError(f"{filepath}: {problem}")


def _read_json(archive: zipfile.ZipFile, member: str, filepath: str) -> Any:
    if archive.getinfo(member).file_size > MAX_JSON_BYTES:
        raise _fail(filepath, f"{member} is larger than {MAX_JSON_BYTES} bytes.")
    try:
        return json.loads(archive.read(member).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _fail(filepath, f"{member} is not valid JSON ({err}).") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
        raise _fail(filepath, f"the archive is corrupted ({err}).") from None


def read_archive(filepath: str) -> tuple[dict, dict, bytes]:
    """``(config, metadata, weights HDF5 bytes)`` of a ``.keras`` file, with errors naming the file."""
    try:
        archive = zipfile.ZipFile(filepath)
    except zipfile.BadZipFile:
        raise _fail(
            filepath, "not a valid `.keras` file: it is not a zip archive, or it is truncated or corrupted."
        ) from None
    with archive:
        names = set(archive.namelist())
        if CONFIG_NAME not in names:
            raise _fail(
                filepath, f"not a valid `.keras` file: the archive has no {CONFIG_NAME} (it holds {sorted(names)})."
            )
        if WEIGHTS_NAME not in names:
            shards = [n for n in names if n.endswith(".weights.json") or n.endswith(".h5")]
            raise _fail(
                filepath,
                f"the archive has no {WEIGHTS_NAME}"
                + (f" (sharded weights {sorted(shards)} are not supported)." if shards else "."),
            )
        config = _read_json(archive, CONFIG_NAME, filepath)
        metadata = _read_json(archive, METADATA_NAME, filepath) if METADATA_NAME in names else {}
        try:
            weights = archive.read(WEIGHTS_NAME)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise _fail(filepath, f"the archive is corrupted ({err}).") from None
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise _fail(filepath, f"{CONFIG_NAME} does not hold a Keras model config.")
    version = str((metadata or {}).get("keras_version", "3"))
    if not version.split(".")[0].isdigit() or int(version.split(".")[0]) > 3:
        raise _fail(filepath, f"the file was written by Keras {version}; unikeras reads Keras 3 files.")
    return config, metadata, weights


def _open_h5(data: bytes | str, source: str) -> Any:
    h5py = _h5py()
    try:
        return h5py.File(io.BytesIO(data) if isinstance(data, bytes) else data, "r")
    except (OSError, ValueError) as err:
        raise ValueError(f"{source}: not a readable HDF5 file ({err}).") from None


def load_keras_model(
    filepath: str | os.PathLike,
    custom_objects: dict | None = None,
    compile: bool = True,  # noqa: A002 - Keras's argument name
    safe_mode: bool = True,
) -> Any:
    """A model read from a Keras 3 ``.keras`` file, rebuilt on the current backend with its weights,
    compiled as saved when unikeras has its optimizer, loss and metrics."""
    filepath = os.fspath(filepath)
    config, _, weights = read_archive(filepath)
    importer = KerasImporter(filepath, custom_objects, safe_mode)
    model = importer.layer(config)
    from unikeras.models.model import Model

    if not isinstance(model, Model):
        raise _fail(filepath, f"the file holds a {type(model).__name__}, not a model.")
    _build(model, config.get("build_config"), filepath)
    with _open_h5(weights, f"{filepath} ({WEIGHTS_NAME})") as h5:
        read_h5_weights(h5, model, f"{filepath} ({WEIGHTS_NAME})", importer.layer_orders)
    compile_config = config.get("compile_config")
    if compile and isinstance(compile_config, dict):
        compile_from_keras(model, compile_config, filepath)
    return model


def _build(model: Any, build_config: dict | None, source: str) -> None:
    if model.built:
        return
    shape = (build_config or {}).get("input_shape")
    if shape is None:
        raise ValueError(f"{source}: model '{model.name}' has no input shape in the file, so it cannot be built.")
    try:
        model.build_for_input_shape(tuple(shape))
    except Exception as err:
        raise ValueError(f"{source}: cannot build model '{model.name}' for input shape {shape}: {err}") from err


def save_keras_model(
    model: Any, filepath: str | os.PathLike, overwrite: bool = True, include_optimizer: bool = True
) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` file (architecture, weights, compile settings; of the
    optimizer state only the iteration count and learning rate)."""
    h5py = _h5py()
    filepath = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"save_model(): model '{model.name}' is not built; call it on data before saving.")
    spec = keras_layer_spec(model)
    build_shape = getattr(model, "_build_shape", None)
    if "build_config" not in spec and isinstance(build_shape, tuple):
        spec["build_config"] = {"input_shape": [None, *build_shape[1:]]}
    compile_config = _compile_to_keras(model)
    if compile_config is not None:
        spec["compile_config"] = compile_config
    import unikeras

    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "unikeras_version": unikeras.__version__,
    }
    text = json.dumps(spec, default=_json_default)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_h5_weights(h5, model, include_optimizer=include_optimizer)
    with atomic_write(filepath, overwrite=overwrite) as f, zipfile.ZipFile(f, "w") as archive:
        archive.writestr(METADATA_NAME, json.dumps(metadata))
        archive.writestr(CONFIG_NAME, text)
        archive.writestr(WEIGHTS_NAME, buffer.getvalue())


def _json_default(value: Any) -> Any:
    from unikeras.saving.model_file import _json_default as default

    if isinstance(value, tuple):
        return list(value)
    return default(value)


def save_keras_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Write ``model``'s weights as a Keras 3 ``.weights.h5`` file."""
    h5py = _h5py()
    filepath = os.fspath(filepath)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        write_h5_weights(h5, model)
    with atomic_write(filepath, overwrite=overwrite) as f:
        f.write(buffer.getvalue())


def load_keras_weights(model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False) -> None:
    """Read a Keras 3 ``.weights.h5`` file (or the weights of a ``.keras`` file) into ``model``."""
    filepath = os.fspath(filepath)
    if filepath.endswith(SUFFIX):
        _, _, data = read_archive(filepath)
        source = f"{filepath} ({WEIGHTS_NAME})"
        h5 = _open_h5(data, source)
    else:
        source = filepath
        h5 = _open_h5(filepath, source)
    with h5:
        if "layers" not in h5 and "vars" not in h5:
            from unikeras.saving import legacy_h5

            if legacy_h5.is_legacy(h5):
                legacy_h5.read_weights(h5, model, source, skip_mismatch=skip_mismatch)
                return
            raise ValueError(f"{source}: not a Keras weights file (no 'layers' or 'vars' group, no 'layer_names').")
        read_h5_weights(h5, model, source, skip_mismatch=skip_mismatch)
