"""Weights files (``.weights.safetensors``): a model's variables, and its optimizer's, by name.

Keys are paths through the layer tree: a sub-layer is named by the public attribute that holds
it (``self.encoder = Dense(...)`` gives ``encoder``), else by its class in snake case, numbered
within its parent in order (``dense``, ``dense_1``, ... as Keras 3 names the layers of a model);
then the variable's name (``dense_1/kernel``, ``bidirectional/forward_layer/bias``). These keys
do not depend on the global layer-name counter, so a model built twice in one process, or in
another process or on another backend, has the same keys.

Besides the weights (trainable and not), the file holds

* each seed generator's ``[seed, counter]`` (``dropout/seed_generator``), so dropout resumes the
  same random stream;
* when the model is compiled and its optimizer built, the optimizer's variables in order
  (``optimizer/0/iteration``, ``optimizer/1/learning_rate``, ``optimizer/2/kernel_momentum``...);
* in ``__metadata__``: the format and its version, the unikeras version and backend that wrote
  it, ``weights_order`` (the weight keys in ``model.get_weights()`` order), ``seed_generators``
  and the optimizer's class.

Loading matches keys by name and checks every shape before it changes anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from typing import Any

import numpy as np

from unikeras import backends
from unikeras.layers.layer import Layer, to_snake_case
from unikeras.saving import safetensors_io
from unikeras.saving.atomic import atomic_write

FORMAT = "unikeras.weights"
FORMAT_VERSION = 1
SUFFIX = ".weights.safetensors"
OPTIMIZER_PREFIX = "optimizer/"
_SEED_NAME = "seed_generator"


class MissingFileError(FileNotFoundError, ValueError):
    """A file to load does not exist (a ``ValueError`` too, as Keras raises for ``load_model``)."""


def check_exists(filepath: str, kind: str) -> None:
    if not os.path.exists(filepath):
        raise MissingFileError(f"File not found: filepath={filepath}. Please ensure it is an accessible {kind}.")
    if os.path.isdir(filepath):
        raise ValueError(f"{filepath} is a folder, not a {kind}.")


# ---------------------------------------------------------------------- naming
def _child_names(parent: Layer, used: set[str]) -> list[tuple[str, Layer]]:
    """``(path segment, child)`` for each direct sub-layer of ``parent``, in order."""
    attrs: dict[int, str] = {}
    for attr, value in vars(parent).items():
        if isinstance(value, Layer) and not attr.startswith("_"):
            attrs.setdefault(id(value), attr)
    named = []
    for child in parent._layers:
        named.append((_unique(attrs.get(id(child)) or to_snake_case(type(child).__name__), used), child))
    return named


def _unique(base: str, used: set[str]) -> str:
    name, i = base, 0
    while name in used:
        i += 1
        name = f"{base}_{i}"
    used.add(name)
    return name


def model_entries(model: Layer) -> tuple[dict[str, Any], dict[str, Any]]:
    """``({key: weight Variable}, {key: SeedGenerator})`` of ``model``, in depth-first order."""
    weights: dict[str, Any] = {}
    seeds: dict[str, Any] = {}
    seen_layers: set[int] = set()
    seen_variables: set[int] = set()

    def visit(layer: Layer, prefix: str, reserved: tuple[str, ...] = ()) -> None:
        if id(layer) in seen_layers:
            return
        seen_layers.add(id(layer))
        used: set[str] = set()
        for variable in layer._own_weights:
            if id(variable) not in seen_variables:
                seen_variables.add(id(variable))
                weights[prefix + _unique(variable.name, used)] = variable
        for generator in layer._seed_generators:
            seeds[prefix + _unique(_SEED_NAME, used)] = generator
        for name, child in _child_names(layer, set(reserved)):
            visit(child, f"{prefix}{name}/")

    visit(model, "", reserved=(OPTIMIZER_PREFIX.rstrip("/"),))
    return weights, seeds


def _optimizer_of(model: Any) -> Any:
    """The optimizer of a compiled model (``None`` when not compiled)."""
    return getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None


def optimizer_entries(optimizer: Any) -> dict[str, Any]:
    return {f"{OPTIMIZER_PREFIX}{i}/{v.name}": v for i, v in enumerate(optimizer.variables)}


# ---------------------------------------------------------------------- values
def _numpy_dtype(dtype: str) -> np.dtype | None:
    try:
        return np.dtype(dtype)
    except TypeError:
        return None  # bfloat16 and other dtypes NumPy lacks


def _to_numpy(variable: Any) -> np.ndarray:
    array = np.asarray(variable.numpy())
    dtype = _numpy_dtype(variable.dtype)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)  # e.g. int64 kept as int32 by JAX without x64: store the declared dtype
    return array


def _assign(variable: Any, array: np.ndarray) -> None:
    b = variable.backend
    dtype = _numpy_dtype(variable.dtype)
    if dtype is not None:
        variable.assign(b.convert_to_tensor(array.astype(dtype, copy=False)))
    else:
        variable.assign(b.convert_to_tensor(array.astype(np.float32), variable.dtype))


def _backend_of(model: Any) -> Any:
    backend = getattr(model, "_backend", None)
    return backends.activated(backend) if backend is not None else contextlib.nullcontext()


def collect(model: Any, include_optimizer: bool = True) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """``(tensors, metadata)`` of ``model`` for a weights file."""
    import unikeras

    weights, seeds = model_entries(model)
    tensors: dict[str, np.ndarray] = {}
    with _backend_of(model):
        for key, variable in weights.items():
            tensors[key] = _to_numpy(variable)
        for key, generator in seeds.items():
            tensors[key] = np.array([generator.base, int(np.asarray(generator.state.numpy()))], dtype=np.int64)
        optimizer = _optimizer_of(model) if include_optimizer else None
        if optimizer is not None and optimizer.built:
            for key, variable in optimizer_entries(optimizer).items():
                tensors[key] = _to_numpy(variable)
    order = {id(v): k for k, v in weights.items()}
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "unikeras_version": unikeras.__version__,
        "backend": model._backend.name if getattr(model, "_backend", None) is not None else "",
        "weights_order": json.dumps([order[id(v)] for v in model.weights if id(v) in order]),
        "seed_generators": json.dumps(list(seeds)),
    }
    if optimizer is not None and optimizer.built:
        metadata["optimizer"] = type(optimizer).__name__
    return tensors, metadata


def check_metadata(metadata: dict, source: str) -> None:
    """Refuse files of another format or of a newer format version."""
    fmt = metadata.get("format")
    if fmt is not None and fmt != FORMAT:
        raise ValueError(f"{source}: not a unikeras weights file (its format is {fmt!r}, expected {FORMAT!r}).")
    version = metadata.get("format_version", "1")
    try:
        version_number = int(version)
    except ValueError:
        raise ValueError(f"{source}: invalid format_version {version!r} in the weights file's metadata.") from None
    if version_number > FORMAT_VERSION:
        raise ValueError(
            f"{source}: weights format version {version_number} was written by a newer unikeras "
            f"({metadata.get('unikeras_version', '?')}); this version reads up to {FORMAT_VERSION}. Upgrade unikeras."
        )


# ---------------------------------------------------------------------- loading
def _report(problems: list[str], source: str, model: Any, skip_mismatch: bool) -> None:
    if not problems:
        return
    listing = "\n".join(f"  - {p}" for p in problems[:20]) + (
        f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    )
    if skip_mismatch:
        warnings.warn(
            f"{source}: skipped while loading into model '{model.name}' (skip_mismatch=True):\n{listing}",
            stacklevel=4,
        )
        return
    raise ValueError(
        f"{source}: the weights do not match model '{model.name}':\n{listing}\n"
        "Pass skip_mismatch=True to load the weights that match and skip the others."
    )


def assign(
    model: Any, tensors: dict[str, np.ndarray], metadata: dict, source: str, skip_mismatch: bool = False
) -> None:
    """Load ``tensors`` into ``model`` (and its optimizer, when compiled) by key.

    Everything is checked first; on an error (without ``skip_mismatch``) nothing is changed."""
    check_metadata(metadata, source)
    model_tensors = {k: v for k, v in tensors.items() if not k.startswith(OPTIMIZER_PREFIX)}
    optimizer_tensors = {k: v for k, v in tensors.items() if k.startswith(OPTIMIZER_PREFIX)}
    if not model.built and model_tensors:
        raise ValueError(
            f"{source}: model '{model.name}' is not built, so it has no weights to load into yet. "
            "Call it on a batch of data (or build it with an input shape) first."
        )
    weights, seeds = model_entries(model)
    try:
        saved_seeds = set(json.loads(metadata.get("seed_generators", "[]")))
    except json.JSONDecodeError:
        raise ValueError(f"{source}: invalid `seed_generators` in the metadata.") from None
    problems: list[str] = []
    plan: list[tuple[Any, np.ndarray]] = []
    for key, variable in weights.items():
        if key not in model_tensors:
            problems.append(f"weight '{key}' (shape {variable.shape}) of the model is missing from the file")
            continue
        array = model_tensors[key]
        if tuple(array.shape) != tuple(variable.shape):
            problems.append(f"weight '{key}': the model expects shape {variable.shape}, the file has {array.shape}")
            continue
        plan.append((variable, array))
    # Seed-generator positions are optional both ways: they are random-stream state, not learned values.
    seed_plan = []
    for key, generator in seeds.items():
        if key in model_tensors:
            array = model_tensors[key]
            if array.shape != (2,) or array.dtype.kind not in "iu":
                problems.append(f"seed generator '{key}': expected 2 integers [seed, counter], found {array.shape}")
            else:
                seed_plan.append((generator, int(array[0]), int(array[1])))
    known = set(weights) | set(seeds) | saved_seeds
    problems += [
        f"weight '{k}' (shape {tuple(v.shape)}) in the file has no match in the model"
        for k, v in model_tensors.items()
        if k not in known
    ]
    _report(problems, source, model, skip_mismatch)
    optimizer_plan = _optimizer_plan(model, optimizer_tensors, metadata, source, skip_mismatch)
    with _backend_of(model):
        for variable, array in plan + optimizer_plan:
            _assign(variable, array)
        reseeded = False
        for generator, seed, counter in seed_plan:
            reseeded |= generator.base != seed
            generator.base = seed
            generator.state.assign(generator.state.backend.convert_to_tensor(np.asarray(counter, np.int32)))
    if reseeded and isinstance(getattr(model, "_step_functions", None), dict):
        model._step_functions = {}  # compiled steps hold the old seeds as constants


def _optimizer_plan(
    model: Any, tensors: dict[str, np.ndarray], metadata: dict, source: str, skip_mismatch: bool
) -> list[tuple[Any, np.ndarray]]:
    optimizer = _optimizer_of(model)
    if not tensors or optimizer is None:
        return []  # no saved state, or nothing to restore it into (as Keras: the state is ignored)
    saved_class = metadata.get("optimizer")
    if saved_class and saved_class != type(optimizer).__name__:
        warnings.warn(
            f"{source}: the optimizer state was saved from {saved_class} but model '{model.name}' is compiled with "
            f"{type(optimizer).__name__}; its state is not loaded.",
            stacklevel=3,
        )
        return []
    by_index: dict[int, tuple[str, np.ndarray]] = {}
    for key, array in tensors.items():
        index = key[len(OPTIMIZER_PREFIX) :].split("/", 1)[0]
        if not index.isdigit() or int(index) in by_index:
            raise ValueError(f"{source}: invalid optimizer variable key {key!r}.")
        by_index[int(index)] = (key, array)
    if sorted(by_index) != list(range(len(by_index))):
        raise ValueError(f"{source}: the optimizer variables are not numbered 0..{len(by_index) - 1}.")
    if not optimizer.built:
        with _backend_of(model):
            optimizer.build(model.trainable_variables)
    variables = optimizer.variables
    problems = []
    if len(variables) != len(by_index):
        problems.append(
            f"optimizer '{optimizer.name}' has {len(variables)} variables but the file holds {len(by_index)}"
        )
    else:
        for i, variable in enumerate(variables):
            key, array = by_index[i]
            if tuple(array.shape) != tuple(variable.shape):
                problems.append(
                    f"optimizer variable '{key}': the optimizer expects shape {variable.shape}, the file has "
                    f"{array.shape}"
                )
    if problems:
        _report(
            [*problems, "(the optimizer state is not loaded)"] if skip_mismatch else problems,
            source,
            model,
            skip_mismatch,
        )
        return []
    return [(variable, by_index[i][1]) for i, variable in enumerate(variables)]


# ---------------------------------------------------------------------- public
def save_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Write ``model``'s weights (and its optimizer's state, once built) to a ``.weights.safetensors`` file,
    or its weights to a Keras 3 ``.weights.h5`` file."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".weights.h5"):
        from unikeras.saving import keras_file

        keras_file.save_keras_weights(model, filepath, overwrite=overwrite)
        return
    if not filepath.endswith(SUFFIX):
        raise ValueError(
            f"The filename must end in `{SUFFIX}`. Received: filepath={filepath} "
            "(a Keras 3 weights file ends in `.weights.h5`)."
        )
    tensors, metadata = collect(model)
    with atomic_write(filepath, overwrite=overwrite) as f:
        safetensors_io.write(f, tensors, metadata)


def load_weights(model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False) -> None:
    """Load weights saved by ``save_weights`` (or the weights inside a ``.ukeras`` file) into ``model``;
    Keras 3 ``.weights.h5`` and ``.keras`` files and legacy Keras ``.h5`` weights are read too."""
    from unikeras.saving import model_file

    filepath = os.fspath(filepath)
    if filepath.endswith(model_file.SUFFIX):
        check_exists(filepath, f"`{model_file.SUFFIX}` file")
        _, data = model_file.read_archive(filepath)
        source = f"{filepath} ({model_file.WEIGHTS_NAME})"
    elif filepath.endswith((".h5", ".hdf5", ".keras")):
        from unikeras.saving import keras_file, legacy_h5

        check_exists(filepath, "Keras weights file")
        if filepath.endswith((".weights.h5", ".keras")):
            keras_file.load_keras_weights(model, filepath, skip_mismatch=skip_mismatch)
        else:
            legacy_h5.load_legacy_weights(model, filepath, skip_mismatch=skip_mismatch)
        return
    elif filepath.endswith(SUFFIX):
        check_exists(filepath, f"`{SUFFIX}` file")
        with open(filepath, "rb") as f:
            data = f.read()
        source = filepath
    else:
        raise ValueError(
            f"File format not supported: filepath={filepath}. load_weights reads `{SUFFIX}` files "
            f"(written by save_weights) and `{model_file.SUFFIX}` files."
        )
    tensors, metadata = safetensors_io.read_bytes(data, source)
    assign(model, tensors, metadata, source, skip_mismatch=skip_mismatch)
