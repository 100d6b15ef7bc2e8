"""The string hashes TensorFlow's preprocessing ops use, in pure Python, so that unikeras's hashing layers
give TensorFlow's (and so Keras's) bins on every backend.

- ``fingerprint64``: FarmHash's ``Fingerprint64`` (the ``farmhashna`` 64-bit hash), behind
  ``tf.strings.to_hash_bucket_fast`` and ``tf.fingerprint``.
- ``siphash``: SipHash-2-4 with a 128-bit key given as two 64-bit words, behind
  ``tf.strings.to_hash_bucket_strong``.
- ``fingerprint_cat64``: TensorFlow's combination of two fingerprints, behind ``tf.sparse.cross_hashed``.

Values are turned into bytes the way TensorFlow's ``as_string`` does before hashing: integers as their
decimal text, floats truncated to integers first (as Keras's ``Hashing`` does), strings as UTF-8.
"""

from __future__ import annotations

import functools
import struct
from typing import Any

import numpy as np

_MASK = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _rot(value: int, shift: int) -> int:
    """Rotate a 64-bit word right by ``shift`` bits."""
    return ((value >> shift) | (value << (64 - shift))) & _MASK if shift else value


def _mix(value: int) -> int:
    return value ^ (value >> 47)


def _u64(data: bytes, at: int) -> int:
    return struct.unpack_from("<Q", data, at)[0]


def _u32(data: bytes, at: int) -> int:
    return struct.unpack_from("<I", data, at)[0]


def _len16(u: int, v: int, mul: int) -> int:
    a = ((u ^ v) * mul) & _MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK
    b ^= b >> 47
    return (b * mul) & _MASK


def _len0to16(s: bytes) -> int:
    n = len(s)
    if n >= 8:
        mul = _K2 + n * 2
        a = (_u64(s, 0) + _K2) & _MASK
        b = _u64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _MASK
        d = ((_rot(a, 25) + b) * mul) & _MASK
        return _len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        return _len16((n + (_u32(s, 0) << 3)) & _MASK, _u32(s, n - 4), mul)
    if n > 0:
        y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
        return (_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _len17to32(s: bytes) -> int:
    n = len(s)
    mul = _K2 + n * 2
    a = (_u64(s, 0) * _K1) & _MASK
    b = _u64(s, 8)
    c = (_u64(s, n - 8) * mul) & _MASK
    d = (_u64(s, n - 16) * _K2) & _MASK
    return _len16(
        (_rot((a + b) & _MASK, 43) + _rot(c, 30) + d) & _MASK, (a + _rot((b + _K2) & _MASK, 18) + c) & _MASK, mul
    )


def _len33to64(s: bytes) -> int:
    n = len(s)
    mul = _K2 + n * 2
    a = (_u64(s, 0) * _K2) & _MASK
    b = _u64(s, 8)
    c = (_u64(s, n - 8) * mul) & _MASK
    d = (_u64(s, n - 16) * _K2) & _MASK
    y = (_rot((a + b) & _MASK, 43) + _rot(c, 30) + d) & _MASK
    z = _len16(y, (a + _rot((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_u64(s, 16) * mul) & _MASK
    f = _u64(s, 24)
    g = ((y + _u64(s, n - 32)) * mul) & _MASK
    h = ((z + _u64(s, n - 24)) * mul) & _MASK
    return _len16(
        (_rot((e + f) & _MASK, 43) + _rot(g, 30) + h) & _MASK, (e + _rot((f + a) & _MASK, 18) + g) & _MASK, mul
    )


def _weak32(s: bytes, at: int, a: int, b: int) -> tuple[int, int]:
    w, x, y, z = _u64(s, at), _u64(s, at + 8), _u64(s, at + 16), _u64(s, at + 24)
    a = (a + w) & _MASK
    b = _rot((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rot(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


@functools.lru_cache(maxsize=65536)
def fingerprint64(s: bytes) -> int:
    """FarmHash ``Fingerprint64`` of ``s`` as an unsigned 64-bit int."""
    n = len(s)
    if n <= 16:
        return _len0to16(s)
    if n <= 32:
        return _len17to32(s)
    if n <= 64:
        return _len33to64(s)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _MASK
    z = (_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v0 = v1 = w0 = w1 = 0
    x = (x * _K2 + _u64(s, 0)) & _MASK
    end = ((n - 1) // 64) * 64
    last = end + ((n - 1) & 63) - 63
    at = 0
    while True:
        x = (_rot((x + y + v0 + _u64(s, at + 8)) & _MASK, 37) * _K1) & _MASK
        y = (_rot((y + v1 + _u64(s, at + 48)) & _MASK, 42) * _K1) & _MASK
        x ^= w1
        y = (y + v0 + _u64(s, at + 40)) & _MASK
        z = (_rot((z + w0) & _MASK, 33) * _K1) & _MASK
        v0, v1 = _weak32(s, at, (v1 * _K1) & _MASK, (x + w0) & _MASK)
        w0, w1 = _weak32(s, at + 32, (z + w1) & _MASK, (y + _u64(s, at + 16)) & _MASK)
        z, x = x, z
        at += 64
        if at == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    at = last
    w0 = (w0 + ((n - 1) & 63)) & _MASK
    v0 = (v0 + w0) & _MASK
    w0 = (w0 + v0) & _MASK
    x = (_rot((x + y + v0 + _u64(s, at + 8)) & _MASK, 37) * mul) & _MASK
    y = (_rot((y + v1 + _u64(s, at + 48)) & _MASK, 42) * mul) & _MASK
    x ^= (w1 * 9) & _MASK
    y = (y + v0 * 9 + _u64(s, at + 40)) & _MASK
    z = (_rot((z + w0) & _MASK, 33) * mul) & _MASK
    v0, v1 = _weak32(s, at, (v1 * mul) & _MASK, (x + w0) & _MASK)
    w0, w1 = _weak32(s, at + 32, (z + w1) & _MASK, (y + _u64(s, at + 16)) & _MASK)
    z, x = x, z
    return _len16(
        (_len16(v0, w0, mul) + _mix(y) * _K0 + z) & _MASK,
        (_len16(v1, w1, mul) + x) & _MASK,
        mul,
    )


def _sip_round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _MASK
    v1 = _rot(v1, 51) ^ v0  # rotate left 13
    v0 = _rot(v0, 32)
    v2 = (v2 + v3) & _MASK
    v3 = _rot(v3, 48) ^ v2  # rotate left 16
    v0 = (v0 + v3) & _MASK
    v3 = _rot(v3, 43) ^ v0  # rotate left 21
    v2 = (v2 + v1) & _MASK
    v1 = _rot(v1, 47) ^ v2  # rotate left 17
    v2 = _rot(v2, 32)
    return v0, v1, v2, v3


@functools.lru_cache(maxsize=65536)
def siphash(key0: int, key1: int, s: bytes) -> int:
    """SipHash-2-4 of ``s`` under the 128-bit key ``(key0, key1)`` as an unsigned 64-bit int."""
    k0, k1 = key0 & _MASK, key1 & _MASK
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    n = len(s)
    full = n - n % 8
    for at in range(0, full, 8):
        m = _u64(s, at)
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    m = ((n & 0xFF) << 56) | int.from_bytes(s[full:], "little")
    v3 ^= m
    v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
    v0 ^= m
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def fingerprint_cat64(first: int, second: int) -> int:
    """TensorFlow's ``FingerprintCat64``: one fingerprint from two."""
    mul = 0xC6A4A7935BD1E995
    out = first ^ mul
    out ^= (_mix((second * mul) & _MASK) * mul) & _MASK
    out = (out * mul) & _MASK
    out = (_mix(out) * mul) & _MASK
    return _mix(out)


def as_bytes(value: Any) -> bytes:
    """``value`` as the bytes TensorFlow hashes: UTF-8 text, or an integer's decimal digits."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (float, np.floating)):
        value = int(value)  # truncation toward zero, as a cast to int64
    return str(int(value)).encode("ascii")


def hash_to_bins(values: np.ndarray, num_bins: int, salt: list[int] | None = None) -> np.ndarray:
    """The bin in ``[0, num_bins)`` of every element of ``values`` (int64), as TensorFlow's
    ``to_hash_bucket_fast`` (no ``salt``) or ``to_hash_bucket_strong`` (``salt`` = the two key words)."""
    flat = np.asarray(values).reshape(-1)
    if flat.dtype.kind == "f":
        flat = flat.astype("int64")
    if salt is None:
        bins = [fingerprint64(as_bytes(v)) % num_bins for v in flat.tolist()]
    else:
        bins = [siphash(salt[0], salt[1], as_bytes(v)) % num_bins for v in flat.tolist()]
    return np.asarray(bins, dtype="int64").reshape(np.shape(values))
