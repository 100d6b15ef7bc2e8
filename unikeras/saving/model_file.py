"""Model files (``.ukeras``): a zip of ``config.json`` and ``model.weights.safetensors``.

``config.json`` holds the format and its version, the unikeras version and the backend that
wrote the file, the model's config (``{"module", "class_name", "registered_name", "config",
"build_config"}``, nested layers in the same form) and the compile config (optimizer, loss and
metrics as ``{"module", "class_name", "config"}``). The weights file is the one
``save_weights`` writes, optimizer state included.

Loading rebuilds the model on the current backend, whatever backend saved it, and never runs
code from the file: classes come from unikeras, ``custom_objects`` or the registry
(``register_serializable``); a Lambda layer, or a class that none of them knows, is refused
unless ``safe_mode=False``.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import warnings
import zipfile
import zlib
from typing import Any

import numpy as np

from unikeras import backends
from unikeras.layers.layer import Layer
from unikeras.saving import keras_file, object_registration, safetensors_io, weights_file
from unikeras.saving.atomic import atomic_write

FORMAT = "unikeras.model"
FORMAT_VERSION = 1
SUFFIX = ".ukeras"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.weights.safetensors"
MAX_CONFIG_BYTES = 64 * 2**20
_KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


# ---------------------------------------------------------------------- saving
def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{value!r} (of type {type(value).__name__}) cannot be written to {CONFIG_NAME}")


def _class_spec(obj: Any) -> dict:
    cls = type(obj)
    spec = {"module": cls.__module__, "class_name": cls.__name__}
    registered = cls if object_registration.is_registered(cls) else None
    base = cls.__bases__[0] if cls.__bases__ else None
    if registered is None and base is not None and base.__name__ == cls.__name__:
        # A Model subclass called with inputs and outputs is an instance of a functional variant of it.
        registered = base if object_registration.is_registered(base) else None
    if registered is not None:
        spec["registered_name"] = object_registration.get_registered_name(registered)
    return spec


def _function_spec(fn: Any) -> dict:
    spec = {"module": getattr(fn, "__module__", None), "name": getattr(fn, "__qualname__", None) or fn.__name__}
    if object_registration.is_registered(fn):
        spec["registered_name"] = object_registration.get_registered_name(fn)
    return spec


def serialize_layer(layer: Layer) -> dict:
    """The spec of ``layer`` with its class's module and registered name; the layers of nested
    Sequential and functional models are specs of the same form."""
    from unikeras.layers.core import InputLayer, Lambda
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    spec = {**_class_spec(layer), "config": layer.get_config()}
    config = spec["config"]
    if isinstance(layer, Sequential) and isinstance(config.get("layers"), list):
        if len(config["layers"]) == len(layer._layers):
            config["layers"] = [serialize_layer(sub) for sub in layer._layers]
    elif isinstance(layer, Functional) and isinstance(config.get("layers"), list):
        by_name = {sub.name: sub for sub in layer._layers}
        for i, entry in enumerate(config["layers"]):
            sub = by_name.get(entry.get("name"))
            if sub is not None and not isinstance(sub, InputLayer):
                config["layers"][i] = {**entry, **serialize_layer(sub)}
    elif isinstance(layer, Lambda):
        spec["function"] = _function_spec(layer.function)
        if layer.output_shape is not None and not callable(layer.output_shape):
            spec["output_shape"] = list(layer.output_shape)
        if layer.arguments:
            spec["arguments"] = layer.arguments
    return spec


def _compile_value(value: Any) -> Any:
    """A compile argument as JSON: names and numbers as they are, lists and dicts item by item,
    objects as ``{"__object__": spec}``, classes as ``{"__class__": spec}`` and functions as
    ``{"__function__": spec}``."""
    from unikeras.losses import Loss, LossFunctionWrapper
    from unikeras.metrics import MeanMetricWrapper, Metric
    from unikeras.optimizers import Optimizer

    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_compile_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _compile_value(v) for k, v in value.items()}
    if isinstance(value, (Optimizer, Loss, Metric)):
        spec = {**_class_spec(value), "config": value.get_config()}
        if type(value) is LossFunctionWrapper:
            spec["function"] = _function_spec(value.fn)
        elif type(value) is MeanMetricWrapper:
            spec["function"] = _function_spec(value._fn)
            spec["config"].pop("fn", None)
        return {"__object__": spec}
    if isinstance(value, type):
        return {"__class__": {"module": value.__module__, "class_name": value.__name__}}
    if callable(value):
        return {"__function__": _function_spec(value)}
    raise TypeError(f"the compile argument {value!r} (of type {type(value).__name__}) cannot be saved")


def _compile_config(model: Any) -> dict | None:
    if not getattr(model, "compiled", False):
        return None
    getter = getattr(model, "get_compile_config", None)
    arguments = getter() if getter is not None else None
    if arguments is None:  # a trainer without get_compile_config: the compiled objects
        arguments = {
            "loss": model.loss,
            "metrics": list(getattr(model, "compiled_metrics", [])),
            "run_eagerly": model.run_eagerly,
            "jit_compile": model.jit_compile,
        }
    arguments = dict(arguments)
    arguments["optimizer"] = model.optimizer  # the instance: its config is the current one
    return {key: _compile_value(value) for key, value in arguments.items()}


def _build_config(model: Any) -> dict | None:
    from unikeras.models.functional import Functional

    shape = getattr(model, "_build_shape", None)
    if isinstance(model, Functional) or shape is None:
        return None
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return {"input_shape": [[None, *s[1:]] for s in shape]}
    return {"input_shape": [None, *shape[1:]]}


def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True, include_optimizer: bool = True) -> None:
    """Write ``model`` (architecture, weights, compile settings and optimizer state) to a ``.ukeras`` file,
    or to a Keras 3 ``.keras`` file (of the optimizer state, only its iteration count and learning rate).

    Args:
        model: the model to save.
        filepath: path ending in ``.ukeras`` or ``.keras``.
        overwrite: replace an existing file; when ``False`` an existing file raises ``FileExistsError``.
        include_optimizer: also store the optimizer's variables (iteration count, slots).
    """
    import unikeras
    from unikeras.models.model import Model

    filepath = os.fspath(filepath)
    if not isinstance(model, Model):
        raise TypeError(f"save_model(): expected a unikeras Model, received {type(model).__name__}.")
    if filepath.endswith(keras_file.SUFFIX):
        keras_file.save_keras_model(model, filepath, overwrite=overwrite, include_optimizer=include_optimizer)
        return
    if filepath.endswith(_KERAS_SUFFIXES):
        raise ValueError(
            f"save_model(): writing legacy HDF5 model files ({filepath}) is not supported; use a `{SUFFIX}` or "
            f"`{keras_file.SUFFIX}` file."
        )
    if not filepath.endswith(SUFFIX):
        raise ValueError(f"The filename must end in `{SUFFIX}`. Received: filepath={filepath}")
    spec = serialize_layer(model)
    build_config = _build_config(model)
    if build_config is not None:
        spec["build_config"] = build_config
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "unikeras_version": unikeras.__version__,
        "backend": model._backend.name if model._backend is not None else backends.current().name,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "model": spec,
        "compile_config": _compile_config(model),
    }
    try:
        text = json.dumps(config, indent=2, default=_json_default)
    except (TypeError, ValueError) as err:
        raise ValueError(f"save_model(): the config of model '{model.name}' cannot be saved: {err}.") from err
    tensors, metadata = weights_file.collect(model, include_optimizer=include_optimizer)
    size = safetensors_io.nbytes(tensors, metadata)
    with atomic_write(filepath, overwrite=overwrite) as f, zipfile.ZipFile(f, "w") as archive:
        archive.writestr(CONFIG_NAME, text, compress_type=zipfile.ZIP_DEFLATED)
        with archive.open(WEIGHTS_NAME, "w", force_zip64=size >= 2**31 - 1) as member:
            safetensors_io.write(member, tensors, metadata)


# ---------------------------------------------------------------------- reading
def read_archive(filepath: str) -> tuple[dict, bytes]:
    """``(config, weights bytes)`` of a ``.ukeras`` file, with clear errors for damaged files."""

    def fail(problem: str) -> ValueError:
        return ValueError(f"{filepath}: {problem}")

    try:
        archive = zipfile.ZipFile(filepath)
    except zipfile.BadZipFile:
        raise fail(f"not a valid `{SUFFIX}` file: it is not a zip archive, or it is truncated or corrupted.") from None
    with archive:
        names = set(archive.namelist())
        for member in (CONFIG_NAME, WEIGHTS_NAME):
            if member not in names:
                raise fail(f"not a valid `{SUFFIX}` file: the archive has no {member} (it holds {sorted(names)}).")
        if archive.getinfo(CONFIG_NAME).file_size > MAX_CONFIG_BYTES:
            raise fail(f"{CONFIG_NAME} is larger than {MAX_CONFIG_BYTES} bytes.")
        try:
            raw_config = archive.read(CONFIG_NAME)
            data = archive.read(WEIGHTS_NAME)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise fail(f"the archive is corrupted ({err}).") from None
    try:
        config = json.loads(raw_config.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise fail(f"{CONFIG_NAME} is not valid JSON ({err}).") from None
    if not isinstance(config, dict):
        raise fail(f"{CONFIG_NAME} must hold a JSON object.")
    fmt = config.get("format")
    if fmt != FORMAT:
        raise fail(f"{CONFIG_NAME} is not a unikeras model config (format {fmt!r}, expected {FORMAT!r}).")
    version = config.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise fail(f"{CONFIG_NAME} has an invalid format_version {version!r}.")
    if version > FORMAT_VERSION:
        raise fail(
            f"the file has format version {version}, written by a newer unikeras "
            f"({config.get('unikeras_version', '?')}); this version reads up to {FORMAT_VERSION}. Upgrade unikeras."
        )
    return config, data


# ---------------------------------------------------------------------- resolving classes
def _builtin_layers() -> dict[str, type]:
    from unikeras import layers
    from unikeras.models.functional import Functional
    from unikeras.models.model import Model
    from unikeras.models.sequential import Sequential

    known = {name: getattr(layers, name) for name in layers.__all__ if isinstance(getattr(layers, name), type)}
    known.update(Sequential=Sequential, Functional=Functional, Model=Model)
    try:
        from unikeras.layers.op_layer import OpLayer

        known["OpLayer"] = OpLayer
    except ImportError:  # pragma: no cover
        pass
    return known


def _is_unikeras(module: Any) -> bool:
    return module is None or module == "unikeras" or str(module).startswith("unikeras.")


class _Resolver:
    """Finds the classes and functions a file names, with the safety rules of ``load_model``."""

    def __init__(self, custom_objects: dict | None, safe_mode: bool, source: str) -> None:
        self.custom_objects = dict(custom_objects or {})
        self.safe_mode = safe_mode
        self.source = source
        self.builtin_layers = _builtin_layers()

    def _custom(self, names: list[str], bare_name: str | None) -> Any:
        for name in names:
            if name in self.custom_objects:
                return self.custom_objects[name]
        scoped = object_registration.scoped_objects()
        for name in names:
            if name in scoped:
                return scoped[name]
        for name in names:
            obj = object_registration.get_registered_object(name)
            if obj is not None:
                return obj
        if bare_name:  # a registered object whose key was not written (a hand-made config)
            matches = [
                obj for key, obj in object_registration.get_custom_objects().items() if key.split(">")[-1] == bare_name
            ]
            if len(matches) == 1:
                return matches[0]
        return None

    def _import(self, module: str, qualname: str, what: str) -> Any:
        try:
            obj: Any = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as err:
            raise ValueError(f"{self.source}: cannot import {what} '{qualname}' from module '{module}': {err}") from err
        return obj

    def _refuse(self, what: str, name: str, module: str | None) -> ValueError:
        where = f" (module '{module}')" if module else ""
        unsafe = f", or, if you trust this file, pass safe_mode=False to import it from '{module}'" if module else ""
        return ValueError(
            f"{self.source}: {what} '{name}'{where} is not a unikeras class and is not registered. "
            f"Register it with @unikeras.saving.register_serializable(), pass custom_objects={{'{name}': ...}}"
            f"{unsafe}."
        )

    def resolve_class(self, spec: dict, base: type | tuple, builtins: Any, what: str) -> type:
        """The class of ``spec`` (``{"module", "class_name", "registered_name"}``), a subclass of ``base``."""
        class_name = spec.get("class_name")
        if not isinstance(class_name, str):
            raise ValueError(f"{self.source}: a {what} entry has no valid 'class_name': {str(spec)[:200]}")
        module, registered = spec.get("module"), spec.get("registered_name")
        names = [n for n in (registered, class_name) if isinstance(n, str)]
        cls = self._custom(names, class_name if registered is None and not _is_unikeras(module) else None)
        if cls is None and _is_unikeras(module):
            cls = builtins(class_name)
            if cls is None:
                raise ValueError(
                    f"{self.source}: unknown {what} class '{class_name}'. It is not part of this unikeras version; "
                    f"if it is a custom class, pass it in custom_objects={{'{class_name}': ...}}."
                )
        if cls is None:
            if self.safe_mode:
                raise self._refuse(f"{what} class", class_name, module)
            cls = self._import(module, class_name, f"{what} class")
        if not (isinstance(cls, type) and issubclass(cls, base)):
            bases = " or ".join(b.__name__ for b in (base if isinstance(base, tuple) else (base,)))
            raise ValueError(f"{self.source}: '{class_name}' resolves to {cls!r}, which is not a {bases} class.")
        return cls

    def layer_class(self, spec: dict) -> type:
        return self.resolve_class(spec, Layer, self.builtin_layers.get, "layer")

    def function(self, spec: dict | None, modules: tuple, what: str) -> Any:
        """A function named in the file (a loss or metric function, a Lambda's function)."""
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ValueError(f"{self.source}: the {what} function is not recorded in the file.")
        name, module, registered = spec["name"], spec.get("module"), spec.get("registered_name")
        fn = self._custom([n for n in (registered, name) if isinstance(n, str)], None)
        if fn is None and _is_unikeras(module):
            for candidate in modules:
                fn = getattr(candidate, name, None)
                if fn is not None:
                    break
        if fn is None:
            if self.safe_mode:
                raise self._refuse(f"{what} function", name, module)
            if not module or "<" in name:
                raise ValueError(
                    f"{self.source}: the {what} function '{name}' cannot be found: pass it in "
                    f"custom_objects={{'{name}': ...}}."
                )
            fn = self._import(module, name, f"{what} function")
        if not callable(fn):
            raise ValueError(f"{self.source}: the {what} function '{name}' resolves to {fn!r}, which is not callable.")
        return fn


def _is_layer_spec(value: dict) -> bool:
    """Layer specs carry the module of their class; objects serialized in Keras's own form
    (``{"module": "keras", "class_name": "DTypePolicy", ...}``) are not layers."""
    module = value.get("module")
    return (
        isinstance(value.get("class_name"), str)
        and isinstance(value.get("config"), dict)
        and isinstance(module, str)
        and module != "keras"
        and not module.startswith("keras.")
    )


def _layer_specs(value: Any) -> list[dict]:
    """Every layer spec (``{"module", "class_name", "config"}``) in a config tree."""
    found = []
    if isinstance(value, dict):
        if _is_layer_spec(value):
            found.append(value)
        for item in value.values():
            found += _layer_specs(item)
    elif isinstance(value, list):
        for item in value:
            found += _layer_specs(item)
    return found


def _check_layers(spec: dict, resolver: _Resolver) -> dict[str, type]:
    """Resolve every layer class in ``spec`` before building anything (so a refused or unknown class
    fails first); returns ``{class_name: class}`` for those that are not built-in."""
    from unikeras.layers.core import Lambda

    custom = {}
    for entry in [spec, *_layer_specs(spec.get("config"))]:
        cls = resolver.layer_class(entry)
        if issubclass(cls, Lambda):
            name = entry.get("config", {}).get("name", "?")
            if resolver.safe_mode:
                raise ValueError(
                    f"{resolver.source}: the model contains Lambda layer '{name}', whose function is Python code. "
                    "Loading it is refused in safe mode. If you trust this file, pass safe_mode=False (and the "
                    "function in custom_objects={'<function name>': function})."
                )
            resolver.function(entry.get("function"), (), "Lambda")
        if resolver.builtin_layers.get(cls.__name__) is not cls:
            custom[entry["class_name"]] = cls
    return custom


# ---------------------------------------------------------------------- rebuilding
class _Builder:
    """Rebuilds layers from specs; nested layers of wrappers (``TimeDistributed``, ``Bidirectional``) and of
    functional configs come back through ``from_config(config, custom_objects=...)`` lookups by class name."""

    def __init__(self, resolver: _Resolver, custom_classes: dict[str, type]) -> None:
        self.resolver = resolver
        self.custom_classes = custom_classes

    def layer(self, spec: dict) -> Layer:
        from unikeras.layers.core import InputLayer, Lambda
        from unikeras.models.functional import Functional
        from unikeras.models.functional_config import functional_from_config
        from unikeras.models.model import Model
        from unikeras.models.sequential import Sequential

        cls = self.resolver.layer_class(spec)
        config = dict(spec.get("config") or {})
        name = config.get("name", "?")
        try:
            if issubclass(cls, Lambda):
                config.pop("build_input_shape", None)
                config.pop("function", None)
                fn = self.resolver.function(spec.get("function"), (), "Lambda")
                return cls(fn, output_shape=spec.get("output_shape"), arguments=spec.get("arguments"), **config)
            if cls is Sequential:
                layers = [self.layer(sub) for sub in config.get("layers", [])]
                if config.get("input_shape"):
                    layers.insert(0, InputLayer(batch_shape=tuple(config["input_shape"])))
                return Sequential(layers, name=config.get("name"), trainable=config.get("trainable", True))
            if cls is Functional or (cls is Model and "input_layers" in config):
                return functional_from_config(Functional, config, custom_objects=self._lookup(config))
            if issubclass(cls, Model) and "input_layers" in config and _inherits_from_config(cls, Model):
                return functional_from_config(cls, config, custom_objects=self._lookup(config))
            if "custom_objects" in _parameters(cls.from_config):
                return cls.from_config(config, custom_objects=self._lookup(config))
            return cls.from_config(config)
        except ValueError as err:
            if str(err).startswith(self.resolver.source):
                raise
            raise ValueError(f"{self.resolver.source}: cannot rebuild layer '{name}' ({cls.__name__}): {err}") from err
        except TypeError as err:
            raise ValueError(
                f"{self.resolver.source}: cannot rebuild layer '{name}' ({cls.__name__}) from its config: {err}. "
                "A custom class must accept the keys of its get_config() in __init__ (or define from_config)."
            ) from err

    def _lookup(self, config: dict) -> dict:
        """``custom_objects`` for ``from_config``: layers of a functional config come back through
        ``self.layer`` (by name), other nested layers by class name."""
        lookup: dict[str, Any] = dict(self.custom_classes)
        entries = {
            e.get("name") or e.get("config", {}).get("name"): e
            for e in config.get("layers", [])
            if isinstance(e, dict) and "class_name" in e
        }
        if entries:
            loader = _SpecLoader(self, entries)
            for entry in entries.values():
                lookup[entry["class_name"]] = loader
        return lookup


class _SpecLoader:
    """Stands in for a class in ``custom_objects``: ``from_config`` rebuilds the spec of that layer name."""

    def __init__(self, builder: _Builder, entries: dict[str, dict]) -> None:
        self.builder = builder
        self.entries = entries

    def from_config(self, config: dict, custom_objects: dict | None = None) -> Layer:
        return self.builder.layer(self.entries[config.get("name")])


def _inherits_from_config(cls: type, base: type) -> bool:
    """Whether ``cls`` keeps ``base``'s ``from_config``."""
    return getattr(cls.from_config, "__func__", None) is getattr(base.from_config, "__func__", None)


def _parameters(fn: Any) -> Any:
    import inspect

    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def _build(model: Any, build_config: dict | None, source: str) -> None:
    from unikeras.models.sequential import Sequential

    if model.built or not build_config or build_config.get("input_shape") is None:
        return
    shape = build_config["input_shape"]
    try:
        if isinstance(model, Sequential):
            model.build_for_input_shape(tuple(shape))
            return
        several = isinstance(shape, list) and bool(shape) and all(isinstance(s, list) for s in shape)

        def zeros(s: list) -> np.ndarray:
            return np.zeros((1, *(1 if d is None else d for d in s[1:])), dtype=model.dtype)

        with backends.activated(backends.current()):
            model([zeros(s) for s in shape] if several else zeros(shape), training=False)
    except Exception as err:
        raise ValueError(f"{source}: cannot build model '{model.name}' for input shape {shape}: {err}") from err


def _compile(model: Any, compile_config: dict, resolver: _Resolver) -> None:
    from unikeras import losses, metrics, optimizers
    from unikeras.losses import Loss, LossFunctionWrapper
    from unikeras.metrics import MeanMetricWrapper, Metric
    from unikeras.optimizers import Optimizer

    modules = (optimizers, losses, metrics)

    def builtin(name: str) -> Any:
        for module in modules:
            found = getattr(module, name, None)
            if isinstance(found, type):
                return found
        return None

    def decode(value: Any) -> Any:
        if isinstance(value, list):
            return [decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__object__" in value:
            spec = value["__object__"]
            if not isinstance(spec, dict):
                raise ValueError(f"{resolver.source}: invalid object in the compile config: {str(spec)[:200]}")
            cls = resolver.resolve_class(spec, (Optimizer, Loss, Metric), builtin, "compile")
            config = dict(spec.get("config") or {})
            if cls in (LossFunctionWrapper, MeanMetricWrapper):
                config.pop("fn", None)
                return cls(resolver.function(spec.get("function"), (losses, metrics), "compile"), **config)
            if "custom_objects" in _parameters(cls.from_config):
                return cls.from_config(config, custom_objects=resolver.custom_objects)
            return cls.from_config(config)
        if "__class__" in value:
            return resolver.resolve_class(value["__class__"], (Optimizer, Loss, Metric), builtin, "compile")
        if "__function__" in value:
            return resolver.function(value["__function__"], (losses, metrics), "compile")
        return {k: decode(v) for k, v in value.items()}

    arguments = {key: decode(value) for key, value in compile_config.items()}
    known = _parameters(model.compile)
    model.compile(**{k: v for k, v in arguments.items() if k in known})


def load_model(
    filepath: str | os.PathLike,
    custom_objects: dict | None = None,
    compile: bool = True,  # noqa: A002 - Keras's argument name
    safe_mode: bool = True,
) -> Any:
    """A model read from a ``.ukeras`` file, rebuilt on the current backend with its weights, compiled
    (optimizer state included) when it was saved compiled; Keras 3 ``.keras`` files and legacy Keras 2
    ``.h5`` model files are read too.

    Args:
        filepath: path of a ``.ukeras``, ``.keras`` or ``.h5`` file.
        custom_objects: ``{name: class or function}`` for custom layers, losses and metrics the file names.
        compile: compile the model as it was saved.
        safe_mode: refuse Lambda layers and classes not known to unikeras, ``custom_objects`` or the
            registry (``register_serializable``); pass ``False`` only for files you trust.
            ``unikeras.config.enable_unsafe_deserialization()`` turns it off for every load.
    """
    from unikeras import config

    safe_mode = bool(safe_mode) and config.in_safe_mode()
    filepath = os.fspath(filepath)
    if filepath.endswith(_KERAS_SUFFIXES):
        from unikeras.saving import legacy_h5

        weights_file.check_exists(filepath, "Keras file")
        load = keras_file.load_keras_model if filepath.endswith(keras_file.SUFFIX) else legacy_h5.load_legacy_model
        return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    weights_file.check_exists(filepath, f"`{SUFFIX}` zip file")
    if not filepath.endswith(SUFFIX):
        raise ValueError(f"File format not supported: filepath={filepath}. unikeras loads `{SUFFIX}` files.")
    config, data = read_archive(filepath)
    spec = config.get("model")
    if not isinstance(spec, dict):
        raise ValueError(f"{filepath}: {CONFIG_NAME} has no model config.")
    resolver = _Resolver(custom_objects, safe_mode, filepath)
    builder = _Builder(resolver, _check_layers(spec, resolver))
    tensors, metadata = safetensors_io.read_bytes(data, f"{filepath} ({WEIGHTS_NAME})")
    weights_file.check_metadata(metadata, f"{filepath} ({WEIGHTS_NAME})")
    model = builder.layer(spec)
    _build(model, spec.get("build_config"), filepath)
    compile_config = config.get("compile_config")
    if compile and compile_config:
        try:
            _compile(model, compile_config, resolver)
        except (ValueError, TypeError) as err:
            warnings.warn(
                f"{filepath}: the model is loaded but not compiled: {err} Compile it yourself, or pass "
                "custom_objects for what is missing.",
                stacklevel=2,
            )
    weights_file.assign(model, tensors, metadata, f"{filepath} ({WEIGHTS_NAME})")
    return model
