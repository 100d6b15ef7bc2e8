"""Thin dispatch from public ops to the active backend's primitive of the same name."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from unikeras import backends
from unikeras.backends.base import Backend
from unikeras.ops.symbolic import has_symbolic, symbolic_call
from unikeras.variables import Variable


def _unwrap(args: tuple) -> tuple:
    return tuple(a.value if isinstance(a, Variable) else a for a in args)


def primitive(name: str) -> Callable[..., Any]:
    """A public op calling ``Backend.<name>`` on the active backend (Variables read as values;
    KerasTensor arguments record a functional-graph node instead)."""
    contract = getattr(Backend, name)

    @functools.wraps(contract)
    def op(*args: Any, **kwargs: Any) -> Any:
        backend = backends._active or backends.current()
        if Variable in map(type, args):
            args = _unwrap(args)
        elif has_symbolic(args, kwargs):
            return symbolic_call(name, args, kwargs)
        return getattr(backend, name)(*args, **kwargs)

    op._symbolic_aware = True

    op.__qualname__ = name
    del op.__wrapped__  # show the contract's signature without `self`, not the method's
    signature = inspect.signature(contract)
    op.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    return op


def active() -> Backend:
    """The backend ops dispatch to."""
    return backends._active or backends.current()
