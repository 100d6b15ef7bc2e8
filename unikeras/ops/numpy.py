"""NumPy-like ops (Keras's ``keras.ops.numpy``), dispatched to the active backend."""

from __future__ import annotations

import builtins
import math
import numbers
from typing import Any

from unikeras import config
from unikeras.ops.core import shape as _shape
from unikeras.ops.dispatch import active, primitive

add = primitive("add")
subtract = primitive("subtract")
multiply = primitive("multiply")
divide = primitive("divide")
floor_divide = primitive("floor_divide")
mod = primitive("mod")
power = primitive("power")
maximum = primitive("maximum")
minimum = primitive("minimum")
negative = primitive("negative")
abs = primitive("abs")  # noqa: A001 - Keras's name
sign = primitive("sign")
square = primitive("square")
sqrt = primitive("sqrt")
exp = primitive("exp")
expm1 = primitive("expm1")
log = primitive("log")
log1p = primitive("log1p")
sin = primitive("sin")
cos = primitive("cos")
tanh = primitive("tanh")
floor = primitive("floor")
ceil = primitive("ceil")
where = primitive("where")
equal = primitive("equal")
not_equal = primitive("not_equal")
less = primitive("less")
less_equal = primitive("less_equal")
greater = primitive("greater")
greater_equal = primitive("greater_equal")
logical_and = primitive("logical_and")
logical_or = primitive("logical_or")
logical_not = primitive("logical_not")
isnan = primitive("isnan")
isfinite = primitive("isfinite")
sum = primitive("sum")  # noqa: A001 - Keras's name
mean = primitive("mean")
max = primitive("max")  # noqa: A001 - Keras's name
min = primitive("min")  # noqa: A001 - Keras's name
prod = primitive("prod")
var = primitive("var")
argmax = primitive("argmax")
argmin = primitive("argmin")
any = primitive("any")  # noqa: A001 - Keras's name
all = primitive("all")  # noqa: A001 - Keras's name
cumsum = primitive("cumsum")
cumprod = primitive("cumprod")
sort = primitive("sort")
argsort = primitive("argsort")
_reshape = primitive("reshape")
transpose = primitive("transpose")
expand_dims = primitive("expand_dims")
squeeze = primitive("squeeze")
broadcast_to = primitive("broadcast_to")
concatenate = primitive("concatenate")
stack = primitive("stack")
split = primitive("split")
take = primitive("take")
take_along_axis = primitive("take_along_axis")
tile = primitive("tile")
repeat = primitive("repeat")
flip = primitive("flip")
roll = primitive("roll")
matmul = primitive("matmul")
einsum = primitive("einsum")
tensordot = primitive("tensordot")
_zeros = primitive("zeros")
_ones = primitive("ones")
_full = primitive("full")
_arange = primitive("arange")
eye = primitive("eye")
zeros_like = primitive("zeros_like")
ones_like = primitive("ones_like")
copy = primitive("copy")
absolute = abs
amax = max
amin = min


def _as_shape(shape: Any) -> tuple:
    """A shape given as one int (``ops.ones(3)``) or a sequence, as a tuple."""
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(shape)


def reshape(x: Any, newshape: Any) -> Any:
    """``np.reshape``; ``newshape`` an int or a tuple, with at most one ``-1``."""
    return _reshape(x, _as_shape(newshape))


def zeros(shape: Any, dtype: str | None = None) -> Any:
    """``np.zeros``; ``dtype`` defaults to ``floatx()``."""
    return _zeros(_as_shape(shape), dtype or config.floatx())


def ones(shape: Any, dtype: str | None = None) -> Any:
    """``np.ones``; ``dtype`` defaults to ``floatx()``."""
    return _ones(_as_shape(shape), dtype or config.floatx())


def full(shape: Any, fill_value: Any, dtype: str | None = None) -> Any:
    """``np.full``; ``dtype`` defaults to ``floatx()``."""
    return _full(_as_shape(shape), fill_value, dtype or config.floatx())


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: str | None = None) -> Any:
    """``np.arange``; without ``dtype``: ``int32`` for integer arguments, else ``floatx()``."""
    if dtype is None:
        bounds = [v for v in (start, stop, step) if v is not None]
        dtype = "int32" if builtins.all(isinstance(v, numbers.Integral) for v in bounds) else config.floatx()
    return _arange(start, stop, step, dtype)


def clip(x: Any, x_min: Any, x_max: Any) -> Any:
    """``np.clip`` with scalar bounds."""
    return active().clip(x, x_min, x_max)


def round(x: Any, decimals: int = 0) -> Any:  # noqa: A001 - Keras's name
    """``np.round``: halves to even, to ``decimals`` places."""
    backend = active()
    if decimals == 0:
        return backend.round(x)
    factor = 10.0**decimals
    return backend.divide(backend.round(backend.multiply(x, factor)), factor)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Any:
    """``np.pad`` (mode ``"constant"``); ``pad_width`` as in NumPy."""
    if mode != "constant":
        raise ValueError(f"pad(): only mode='constant' is supported, received mode={mode!r}.")
    backend = active()
    ndim = len(backend.shape(x))
    widths = [tuple(int(v) for v in w) for w in _expand_pad_width(pad_width, ndim)]
    return backend.pad(x, widths, 0 if constant_values is None else constant_values)


def _expand_pad_width(pad_width: Any, ndim: int) -> list:
    if isinstance(pad_width, int):
        return [(pad_width, pad_width)] * ndim
    pad_width = list(pad_width)
    if len(pad_width) == 2 and builtins.all(isinstance(v, numbers.Integral) for v in pad_width):
        return [tuple(pad_width)] * ndim
    if len(pad_width) == 1:
        return [tuple(pad_width[0])] * ndim
    return pad_width


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``np.std`` (``ddof=0``)."""
    backend = active()
    return backend.sqrt(backend.var(x, axis=axis, keepdims=keepdims))


def size(x: Any) -> int:
    """Number of elements."""
    return math.prod(_shape(x))


def ndim(x: Any) -> int:
    """Number of axes."""
    return len(_shape(x))


__all__ = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "floor_divide",
    "mod",
    "power",
    "maximum",
    "minimum",
    "negative",
    "abs",
    "sign",
    "square",
    "sqrt",
    "exp",
    "expm1",
    "log",
    "log1p",
    "sin",
    "cos",
    "tanh",
    "floor",
    "ceil",
    "where",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "logical_not",
    "isnan",
    "isfinite",
    "sum",
    "mean",
    "max",
    "min",
    "prod",
    "var",
    "argmax",
    "argmin",
    "any",
    "all",
    "cumsum",
    "cumprod",
    "sort",
    "argsort",
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "broadcast_to",
    "concatenate",
    "stack",
    "split",
    "take",
    "take_along_axis",
    "tile",
    "repeat",
    "flip",
    "roll",
    "matmul",
    "einsum",
    "tensordot",
    "zeros",
    "ones",
    "full",
    "arange",
    "eye",
    "zeros_like",
    "ones_like",
    "copy",
    "absolute",
    "amax",
    "amin",
    "clip",
    "round",
    "pad",
    "std",
    "size",
    "ndim",
]


# more NumPy ops (cosh, nanmean, quantile, vstack, tril, ...), composed in their own module
from unikeras.ops import numpy_bits as _numpy_bits  # noqa: E402
from unikeras.ops import numpy_extra as _numpy_extra  # noqa: E402
from unikeras.ops import numpy_extra2 as _numpy_extra2  # noqa: E402
from unikeras.ops import numpy_sets as _numpy_sets  # noqa: E402
from unikeras.ops.core import get_item  # noqa: E402,F401 - also keras.ops.numpy.get_item
from unikeras.ops.linalg import slogdet  # noqa: E402,F401 - also keras.ops.numpy.slogdet
from unikeras.ops.numpy_bits import *  # noqa: E402,F403
from unikeras.ops.numpy_extra import *  # noqa: E402,F403
from unikeras.ops.numpy_extra2 import *  # noqa: E402,F403
from unikeras.ops.numpy_sets import *  # noqa: E402,F403

__all__ += _numpy_extra.__all__ + _numpy_extra2.__all__ + _numpy_bits.__all__ + _numpy_sets.__all__
