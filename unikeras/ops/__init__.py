"""Public ops, backend-neutral: ``unikeras.ops.matmul(x, w)`` runs on the active backend."""

from unikeras.ops import (
    autodiff,
    core,
    core_extra,
    image,  # noqa: F401 - keras.ops.image
    linalg,
    math,
    nn,
    numpy,
    signal,
)
from unikeras.ops.autodiff import *  # noqa: F403
from unikeras.ops.core import *  # noqa: F403
from unikeras.ops.core_extra import *  # noqa: F403
from unikeras.ops.linalg import *  # noqa: F403
from unikeras.ops.math import *  # noqa: F403
from unikeras.ops.nn import *  # noqa: F403
from unikeras.ops.numpy import *  # noqa: F403
from unikeras.ops.rearrange import rearrange
from unikeras.ops.signal import *  # noqa: F403

__all__ = [
    *autodiff.__all__,
    *core.__all__,
    *core_extra.__all__,
    *linalg.__all__,
    *math.__all__,
    *nn.__all__,
    *numpy.__all__,
    *signal.__all__,
    "rearrange",
]

# Ops written as Python functions record a graph node when given KerasTensors, like the primitives.
_NOT_OPS = {"convert_to_tensor", "convert_to_numpy", "is_tensor", "shape", "dtype", "size", "ndim", "value_and_grad"}
# ops taking functions (control flow): their arguments are not tensors to record
_NOT_OPS |= {
    "cond",
    "switch",
    "while_loop",
    "fori_loop",
    "scan",
    "map",
    "vectorized_map",
    "associative_scan",
    "vectorize",
}


def _make_symbolic_aware() -> None:
    from unikeras.ops.symbolic import symbolic_aware

    namespace = globals()
    for name in __all__:
        fn = namespace[name]
        if callable(fn) and name not in _NOT_OPS and not getattr(fn, "_symbolic_aware", False):
            namespace[name] = symbolic_aware(fn, name)


_make_symbolic_aware()


def _make_image_ops_symbolic_aware() -> None:
    from unikeras.ops.symbolic import symbolic_aware

    for name in image.__all__:
        fn = getattr(image, name)
        if callable(fn) and not getattr(fn, "_symbolic_aware", False):
            setattr(image, name, symbolic_aware(fn, f"image.{name}"))


_make_image_ops_symbolic_aware()
