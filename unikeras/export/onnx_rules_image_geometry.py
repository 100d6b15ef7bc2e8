"""ONNX export rules of the geometric image layers, at inference.

The random augmentation layers are the identity at inference (``Identity``), except ``RandomCrop``,
which crops the largest centred window of the target aspect ratio and resizes it. ``Resizing`` becomes
``Slice``/``Pad`` (aspect ratio) then ``Resize`` with ``tf.image.resize``'s coordinates: bilinear with
half-pixel centres, nearest with ``tf_half_pixel_for_nn`` and rounding down. Bicubic, area and lanczos
resampling and ``antialias=True`` have no exact ONNX counterpart and are refused by name.
``CenterCrop`` is a ``Slice`` (a ``Resize`` where the image is smaller than the target).
"""

from __future__ import annotations

from typing import Any

from unikeras.export.onnx_export import OnnxGraph, Tensor
from unikeras.export.onnx_rules import _fail, _identity, rule
from unikeras.layers import image_geometry as geo

rule(
    geo.RandomFlip,
    geo.RandomRotation,
    geo.RandomZoom,
    geo.RandomTranslation,
    geo.RandomShear,
    geo.RandomPerspective,
    geo.RandomElasticTransform,
    geo.RandomGaussianBlur,
)(_identity)


def _spatial_axes(layer: Any, rank: int) -> tuple[int, int]:
    return (rank - 3, rank - 2) if layer.data_format == "channels_last" else (rank - 2, rank - 1)


def _slice(g: OnnxGraph, x: str, axes: tuple[int, int], starts: tuple[int, int], sizes: tuple[int, int]) -> str:
    ends = [s + n for s, n in zip(starts, sizes)]
    return g.op("Slice", [x, g.int64s(list(starts), "starts"), g.int64s(ends, "ends"), g.int64s(list(axes), "axes")])


def _resize(
    g: OnnxGraph, layer: Any, x: Tensor, height: int, width: int, interpolation: str, crop: bool, pad: bool, fill: float
) -> str:
    """``ops.image.resize`` of ``x`` (static spatial sizes) with ``tf.image.resize``'s coordinates."""
    if interpolation not in ("bilinear", "nearest"):
        raise _fail(layer, f"interpolation={interpolation!r} is not exported (only 'bilinear' and 'nearest').")
    h_axis, w_axis = _spatial_axes(layer, x.rank)
    in_h, in_w = x.shape[h_axis], x.shape[w_axis]
    if in_h is None or in_w is None:
        raise _fail(layer, "the image height and width must be static to export a resize.")
    name = x.name
    if crop:
        crop_h = max(min(in_h, int(float(in_w * height) / width)), 1)
        crop_w = max(min(in_w, int(float(in_h * width) / height)), 1)
        top, left = int((in_h - crop_h) / 2), int((in_w - crop_w) / 2)
        if (crop_h, crop_w) != (in_h, in_w):
            name = _slice(g, name, (h_axis, w_axis), (top, left), (crop_h, crop_w))
        in_h, in_w = crop_h, crop_w
    elif pad:
        pad_h = max(in_h, int(float(in_w * height) / width))
        pad_w = max(in_w, int(float(in_h * width) / height))
        top, left = int((pad_h - in_h) / 2), int((pad_w - in_w) / 2)
        if top > 0 or left > 0:
            pads = [0] * (2 * x.rank)
            pads[h_axis], pads[x.rank + h_axis] = top, top
            pads[w_axis], pads[x.rank + w_axis] = left, left
            name = g.op(
                "Pad", [name, g.int64s(pads, "pads"), g.const(float(fill), "fill_value")], "pad", mode="constant"
            )
            in_h, in_w = in_h + 2 * top, in_w + 2 * left
    if (in_h, in_w) == (height, width):
        return g.op("Identity", [name], "resized")
    # sizes: the dynamic batch followed by the static sizes of the other axes
    other = [d for d in x.shape[1:]]
    other[h_axis - 1], other[w_axis - 1] = height, width
    batch = g.op("Slice", [g.op("Shape", [name], "shape"), g.int64s([0], "starts"), g.int64s([1], "ends")], "batch")
    sizes = g.op("Concat", [batch, g.int64s(other, "sizes")], "sizes", axis=0)
    attrs: dict[str, Any] = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    if interpolation == "nearest":
        attrs = {"mode": "nearest", "coordinate_transformation_mode": "tf_half_pixel_for_nn", "nearest_mode": "floor"}
    return g.op("Resize", [name, "", "", sizes], "resize", **attrs)


@rule(geo.Resizing)
def _resizing(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    if layer.antialias:
        raise _fail(layer, "antialias=True is not exported.")
    return _resize(
        g,
        layer,
        inputs[0],
        layer.height,
        layer.width,
        layer.interpolation,
        layer.crop_to_aspect_ratio,
        layer.pad_to_aspect_ratio,
        layer.fill_value,
    )


@rule(geo.CenterCrop)
def _center_crop(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    x = inputs[0]
    h_axis, w_axis = _spatial_axes(layer, x.rank)
    in_h, in_w = x.shape[h_axis], x.shape[w_axis]
    if in_h is None or in_w is None:
        raise _fail(layer, "the image height and width must be static to export a crop.")
    dh, dw = in_h - layer.height, in_w - layer.width
    if dh >= 0 and dw >= 0:
        return _slice(g, x.name, (h_axis, w_axis), (dh // 2, dw // 2), (layer.height, layer.width))
    return _resize(g, layer, x, layer.height, layer.width, "bilinear", True, False, 0.0)


@rule(geo.RandomCrop)
def _random_crop(g: OnnxGraph, layer: Any, inputs: list[Tensor], out_specs: list, kwargs: dict) -> str:
    """At inference: the centred window of the target aspect ratio, resized (bilinear)."""
    return _resize(g, layer, inputs[0], layer.height, layer.width, "bilinear", True, False, 0.0)
