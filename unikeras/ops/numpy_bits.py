"""Integer ops of ``keras.ops`` composed from arithmetic: bitwise logic and shifts, ``gcd`` and ``lcm``;
plus ``cdist``, ``erfinv`` and ``vectorize``.

The contract has no bitwise primitives: ``bitwise_and`` / ``or`` / ``xor`` take the integers apart bit
by bit with NumPy's floor division and modulo (which give the two's-complement bits of negative
numbers too) and put the result together again; shifts multiply or floor-divide by powers of two.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from unikeras.ops.dispatch import active
from unikeras.ops.numpy_extra import _float, _ndim, _t


def _int_pair(x: Any, y: Any, name: str) -> tuple[Any, Any, str]:
    b = active()
    x, y = _t(x), _t(y)
    dtypes = {b.dtype_name(x), b.dtype_name(y)}
    if any(not d.startswith(("int", "uint", "bool")) for d in dtypes):
        raise TypeError(f"{name} is only defined for integer and boolean tensors. Received dtypes {sorted(dtypes)}")
    dtype = b.dtype_name(x) if b.dtype_name(x) != "bool" else b.dtype_name(y)
    return b.cast(x, dtype), b.cast(y, dtype), dtype


def _bitwise(x: Any, y: Any, rule: Callable[[Any, Any], Any], name: str) -> Any:
    b = active()
    x, y, dtype = _int_pair(x, y, name)
    if dtype == "bool":
        return rule(x, y)
    bits = np.dtype(dtype).itemsize * 8
    signed = dtype.startswith("int")
    wide = "int64"
    xw, yw = b.cast(x, wide), b.cast(y, wide)
    total = b.zeros_like(b.add(xw, yw))
    for k in range(bits):
        bx = b.mod(b.floor_divide(xw, 2**k), 2)
        by = b.mod(b.floor_divide(yw, 2**k), 2)
        bit = b.cast(rule(b.equal(bx, 1), b.equal(by, 1)), wide)
        weight = -(2**k) if signed and k == bits - 1 else 2**k
        total = b.add(total, b.multiply(bit, weight))
    return b.cast(total, dtype)


def bitwise_and(x: Any, y: Any) -> Any:
    """Bitwise AND of integer (or boolean) tensors."""
    return _bitwise(x, y, active().logical_and, "bitwise_and")


def bitwise_or(x: Any, y: Any) -> Any:
    """Bitwise OR of integer (or boolean) tensors."""
    return _bitwise(x, y, active().logical_or, "bitwise_or")


def bitwise_xor(x: Any, y: Any) -> Any:
    """Bitwise XOR of integer (or boolean) tensors."""
    return _bitwise(x, y, active().not_equal, "bitwise_xor")


def bitwise_invert(x: Any) -> Any:
    """Bitwise NOT: ``-x - 1`` for signed integers, ``max - x`` for unsigned, logical NOT for booleans."""
    b = active()
    x = _t(x)
    dtype = b.dtype_name(x)
    if dtype == "bool":
        return b.logical_not(x)
    if not dtype.startswith(("int", "uint")):
        raise TypeError(f"bitwise_invert is only defined for integer and boolean tensors. Received dtype {dtype}")
    if dtype.startswith("uint"):
        return b.cast(b.subtract(np.iinfo(dtype).max, b.cast(x, "int64")), dtype)
    return b.subtract(b.negative(x), b.ones_like(x))


bitwise_not = bitwise_invert


def bitwise_left_shift(x: Any, y: Any) -> Any:
    """``x`` shifted left by ``y`` bits (``x * 2**y``, wrapping like the integer type)."""
    b = active()
    x, y, dtype = _int_pair(x, y, "bitwise_left_shift")
    bits = np.dtype(dtype).itemsize * 8
    shifted = b.multiply(b.cast(x, "int64"), b.power(2, b.cast(b.clip(y, 0, bits), "int64")))
    modulus = 2**bits
    wrapped = b.mod(shifted, modulus) if bits < 64 else shifted
    if dtype.startswith("int") and bits < 64:
        wrapped = b.where(b.greater_equal(wrapped, modulus // 2), b.subtract(wrapped, modulus), wrapped)
    return b.cast(wrapped, dtype)


def bitwise_right_shift(x: Any, y: Any) -> Any:
    """``x`` shifted right by ``y`` bits (arithmetic: ``floor(x / 2**y)``)."""
    b = active()
    x, y, dtype = _int_pair(x, y, "bitwise_right_shift")
    bits = np.dtype(dtype).itemsize * 8
    return b.cast(b.floor_divide(b.cast(x, "int64"), b.power(2, b.cast(b.clip(y, 0, bits - 1), "int64"))), dtype)


left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


def gcd(x1: Any, x2: Any) -> Any:
    """Greatest common divisor of integer tensors (non-negative; ``gcd(0, 0) = 0``)."""
    b = active()
    a, c, dtype = _int_pair(x1, x2, "gcd")
    a, c = b.abs(b.cast(a, "int64")), b.abs(b.cast(c, "int64"))
    bits = np.dtype(dtype).itemsize * 8
    for _ in range(int(1.45 * bits) + 2):  # Euclid needs at most ~1.44 log2(max) steps (Lame's bound)
        zero = b.equal(c, 0)
        remainder = b.mod(a, b.where(zero, b.ones_like(c), c))
        a, c = b.where(zero, a, c), b.where(zero, c, remainder)
    return b.cast(a, dtype)


def lcm(x1: Any, x2: Any) -> Any:
    """Least common multiple of integer tensors (0 when either is 0)."""
    b = active()
    a, c, dtype = _int_pair(x1, x2, "lcm")
    divisor = b.cast(gcd(a, c), "int64")
    a, c = b.abs(b.cast(a, "int64")), b.abs(b.cast(c, "int64"))
    zero = b.equal(divisor, 0)
    out = b.multiply(b.floor_divide(a, b.where(zero, b.ones_like(divisor), divisor)), c)
    return b.cast(b.where(zero, b.zeros_like(out), out), dtype)


def cdist(x: Any, y: Any) -> Any:
    """Euclidean distances between the rows of ``x`` ``(..., m, d)`` and of ``y`` ``(..., n, d)``: ``(..., m, n)``."""
    b = active()
    x, y = _float(x), _float(y)
    difference = b.subtract(b.expand_dims(x, -2), b.expand_dims(y, -3))
    return b.sqrt(b.sum(b.square(difference), axis=-1))


def erfinv(x: Any) -> Any:
    """The inverse error function on ``(-1, 1)`` (+-inf at +-1): Giles's approximation, refined
    by Newton steps on ``erf``."""
    b = active()
    x = _float(x)
    dtype = b.dtype_name(x)
    # Giles (2010), single-precision approximation as a starting point
    w = b.negative(
        b.log(b.maximum(b.multiply(b.subtract(1.0, x), b.add(1.0, x)), 1e-300 if dtype == "float64" else 1e-38))
    )
    central = b.subtract(w, 2.5)
    tail = b.subtract(b.sqrt(w), 3.0)
    p_central, p_tail = b.full(b.shape(x), 2.81022636e-08, dtype), b.full(b.shape(x), -0.000200214257, dtype)
    for c in (
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ):
        p_central = b.add(b.multiply(p_central, central), c)
    for c in (
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ):
        p_tail = b.add(b.multiply(p_tail, tail), c)
    guess = b.multiply(b.where(b.less(w, 5.0), p_central, p_tail), x)
    two_over_sqrt_pi = 2.0 / math.sqrt(math.pi)
    for _ in range(2 if dtype != "float64" else 3):  # Newton on erf(guess) = x
        slope = b.multiply(b.exp(b.negative(b.square(guess))), two_over_sqrt_pi)
        guess = b.subtract(guess, b.divide(b.subtract(b.erf(guess), x), slope))
    inf = b.full(b.shape(x), math.inf, dtype)
    out = b.where(b.equal(x, 1.0), inf, b.where(b.equal(x, -1.0), b.negative(inf), guess))
    return b.where(b.greater(b.abs(x), 1.0), b.full(b.shape(x), math.nan, dtype), out)


def vectorize(pyfunc: Callable[..., Any], *, excluded: set | None = None, signature: str | None = None) -> Callable:
    """``pyfunc`` turned into a function of broadcast tensors that applies it to each scalar entry
    (with ``signature``, e.g. ``"(n),(n)->()"``, to each core block), results stacked."""
    from unikeras.ops.core_extra import map as map_op

    excluded = set(excluded or ())
    core_dims: list[int] | None = None
    if signature is not None:
        inputs = signature.split("->")[0]
        core_dims = [0 if not part.strip("() ") else len(part.strip("() ").split(",")) for part in _split_args(inputs)]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        b = active()
        positions = [i for i in range(len(args)) if i not in excluded]
        tensors = [_t(args[i]) for i in positions]
        cores = core_dims if core_dims is not None else [0] * len(tensors)
        loop_shapes = [b.shape(t)[: _ndim(t) - c] for t, c in zip(tensors, cores)]
        loop_shape = np.broadcast_shapes(*[tuple(s) for s in loop_shapes])
        tensors = [b.broadcast_to(t, (*loop_shape, *b.shape(t)[_ndim(t) - c :])) for t, c in zip(tensors, cores)]

        def call(values: list[Any]) -> Any:
            full = list(args)
            for i, v in zip(positions, values):
                full[i] = v
            return pyfunc(*full, **kwargs)

        def over(values: list[Any], depth: int) -> Any:
            if depth == len(loop_shape):
                return call(values)
            return map_op(lambda sliced: over(list(sliced), depth + 1), tuple(values))

        return over(tensors, 0)

    return wrapped


def _split_args(spec: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in spec:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


__all__ = [
    "bitwise_and",
    "bitwise_invert",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
    "cdist",
    "erfinv",
    "gcd",
    "lcm",
    "left_shift",
    "right_shift",
    "vectorize",
]
