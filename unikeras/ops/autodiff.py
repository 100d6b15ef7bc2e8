"""Forward-mode and custom differentiation (jvp, custom_gradient)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from unikeras.ops.dispatch import active
from unikeras.variables import Variable


def _tensor(x: Any) -> Any:
    b = active()
    if isinstance(x, Variable):
        return x.value
    return x if b.is_tensor(x) else b.convert_to_tensor(x)


def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> tuple:
    """A forward-mode Jacobian-vector product of ``fun``.

    Args:
        fun: function of tensors returning a tensor or a nest of tensors (``(output, aux)`` with
            ``has_aux``).
        primals: the arguments to evaluate ``fun`` at (a tuple or list).
        tangents: one tangent per primal, same shapes.
        has_aux: whether ``fun`` returns ``(output, aux)``.

    Returns:
        ``(fun(*primals), J @ tangents)``, or ``(output, J @ tangents, aux)`` with ``has_aux``.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            f"jvp: `primals` and `tangents` must be tuples or lists. Received: {type(primals).__name__} and "
            f"{type(tangents).__name__}"
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: expected one tangent per primal. Received {len(primals)} primals and {len(tangents)} tangents"
        )
    primals = tuple(_tensor(p) for p in primals)
    tangents = tuple(_tensor(t) for t in tangents)
    b = active()
    for p, t in zip(primals, tangents, strict=True):
        if tuple(b.shape(p)) != tuple(b.shape(t)):
            raise ValueError(
                f"jvp: each tangent must have its primal's shape. Received primal shape {b.shape(p)} and "
                f"tangent shape {b.shape(t)}"
            )
    return b.jvp(fun, primals, tangents, has_aux=has_aux)


def _upstream_keyword(grad_fn: Callable[..., Any]) -> bool:
    """Whether ``grad_fn`` takes Keras's torch-style ``upstream=`` keyword (``grad(*args, upstream)``)."""
    try:
        return "upstream" in inspect.signature(grad_fn).parameters
    except (TypeError, ValueError):
        return False


def custom_gradient(f: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for a function with a custom gradient.

    ``f(*args)`` returns ``(output, grad_fn)``; ``grad_fn`` receives the upstream gradient of
    ``output`` and returns the gradients of the positional ``args`` (one, or a tuple of them). As in
    Keras, ``grad_fn`` may be written ``grad(upstream)`` or ``grad(*args, upstream=None)``: the
    upstream gradient comes as the keyword when ``grad_fn`` has one, positionally otherwise. The
    same code runs on every backend (``torch.autograd.Function``, ``tf.custom_gradient``,
    ``jax.custom_gradient``, ``mxnet.autograd.Function``).

    Returns:
        ``h(*args)`` with the value of ``f(*args)[0]`` and the gradient ``grad_fn`` gives.
    """

    def normalized(*args: Any) -> Any:
        out, grad_fn = f(*args)
        if not callable(grad_fn):
            raise TypeError(
                f"custom_gradient: the decorated function must return (output, grad_fn). Received {type(grad_fn)}"
            )
        if _upstream_keyword(grad_fn):

            def grad(*upstreams: Any) -> Any:
                return grad_fn(upstream=upstreams[0] if len(upstreams) == 1 else upstreams)

        else:
            grad = grad_fn
        return out, grad

    @functools.wraps(f)
    def h(*args: Any) -> Any:
        b = active()
        return b.custom_gradient(normalized)(*(_tensor(a) for a in args))

    return h


jvp._symbolic_aware = True  # takes a function: not an op to record on symbolic tensors
custom_gradient._symbolic_aware = True

__all__ = ["custom_gradient", "jvp"]
