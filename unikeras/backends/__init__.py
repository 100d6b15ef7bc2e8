"""The adapter registry: built-in adapters, entry points, run-time registration, the active one.

Adapters load lazily: naming a backend imports nothing; the first use of it imports its
framework. Third-party adapters register under the entry-point group ``unikeras.backends``
(the entry point names a :class:`~unikeras.backends.base.Backend` subclass or instance).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

from unikeras.backends.base import Backend, BackendError

__all__ = ["Backend", "BackendError", "register", "registered", "available", "loaded", "get", "current", "activated"]

ENTRY_POINT_GROUP = "unikeras.backends"

# name -> (adapter "module:Class", framework module, pip extra)
_BUILTIN = {
    "torch": ("unikeras.backends.torch:TorchBackend", "torch", "torch"),
    "tensorflow": ("unikeras.backends.tensorflow:TensorFlowBackend", "tensorflow", "tensorflow"),
    "jax": ("unikeras.backends.jax:JaxBackend", "jax", "jax"),
    "mxnet": ("unikeras.backends.mxnet:MXNetBackend", "mxnet", "mxnet"),
}

_factories: dict[str, Callable[[], Backend]] = {}
_frameworks: dict[str, str] = {}
_extras: dict[str, str] = {}
_loaded: dict[str, Backend] = {}
_entry_points_read = False
_active: Backend | None = None


def _import_target(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _as_factory(adapter: Any) -> Callable[[], Backend]:
    if isinstance(adapter, Backend):
        return lambda: adapter
    if isinstance(adapter, type) and issubclass(adapter, Backend):
        return adapter
    if isinstance(adapter, str):
        return lambda: _instantiate(_import_target(adapter))
    if callable(adapter):
        return lambda: _instantiate(adapter())
    raise TypeError(f"register(): `adapter` must be a Backend subclass or instance, received {adapter!r}")


def _instantiate(obj: Any) -> Backend:
    backend = obj() if isinstance(obj, type) else obj
    if not isinstance(backend, Backend):
        raise TypeError(f"expected a unikeras Backend, received {backend!r}")
    return backend


def register(name: str, adapter: Any, framework: str | None = None, pip_extra: str | None = None) -> None:
    """Register an adapter under ``name`` (replacing one of that name).

    Args:
        name: the name users select, e.g. ``"numpy"``.
        adapter: a ``Backend`` subclass, an instance, a zero-argument factory, or a
            ``"module:Class"`` string imported on first use.
        framework: top-level module of its framework, used by ``available()``.
        pip_extra: the extra that installs the framework, named in import errors.
    """
    _factories[name] = _as_factory(adapter)
    _frameworks[name] = framework or getattr(adapter, "framework", "") or ""
    _extras[name] = pip_extra or getattr(adapter, "pip_extra", "") or ""
    _loaded.pop(name, None)


def _read_entry_points() -> None:
    global _entry_points_read
    if _entry_points_read:
        return
    _entry_points_read = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _factories:
            _factories[ep.name] = _as_factory(ep.value)
            _frameworks[ep.name] = ""
            _extras[ep.name] = ""


def _register_builtins() -> None:
    for name, (target, framework, extra) in _BUILTIN.items():
        register(name, target, framework=framework, pip_extra=extra)


_register_builtins()


def registered() -> list[str]:
    """Every registered backend name, installed or not."""
    _read_entry_points()
    return list(_factories)


def available() -> list[str]:
    """Registered backends whose framework is installed (found without importing it)."""
    names = []
    for name in registered():
        framework = _frameworks.get(name)
        if not framework or importlib.util.find_spec(framework) is not None:
            names.append(name)
    return names


def loaded() -> list[Backend]:
    """The adapters whose framework has been imported so far."""
    return list(_loaded.values())


def check_name(name: str) -> str:
    """Return ``name`` if registered, else raise ``ValueError`` listing the valid names."""
    if name in _factories:  # built-in or registered in-process: no need to scan entry points
        return name
    if name not in registered():
        raise ValueError(f"Unknown backend {name!r}. Valid backends: {', '.join(sorted(registered()))}.")
    return name


def get(name: str) -> Backend:
    """The adapter instance for ``name``, importing its framework on first use."""
    backend = _loaded.get(name)
    if backend is not None:
        return backend
    check_name(name)
    try:
        backend = _factories[name]()
    except ImportError as err:
        framework = _frameworks.get(name) or name
        extra = _extras.get(name)
        hint = f' Install it with: pip install "unikeras[{extra}]"' if extra else ""
        others = [n for n in available() if n != name]
        if others:
            hint += (
                f" Or pick an installed backend ({', '.join(others)}): UNIKERAS_BACKEND={others[0]}, or "
                f'unikeras.config.set_backend("{others[0]}").'
            )
        raise ImportError(
            f"Backend {name!r} needs the {framework!r} package, which failed to import: {err}.{hint}"
        ) from err
    from unikeras import config

    backend.set_float32_matmul_precision(config.float32_matmul_precision())
    _loaded[name] = backend
    return backend


def current() -> Backend:
    """The active adapter: the one ``activated`` set, else the configured backend."""
    return _active or _activate_configured()


def _activate_configured() -> Backend:
    global _active
    from unikeras import config

    _active = get(config.backend())
    return _active


def _reset_active() -> None:
    """Forget the cached active adapter (``config.set_backend`` calls this)."""
    global _active
    _active = None


@contextlib.contextmanager
def activated(backend: Backend) -> Iterator[Backend]:
    """Make ``backend`` the one ``unikeras.ops`` dispatches to, inside the block."""
    global _active
    previous = _active
    _active = backend
    try:
        yield backend
    finally:
        _active = previous
