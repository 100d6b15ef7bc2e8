"""Public ops, backend-neutral: ``unikeras.ops.matmul(x, w)`` runs on the active backend."""

from unikeras.ops import core, math, nn, numpy
from unikeras.ops.core import *  # noqa: F403
from unikeras.ops.math import *  # noqa: F403
from unikeras.ops.nn import *  # noqa: F403
from unikeras.ops.numpy import *  # noqa: F403

__all__ = [*core.__all__, *math.__all__, *nn.__all__, *numpy.__all__]
