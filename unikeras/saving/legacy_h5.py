"""Legacy Keras HDF5 files (``.h5``): Keras 2 / tf.keras models and weights, read.

A model file holds the architecture as JSON in the root attribute ``model_config`` (Keras 2 layer
configs: ``batch_input_shape``, inbound nodes as ``[[layer, node, tensor, kwargs], ...]``), the
compile settings in ``training_config``, and the weights in ``model_weights``: one group per layer
(``layer_names`` attribute, in order), whose ``weight_names`` attribute lists its datasets
(``dense/kernel:0``). A weights file (``save_weights("w.h5")``) has the same per-layer groups at
its root. A layer's weights are listed trainable ones first, then the others (Keras 2's
``layer.weights``); Keras 3's ``model.save("m.h5")`` still writes this format.

Weights are matched to the model's layers by name, or, when the names differ (weights saved from
another instance), by order among the layers that have weights, as Keras 2 does. ``h5py`` is imported
only when a file is read.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import numpy as np

from unikeras.saving import keras_file

SUFFIXES = (".h5", ".hdf5")


def _attr(group: Any, name: str, default: Any = None) -> Any:
    value = group.attrs.get(name, default)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in value.tolist()]
    return value


def is_legacy(h5: Any) -> bool:
    """Whether an open HDF5 file is in the legacy (Keras 2) layout."""
    return "layer_names" in h5.attrs or "model_weights" in h5 or "model_config" in h5.attrs


# ====================================================================== Keras 2 configs -> Keras 3 form
def _policy_name(dtype: Any) -> Any:
    """Keras 2's ``{"class_name": "Policy", "config": {"name": ...}}`` dtype as a name."""
    if isinstance(dtype, dict) and dtype.get("class_name") in ("Policy", "DTypePolicy", "PolicyV1"):
        return (dtype.get("config") or {}).get("name", dtype)
    return dtype


def _tensor(ref: list) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [ref[0], int(ref[1]), int(ref[2])]}}


def _is_ref(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (3, 4)
        and isinstance(value[0], str)
        and all(isinstance(v, int) for v in value[1:3])
    )


def _convert_kwargs(kwargs: dict) -> dict:
    out = {}
    for key, value in (kwargs or {}).items():
        if _is_ref(value):
            out[key] = _tensor(value)
        elif isinstance(value, list) and value and all(_is_ref(v) for v in value):
            out[key] = [_tensor(v) for v in value]
        else:
            out[key] = value
    return out


def _convert_node(node: Any) -> dict:
    """A Keras 2 inbound node (``[[name, node, tensor, kwargs], ...]``) in Keras 3's
    ``{"args", "kwargs"}`` form; a Keras 3 node is returned as it is."""
    if isinstance(node, dict):
        return node
    if not isinstance(node, list) or not node:
        raise ValueError(f"unreadable inbound node {str(node)[:200]}")
    refs = node if isinstance(node[0], list) else [node]
    tensors = [_tensor(ref) for ref in refs]
    kwargs = _convert_kwargs(refs[0][3] if len(refs[0]) > 3 and isinstance(refs[0][3], dict) else {})
    return {"args": [tensors[0] if len(tensors) == 1 else tensors], "kwargs": kwargs}


def _convert_config(value: Any) -> Any:
    if isinstance(value, list):
        return [_convert_config(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: (_policy_name(v) if k == "dtype" else _convert_config(v)) for k, v in value.items()}


def convert_spec(spec: dict) -> dict:
    """A Keras 2 (or Keras 3 legacy-HDF5) layer or model spec in the Keras 3 form
    ``KerasImporter`` reads."""
    class_name = spec.get("class_name")
    config = spec.get("config")
    if class_name == "Sequential" and isinstance(config, list):  # Keras < 2.2.3: the config is the list of layers
        config = {"name": "sequential", "layers": config}
    if class_name in ("Sequential", "Functional", "Model") and isinstance(config, dict):
        config = dict(config)
        config["layers"] = [convert_spec(entry) for entry in config.get("layers", [])]
        if class_name in ("Functional", "Model") and "input_layers" in config:
            for entry in config["layers"]:
                entry["inbound_nodes"] = [_convert_node(node) for node in entry.get("inbound_nodes", [])]
        out = {**spec, "config": config}
        out.setdefault("module", "keras")
        return out
    out = {**spec, "config": _convert_config(config or {})}
    if "name" in spec:
        out["name"] = spec["name"]
    # Keras 2 module paths (``keras.layers.core.dense``) are Keras modules too.
    out.setdefault("module", "keras.layers")
    return out


# ====================================================================== weights
def _legacy_order(layer: Any) -> list:
    """A layer's weights as Keras 2 lists them: the trainable ones, then the others."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _file_layers(group: Any, source: str) -> list[tuple[str, list[np.ndarray]]]:
    names = _attr(group, "layer_names")
    if names is None:
        raise ValueError(f"{source}: not a Keras HDF5 weights file (no 'layer_names' attribute).")
    out = []
    for name in names:
        if name not in group:
            raise ValueError(f"{source}: layer group '{name}' listed in 'layer_names' is missing.")
        layer_group = group[name]
        weight_names = _attr(layer_group, "weight_names", [])
        arrays = []
        for weight_name in weight_names:
            if weight_name not in layer_group:
                raise ValueError(f"{source}: weight '{name}/{weight_name}' listed in 'weight_names' is missing.")
            arrays.append(np.asarray(layer_group[weight_name][()]))
        out.append((name, arrays))
    return out


def read_weights(h5: Any, model: Any, source: str, skip_mismatch: bool = False) -> None:
    """Assign the weights of an open legacy HDF5 file (model or weights file) to ``model``."""
    from unikeras.layers.core import InputLayer
    from unikeras.saving.weights_file import _report

    group = h5["model_weights"] if "model_weights" in h5 else h5
    if not model.built:
        raise ValueError(f"{source}: model '{model.name}' is not built, so it has no weights to load into yet.")
    saved = [(n, a) for n, a in _file_layers(group, source) if a and n != "top_level_model_weights"]
    layers = [layer for layer in model._layers if not isinstance(layer, InputLayer) and layer.weights]
    by_name = {layer.name: layer for layer in layers}
    if all(name in by_name for name, _ in saved):
        pairs = [(by_name[name], name, arrays) for name, arrays in saved]
        unmatched = [layer for layer in layers if layer.name not in {n for n, _ in saved}]
    elif len(saved) == len(layers):
        pairs = [(layer, name, arrays) for layer, (name, arrays) in zip(layers, saved)]
        unmatched = []
    else:
        raise ValueError(
            f"{source}: the file has weights for {len(saved)} layers ({[n for n, _ in saved]}) but model "
            f"'{model.name}' has {len(layers)} layers with weights ({[layer.name for layer in layers]}), and their "
            "names do not match."
        )
    problems = [f"layer '{layer.name}' of the model has no weights in the file" for layer in unmatched]
    plan = []
    for layer, name, arrays in pairs:
        variables = _legacy_order(layer)
        if len(variables) != len(arrays):
            problems.append(f"layer '{layer.name}' has {len(variables)} weights, the file's '{name}' has {len(arrays)}")
            continue
        for variable, array in zip(variables, arrays):
            if tuple(variable.shape) != tuple(array.shape):
                problems.append(
                    f"layer '{layer.name}', weight '{variable.name}': the model expects shape {tuple(variable.shape)}, "
                    f"the file has {array.shape}"
                )
                break
        else:
            plan += list(zip(variables, arrays))
    _report(problems, source, model, skip_mismatch)
    keras_file._assign_all(plan, model)
    if "optimizer_weights" in h5:
        warnings.warn(f"{source}: the optimizer state in the file is not loaded.", stacklevel=3)


# ====================================================================== public
def load_legacy_model(
    filepath: str | os.PathLike,
    custom_objects: dict | None = None,
    compile: bool = True,  # noqa: A002 - Keras's argument name
    safe_mode: bool = True,
) -> Any:
    """A model read from a legacy Keras HDF5 model file, rebuilt on the current backend."""
    from unikeras.models.model import Model

    filepath = os.fspath(filepath)
    with keras_file._open_h5(filepath, filepath) as h5:
        raw = _attr(h5, "model_config")
        if raw is None:
            raise ValueError(
                f"{filepath}: no model config in the file (it is a weights-only HDF5 file?). Build the model and "
                "call model.load_weights() instead."
            )
        try:
            spec = json.loads(raw)
        except (TypeError, json.JSONDecodeError) as err:
            raise ValueError(f"{filepath}: the model_config attribute is not valid JSON ({err}).") from None
        if not isinstance(spec, dict):
            raise ValueError(f"{filepath}: the model_config attribute does not hold a model config.")
        importer = keras_file.KerasImporter(filepath, custom_objects, safe_mode)
        model = importer.layer(convert_spec(spec))
        if not isinstance(model, Model):
            raise ValueError(f"{filepath}: the file holds a {type(model).__name__}, not a model.")
        if not model.built:
            raise ValueError(f"{filepath}: model '{model.name}' has no input shape in the file, so it cannot be built.")
        read_weights(h5, model, filepath)
        training = _attr(h5, "training_config")
    if compile and training:
        try:
            training_config = json.loads(training)
        except json.JSONDecodeError:
            warnings.warn(f"{filepath}: the training_config attribute is not valid JSON; not compiled.", stacklevel=2)
        else:
            keras_file.compile_from_keras(model, training_config, filepath)
    return model


def load_legacy_weights(model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False) -> None:
    """Read a legacy Keras HDF5 weights (or model) file into ``model``."""
    filepath = os.fspath(filepath)
    with keras_file._open_h5(filepath, filepath) as h5:
        if "layers" in h5 or ("vars" in h5 and not is_legacy(h5)):
            keras_file.read_h5_weights(h5, model, filepath, skip_mismatch=skip_mismatch)
            return
        read_weights(h5, model, filepath, skip_mismatch=skip_mismatch)
