"""NumPy references (float64, one output pixel at a time) for the geometric image ops and layers.

Images are channels_last batches ``(n, h, w, c)``. Written from the definitions (tf.image.resize's
half-pixel coordinates, tf.raw_ops.ImageProjectiveTransformV3's fill rules, scipy.ndimage's boundary
modes), not from the unikeras code.
"""

from __future__ import annotations

import math

import numpy as np


def resize_nearest(x: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    n, h, w, c = x.shape
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            src_i = min(int(math.floor((i + 0.5) * h / out_h)), h - 1)
            src_j = min(int(math.floor((j + 0.5) * w / out_w)), w - 1)
            out[:, i, j] = x[:, src_i, src_j]
    return out


def resize_bilinear(x: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Half-pixel centres, edge pixels repeated beyond the border (no antialiasing)."""
    n, h, w, c = x.shape
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        y = (i + 0.5) * h / out_h - 0.5
        y0 = math.floor(y)
        fy = y - y0
        rows = (min(max(y0, 0), h - 1), min(max(y0 + 1, 0), h - 1))
        for j in range(out_w):
            xx = (j + 0.5) * w / out_w - 0.5
            x0 = math.floor(xx)
            fx = xx - x0
            cols = (min(max(x0, 0), w - 1), min(max(x0 + 1, 0), w - 1))
            top = (1 - fx) * x[:, rows[0], cols[0]] + fx * x[:, rows[0], cols[1]]
            bottom = (1 - fx) * x[:, rows[1], cols[0]] + fx * x[:, rows[1], cols[1]]
            out[:, i, j] = (1 - fy) * top + fy * bottom
    return out


def _fill_coordinate(v: float, size: int, mode: str) -> float:
    """tf.raw_ops.ImageProjectiveTransformV3's mapping of a continuous coordinate into the image."""
    if mode == "constant":
        return v
    if size <= 1:
        return 0.0
    if mode == "reflect":
        period = 2 * size
        if v < 0:
            v = period * int(-v / period) + v
            v = v + period if v < -size else -v - 1
        elif v > size - 1:
            v -= period * int(v / period)
            if v >= size:
                v = period - v - 1
    elif mode == "wrap":
        if v < 0:
            v += size * (int(-v / (size - 1)) + 1)
        elif v > size - 1:
            v -= size * int(v / (size - 1))
    return min(max(v, 0.0), size - 1.0)


def affine_transform(
    x: np.ndarray, transforms: np.ndarray, interpolation: str, fill_mode: str, fill: float
) -> np.ndarray:
    """Output pixel ``(row, col)`` reads the input at row ``(b0 col + b1 row + b2) / k`` and column
    ``(a0 col + a1 row + a2) / k``, ``k = c0 col + c1 row + 1``."""
    n, h, w, c = x.shape
    out = np.zeros((n, h, w, c))

    def read(b: int, r: float, q: float) -> np.ndarray:
        if 0 <= r <= h - 1 and 0 <= q <= w - 1:
            return x[b, int(r), int(q)]
        return np.full(c, fill)

    for b in range(n):
        a0, a1, a2, b0, b1, b2, c0, c1 = transforms[b if len(transforms) > 1 else 0]
        for row in range(h):
            for col in range(w):
                k = c0 * col + c1 * row + 1.0
                if k == 0:
                    out[b, row, col] = fill
                    continue
                src_c = _fill_coordinate((a0 * col + a1 * row + a2) / k, w, fill_mode)
                src_r = _fill_coordinate((b0 * col + b1 * row + b2) / k, h, fill_mode)
                if interpolation == "nearest":
                    rr = math.floor(abs(src_r) + 0.5) * (1 if src_r >= 0 else -1)
                    cc = math.floor(abs(src_c) + 0.5) * (1 if src_c >= 0 else -1)
                    out[b, row, col] = read(b, rr, cc)
                else:
                    r0, q0 = math.floor(src_r), math.floor(src_c)
                    fr, fq = src_r - r0, src_c - q0
                    out[b, row, col] = (1 - fr) * ((1 - fq) * read(b, r0, q0) + fq * read(b, r0, q0 + 1)) + fr * (
                        (1 - fq) * read(b, r0 + 1, q0) + fq * read(b, r0 + 1, q0 + 1)
                    )
    return out


def _boundary_index(i: int, size: int, mode: str) -> int | None:
    """scipy.ndimage's boundary modes on integer positions (``None``: outside, for ``"constant"``)."""
    if mode == "constant":
        return i if 0 <= i < size else None
    if mode == "nearest":
        return min(max(i, 0), size - 1)
    if mode == "wrap":
        return i % size
    if mode == "mirror":  # d c b | a b c d | c b a
        if size == 1:
            return 0
        period = 2 * (size - 1)
        i %= period
        return i if i < size else period - i
    period = 2 * size  # reflect: c b a | a b c | c b a
    i %= period
    return i if i < size else period - 1 - i


def map_coordinates(x: np.ndarray, coords: np.ndarray, order: int, mode: str, fill: float) -> np.ndarray:
    out = np.zeros(coords.shape[1:])
    for pos in np.ndindex(*coords.shape[1:]):
        point = coords[(slice(None), *pos)]
        if order == 0:
            corners = [[(int(np.round(p)), 1.0)] for p in point]
        else:
            corners = [
                [(math.floor(p), 1.0 - (p - math.floor(p))), (math.floor(p) + 1, p - math.floor(p))] for p in point
            ]
        total = 0.0
        for combo in np.ndindex(*[len(cs) for cs in corners]):
            weight, index, outside = 1.0, [], False
            for axis, k in enumerate(combo):
                i, wgt = corners[axis][k]
                weight *= wgt
                j = _boundary_index(i, x.shape[axis], mode)
                outside |= j is None
                index.append(0 if j is None else j)
            total += weight * (fill if outside else x[tuple(index)])
        out[pos] = total
    return out


def extract_patches(x: np.ndarray, size: tuple[int, int], strides: tuple[int, int]) -> np.ndarray:
    """Valid patches, flattened (rows, columns, channels)."""
    n, h, w, c = x.shape
    ph, pw = size
    oh, ow = (h - ph) // strides[0] + 1, (w - pw) // strides[1] + 1
    out = np.zeros((n, oh, ow, ph * pw * c))
    for i in range(oh):
        for j in range(ow):
            r, q = i * strides[0], j * strides[1]
            out[:, i, j] = x[:, r : r + ph, q : q + pw, :].reshape(n, -1)
    return out


def gaussian_blur(x: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """A square Gaussian kernel, zero padding, same size out."""
    t = np.arange(size) - (size - 1) / 2
    g = np.exp(-0.5 * (t / sigma) ** 2)
    g /= g.sum()
    kernel = np.outer(g, g)
    pad = size // 2
    padded = np.pad(x, ((0, 0), (pad, size - 1 - pad), (pad, size - 1 - pad), (0, 0)))
    out = np.zeros(x.shape)
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            out[:, i, j] = np.einsum("nhwc,hw->nc", padded[:, i : i + size, j : j + size], kernel)
    return out


def sobel_edges(x: np.ndarray) -> np.ndarray:
    """``(n, h, w, c, 2)`` holding [dy, dx] (reflect padding)."""
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    out = np.zeros((*x.shape, 2))
    for i in range(x.shape[1]):
        for j in range(x.shape[2]):
            window = padded[:, i : i + 3, j : j + 3]
            out[:, i, j, :, 0] = np.einsum("nhwc,hw->nc", window, ky)
            out[:, i, j, :, 1] = np.einsum("nhwc,hw->nc", window, ky.T)
    return out


def rotation_transform(angle_degrees: float, h: int, w: int) -> np.ndarray:
    """The projective transform rotating about the image centre (output -> input)."""
    t = math.radians(angle_degrees)
    cx, cy = (w - 1) / 2, (h - 1) / 2
    cos, sin = math.cos(t), math.sin(t)
    return np.array([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, 0, 0])


def zoom_transform(zoom_h: float, zoom_w: float, h: int, w: int) -> np.ndarray:
    return np.array([zoom_w, 0, (w - 1) / 2 * (1 - zoom_w), 0, zoom_h, (h - 1) / 2 * (1 - zoom_h), 0, 0])


def translation_transform(dx: float, dy: float) -> np.ndarray:
    return np.array([1, 0, -dx, 0, 1, -dy, 0, 0], float)


def shear_transform(sx: float, sy: float) -> np.ndarray:
    return np.array([1, sx, 0, sy, 1, 0, 0, 0], float)
