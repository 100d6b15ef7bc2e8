"""Public ops, backend-neutral: ``unikeras.ops.matmul(x, w)`` runs on the active backend."""

from unikeras.ops.core import *  # noqa: F403
from unikeras.ops.core import slice  # noqa: A004
from unikeras.ops.math import *  # noqa: F403
from unikeras.ops.nn import *  # noqa: F403
from unikeras.ops.numpy import *  # noqa: F403
from unikeras.ops.numpy import abs, all, any, max, min, round, sum  # noqa: A004
