"""Ops on symbolic tensors: ``ops.mean(x, axis=1)`` or ``x + y`` on ``unikeras.Input`` results.

An op called with a KerasTensor among its arguments does not compute anything: it records an
``OpLayer`` node in the functional graph (shapes inferred by running the op on small probe
arrays), and the op runs on real tensors when the model is called.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from unikeras.symbolic import KerasTensor


def has_symbolic(args: tuple, kwargs: dict | None = None) -> bool:
    """True when a KerasTensor is among ``args``/``kwargs`` (directly or inside a list/tuple)."""
    for a in args:
        t = type(a)
        if t is KerasTensor or ((t is list or t is tuple) and KerasTensor in map(type, a)):
            return True
    return bool(kwargs) and has_symbolic(tuple(kwargs.values()))


def symbolic_call(op_name: str, args: tuple, kwargs: dict) -> Any:
    """Record a call of ``unikeras.ops.<op_name>`` on symbolic arguments; returns KerasTensor(s)."""
    from unikeras.layers.op_layer import OpLayer

    return OpLayer.from_call(op_name, args, kwargs)


def symbolic_aware(fn: Callable[..., Any], op_name: str | None = None) -> Callable[..., Any]:
    """Wrap an op written as a Python function so that symbolic arguments record a node."""
    name = op_name or fn.__name__

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        if has_symbolic(args, kwargs):
            return symbolic_call(name, args, kwargs)
        return fn(*args, **kwargs)

    op._symbolic_aware = True
    return op
