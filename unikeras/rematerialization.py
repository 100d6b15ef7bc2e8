"""Rematerialization (Keras's ``remat`` and ``RematScope``): trade compute for memory by recomputing a
function's intermediate values in the backward pass instead of keeping them."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from unikeras.ops.dispatch import active
from unikeras.symbolic import symbolic_leaves

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)
_state = threading.local()


def remat(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` with the same values and gradients, its intermediate values recomputed during the backward
    pass: ``torch.utils.checkpoint`` on torch, ``jax.checkpoint`` on JAX. TensorFlow and MXNet run ``f``
    as it is (their values are kept). Called on symbolic tensors, ``f`` runs as usual.

    Args:
        f: a function of tensors (layers and their weights may be used inside).
    """

    @functools.wraps(f)
    def recomputed(*args: Any, **kwargs: Any) -> Any:
        if symbolic_leaves((args, kwargs)):
            return f(*args, **kwargs)
        return active().remat(f)(*args, **kwargs)

    return recomputed


class RematScope:
    """Inside ``with RematScope(mode):`` ``get_current_remat_mode()`` gives this scope's settings, for
    the code deciding which calls to wrap with ``remat``.

    Args:
        mode: ``"full"`` (every layer), ``"activations"`` (activation functions), ``"larger_than"``
            (layers whose output has more than ``output_size_threshold`` values), ``"list_of_layers"``
            (the layers named in ``layer_names``) or ``None`` (none, e.g. to turn an outer scope off).
        output_size_threshold: the size for ``"larger_than"``.
        layer_names: the names for ``"list_of_layers"``.
    """

    def __init__(self, mode: str | None = "full", output_size_threshold: int = 1024, layer_names: Any = None) -> None:
        if mode not in _MODES:
            raise ValueError(f"RematScope: `mode` must be one of {_MODES}, received {mode!r}.")
        if mode == "list_of_layers" and not layer_names:
            raise ValueError("RematScope: mode='list_of_layers' needs `layer_names`.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self) -> RematScope:
        _stack().append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _stack().pop()


def _stack() -> list[RematScope]:
    if not hasattr(_state, "scopes"):
        _state.scopes = []
    return _state.scopes


def get_current_remat_mode() -> RematScope | None:
    """The innermost open ``RematScope`` whose mode is not ``None``, else ``None``."""
    stack = _stack()
    return stack[-1] if stack and stack[-1].mode is not None else None


__all__ = ["RematScope", "get_current_remat_mode", "remat"]
