"""Keras's top-level scopes: ``StatelessScope``, ``SymbolicScope``, ``name_scope`` and ``device``."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import numpy as np

from unikeras import variables


class StatelessScope(variables.StatelessScope):
    """Inside ``with StatelessScope(state_mapping):`` variables read the values mapped to them, and
    ``assign`` records the new value in the scope (``get_current_value``) instead of changing the
    variable: the way to run stateful layer code as a pure function.

    Args:
        state_mapping: ``[(variable, value), ...]`` or ``{variable: value}``; each value is converted
            to a tensor of the variable's dtype on its backend and must have its shape.
        collect_losses: accepted for Keras compatibility (unikeras layers keep their own losses).
        initialize_variables: accepted for Keras compatibility (unikeras variables are created
            initialized).
    """

    __slots__ = ("collect_losses", "initialize_variables", "losses")

    def __init__(
        self,
        state_mapping: Iterable[tuple[Any, Any]] | dict | None = None,
        collect_losses: bool = False,
        initialize_variables: bool = True,
    ) -> None:
        pairs = state_mapping.items() if isinstance(state_mapping, dict) else (state_mapping or ())
        mapping = {}
        for variable, value in pairs:
            if not isinstance(variable, variables.Variable):
                raise ValueError(
                    "StatelessScope: every key of `state_mapping` must be a unikeras Variable, received "
                    f"{variable!r} (of type {type(variable).__name__})."
                )
            backend = variable.backend
            tensor = backend.convert_to_tensor(value, variable.dtype)
            if tuple(backend.shape(tensor)) != tuple(variable.shape):
                raise ValueError(
                    f"StatelessScope: the value for variable '{variable.name}' has shape "
                    f"{tuple(np.shape(value))}, expected {tuple(variable.shape)}."
                )
            mapping[variable] = tensor
        super().__init__(mapping)
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses: list[Any] = []

    def get_current_value(self, variable: Any) -> Any:
        """The value the scope holds for ``variable`` (mapped or assigned inside it), else ``None``."""
        return self.get(variable)

    def add_loss(self, loss: Any) -> None:
        self.losses.append(loss)


_state = threading.local()


def _stack(name: str) -> list:
    stack = getattr(_state, name, None)
    if stack is None:
        stack = []
        setattr(_state, name, stack)
    return stack


class SymbolicScope:
    """Marks code as running on symbolic tensors (shape inference); ``in_symbolic_scope()`` tells."""

    def __enter__(self) -> SymbolicScope:
        _stack("symbolic").append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _stack("symbolic").pop()


def in_symbolic_scope() -> bool:
    """Whether a ``SymbolicScope`` is open."""
    return bool(_stack("symbolic"))


def get_symbolic_scope() -> SymbolicScope | None:
    """The innermost open ``SymbolicScope``, or ``None``."""
    stack = _stack("symbolic")
    return stack[-1] if stack else None


class name_scope:  # noqa: N801 - Keras's name
    """Open a sub-namespace: ``current_path()`` is the ``/``-joined names of the open scopes.

    Args:
        name: the scope name (no ``/``).
        caller: the object opening the scope; with ``deduplicate``, reopening the innermost scope's
            name for the same caller adds no level.
        deduplicate: see ``caller``.
        override_parent: an absolute path replacing the names of the scopes opened before.
    """

    def __init__(
        self, name: str, caller: Any = None, deduplicate: bool = True, override_parent: str | None = None
    ) -> None:
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"name_scope: `name` must be a string without '/', received {name!r}.")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self) -> name_scope:
        stack = _stack("names")
        if self.deduplicate and stack and self.caller is not None:
            top = stack[-1]
            if top.caller is self.caller and top.name == self.name:
                return self
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pushed:
            _stack("names").pop()
            self._pushed = False


def current_path() -> str:
    """The path of the open ``name_scope`` s (``""`` when none is open)."""
    parts: list[str] = []
    for scope in _stack("names"):
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)


def device(device_name: str) -> Any:
    """``with unikeras.device("gpu:0"):`` places the tensors created inside on that device.

    Args:
        device_name: ``"<kind>:<index>"`` (``"cpu:0"``, ``"gpu:1"``; ``"cuda:0"`` is read as ``"gpu:0"``;
            the index defaults to 0), one of ``unikeras.distribution.list_devices()``.
    """
    from unikeras import backends, config

    if not isinstance(device_name, str) or not device_name:
        raise ValueError(f"device(): `device_name` must be a string such as 'cpu:0', received {device_name!r}.")
    kind, _, index = device_name.lower().partition(":")
    kind = "gpu" if kind == "cuda" else kind
    name = f"{kind}:{index or 0}"
    adapter = backends.get(config.backend())
    available = {
        ("gpu" if d.split(":")[0] in ("cuda", "gpu") else d.split(":")[0]) + ":" + d.split(":")[-1]
        for d in adapter.list_devices()
    }
    if name not in available:
        raise ValueError(
            f"device(): backend {adapter.name!r} has no device {device_name!r}; its devices are {sorted(available)}."
        )
    return adapter.device_scope(name)


__all__ = [
    "StatelessScope",
    "SymbolicScope",
    "current_path",
    "device",
    "get_symbolic_scope",
    "in_symbolic_scope",
    "name_scope",
]
