"""NumPy references (float64, channels_last, batches of images) for the colour ops and colour / mixing
augmentation layers, each given its drawn parameters. Written from the textbook definitions, pixel by
pixel where that is clearer, not from the layers' code."""

from __future__ import annotations

import numpy as np

GRAY = np.array([0.2989, 0.5870, 0.1140])


def grayscale(x: np.ndarray) -> np.ndarray:
    """``(..., 3)`` -> ``(..., 1)`` luma."""
    return (np.asarray(x, "float64") @ GRAY)[..., None]


def _hsv_pixel(r: float, g: float, b: float) -> tuple[float, float, float]:
    top, bottom = max(r, g, b), min(r, g, b)
    chroma = top - bottom
    s = chroma / top if top > 0 else 0.0
    if chroma <= 0:
        h = 0.0
    elif top == r:
        h = ((g - b) / chroma % 6.0) / 6.0
    elif top == g:
        h = ((b - r) / chroma + 2.0) / 6.0
    else:
        h = ((r - g) / chroma + 4.0) / 6.0
    return h, s, top


def rgb_to_hsv(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, "float64")
    flat = x.reshape(-1, 3)
    return np.array([_hsv_pixel(*p) for p in flat]).reshape(x.shape)


def _rgb_pixel(h: float, s: float, v: float) -> tuple[float, float, float]:
    chroma = v * s
    sector = (h % 1.0) * 6.0
    second = chroma * (1 - abs(sector % 2 - 1))
    k = int(sector) % 6
    r, g, b = [
        (chroma, second, 0),
        (second, chroma, 0),
        (0, chroma, second),
        (0, second, chroma),
        (second, 0, chroma),
        (chroma, 0, second),
    ][k]
    m = v - chroma
    return r + m, g + m, b + m


def hsv_to_rgb(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, "float64")
    flat = x.reshape(-1, 3)
    return np.array([_rgb_pixel(*p) for p in flat]).reshape(x.shape)


def _per_image(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, "float64").reshape(-1, 1, 1, 1)


def contrast(x: np.ndarray, factor: np.ndarray, low: float = 0, high: float = 255) -> np.ndarray:
    mean = x.mean(axis=(1, 2), keepdims=True)
    return np.clip((x - mean) * _per_image(factor) + mean, low, high)


def brightness(x: np.ndarray, delta: np.ndarray, low: float = 0, high: float = 255) -> np.ndarray:
    return np.clip(x + _per_image(delta), low, high)


def grayscale_some(x: np.ndarray, apply: np.ndarray) -> np.ndarray:
    return np.where(_per_image(apply) > 0, np.broadcast_to(grayscale(x), x.shape), x)


def invert(x: np.ndarray, apply: np.ndarray, high: float = 255) -> np.ndarray:
    return np.where(_per_image(apply) > 0, high - x, x)


def solarize(x: np.ndarray, additions: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """On the 0-255 scale: add, clip, then invert what reaches the threshold."""
    y = np.clip(x + _per_image(additions), 0, 255)
    return np.where(y < _per_image(thresholds), y, 255 - y)


def degenerate(x: np.ndarray, factor: np.ndarray, low: float = 0, high: float = 255) -> np.ndarray:
    return np.clip(x + _per_image(factor) * (grayscale(x) - x), low, high)


def saturate(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Saturation times ``scale`` per image, clipped to [0, 255] as Keras's layer does."""
    hsv = rgb_to_hsv(x)
    hsv[..., 1] = np.clip(hsv[..., 1] * np.asarray(scale).reshape(-1, 1, 1), 0, 255)
    return hsv_to_rgb(hsv)


def hue_shift(x: np.ndarray, shift: np.ndarray, high: float = 255) -> np.ndarray:
    hsv = rgb_to_hsv(x / high)
    hue = hsv[..., 0] + np.asarray(shift).reshape(-1, 1, 1)
    hsv[..., 0] = np.where(hue > 1, hue - 1, np.where(hue < 0, hue + 1, hue))
    return np.clip(hsv_to_rgb(hsv), 0, 1) * high


def sharpen(x: np.ndarray, factor: np.ndarray, low: float = 0, high: float = 255) -> np.ndarray:
    """Blend with the 3x3 ``[[1,1,1],[1,5,1],[1,1,1]] / 13`` smoothing (zeros outside the image)."""
    weights = np.ones((3, 3)) / 13.0
    weights[1, 1] = 5.0 / 13.0
    n, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    smooth = np.zeros_like(x, dtype="float64")
    for i in range(3):
        for j in range(3):
            smooth += weights[i, j] * padded[:, i : i + h, j : j + w, :]
    return np.clip(x + (1 - 2 * _per_image(factor)) * (smooth - x), low, high)


def posterize(x: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Keep the ``bits`` high bits of each 8-bit value."""
    values = np.clip(x, 0, 255).astype(np.uint8)
    out = np.empty_like(values)
    for i, keep in enumerate(np.asarray(bits).astype(int)):
        mask = np.uint8((0xFF << (8 - keep)) & 0xFF)
        out[i] = values[i] & mask
    return out.astype("float64")


def autocontrast(x: np.ndarray) -> np.ndarray:
    """Each channel of each image stretched to [0, 255]; constant channels unchanged."""
    out = np.array(x, "float64")
    for i in range(x.shape[0]):
        for c in range(x.shape[-1]):
            plane = x[i, ..., c]
            lo, hi = plane.min(), plane.max()
            if hi > lo:
                out[i, ..., c] = (plane - lo) * 255.0 / (hi - lo)
    return out


def equalize(x: np.ndarray, bins: int = 256) -> np.ndarray:
    """Histogram equalization per channel over the whole batch (Keras's rule), values in [0, 255]."""
    x32 = np.asarray(x, "float32")
    out = np.array(x, "float64")
    for c in range(x.shape[-1]):
        plane = x32[..., c]
        index = np.clip((plane * np.float32(bins - 1) / np.float32(255)).astype(np.int64), 0, bins - 1)
        hist = np.bincount(index.ravel(), minlength=bins)
        if np.count_nonzero(hist) <= 1:
            continue
        cdf = np.cumsum(hist)
        first = cdf[np.nonzero(cdf)[0][0]]
        total = max(cdf[-1] - first, 1)
        table = np.clip(np.round((cdf - first) * 255.0 / total), 0, 255)
        look = np.clip(plane / np.float32(255) * np.float32(bins - 1), 0, bins - 1).astype(np.int64)
        out[..., c] = table[look]
    return out


def mixup(x: np.ndarray, weight: np.ndarray, order: np.ndarray) -> np.ndarray:
    w = np.asarray(weight, "float64").reshape((-1,) + (1,) * (x.ndim - 1))
    return w * x + (1 - w) * x[np.asarray(order)]


def box_mask(shape: tuple, x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """``(n, h, w, c)`` booleans: pixel (row, col) inside ``x0 <= col < x1`` and ``y0 <= row < y1``."""
    n, h, w, c = shape
    mask = np.zeros(shape, bool)
    for i in range(n):
        for row in range(h):
            for col in range(w):
                mask[i, row, col, :] = x0[i] <= col < x1[i] and y0[i] <= row < y1[i]
    return mask


def cutmix(x: np.ndarray, mask: np.ndarray, order: np.ndarray) -> np.ndarray:
    return np.where(mask, x[np.asarray(order)], x)


def erase(x: np.ndarray, mask: np.ndarray, apply: np.ndarray, fill: np.ndarray) -> np.ndarray:
    return np.where(mask & (_per_image(apply) > 0), fill, x)
