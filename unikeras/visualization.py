"""Drawing and plotting images (``keras.visualization``): ``draw_segmentation_masks`` and
``plot_image_gallery``. Computed on the host with NumPy (inputs may be tensors of any backend);
plots need matplotlib. Keras's bounding-box drawing functions (which need OpenCV) are not included."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from unikeras import config, ops


def _numpy(x: Any) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(x)) if not isinstance(x, np.ndarray) else x


def _palette(num_classes: int) -> list[list[int]]:
    base = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1])
    return [((i * base) % 255).tolist() for i in range(num_classes)]


def draw_segmentation_masks(
    images: Any,
    segmentation_masks: Any,
    num_classes: int | None = None,
    color_mapping: dict[int, Any] | None = None,
    alpha: float = 0.8,
    blend: bool = True,
    ignore_index: int = -1,
    data_format: str | None = None,
) -> np.ndarray:
    """Color the pixels of each class of ``segmentation_masks`` on ``images``.

    Args:
        images: a batch (batch, height, width, 3) of images in [0, 255].
        segmentation_masks: int class ids, (batch, height, width, 1).
        num_classes: the number of colors; ``None`` takes the largest class id, as Keras does (so
            that id itself gets no color).
        color_mapping: ``{class id: (r, g, b)}``; default: Keras's palette.
        alpha: the weight of the color when blending.
        blend: blend the colors with the images (uint8 result) instead of painting them (float32).
        ignore_index: class id left uncolored.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses ``image_data_format()``.

    Returns:
        A NumPy array of the shape of ``images`` (channels last).
    """
    data_format = config.standardize_data_format(data_format, "draw_segmentation_masks()")
    images = _numpy(images).astype("float32")
    masks = _numpy(segmentation_masks)
    if images.ndim != 4:
        raise ValueError(f"draw_segmentation_masks(): `images` must be a 4-D batch, received shape {images.shape}.")
    if masks.dtype.kind not in "iu":
        raise TypeError(f"draw_segmentation_masks(): `segmentation_masks` must be integers, received {masks.dtype}.")
    if data_format == "channels_first":
        images, masks = images.transpose(0, 2, 3, 1), masks.transpose(0, 2, 3, 1)
    num_classes = int(masks.max()) if num_classes is None else num_classes
    colors = _palette(num_classes) if color_mapping is None else [color_mapping[i] for i in range(num_classes)]
    ids = masks[..., 0]
    painted = images.copy()
    for class_id, color in enumerate(colors):
        painted[ids == class_id] = np.asarray(color, dtype="float32")
    if not blend:
        return painted
    blended = images * (1 - alpha) + painted * alpha
    blended = np.where((ids != ignore_index)[..., None], blended, images)
    return blended.astype("uint8")


def plot_image_gallery(
    images: Any,
    y_true: Any = None,
    y_pred: Any = None,
    label_map: dict | None = None,
    rows: int | None = None,
    cols: int | None = None,
    value_range: tuple[float, float] = (0, 255),
    scale: float = 2,
    path: str | None = None,
    show: bool | None = None,
    transparent: bool = True,
    dpi: int = 60,
    legend_handles: list | None = None,
    data_format: str | None = None,
) -> Any:
    """Show (or save to ``path``) a grid of images, titled with their labels and predictions.

    Args:
        images: a batch (batch, height, width, channels).
        y_true, y_pred: class ids shown as "Label: ..." / "Pred: ..." through ``label_map``.
        label_map: ``{class id: name}``; required with ``y_true`` or ``y_pred``.
        rows, cols: the grid (default: about square, as Keras computes it).
        value_range: the range of the image values, mapped to [0, 255].
        scale: inches per image.
        path: save the figure there instead of showing it.
        show: show the figure (default: when ``path`` is ``None``).
        transparent, dpi: for the saved file.
        legend_handles: matplotlib legend handles.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses ``image_data_format()``.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("plot_image_gallery(): with `y_true` or `y_pred`, pass a `label_map` too.")
    data_format = config.standardize_data_format(data_format, "plot_image_gallery()")
    images = _numpy(images).astype("float32")
    if images.ndim != 4:
        raise ValueError(f"plot_image_gallery(): `images` must be a 4-D batch, received shape {images.shape}.")
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    batch = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch)))
    cols = cols or max(int(math.ceil(batch // rows)), 1)
    low, high = value_range
    images = np.clip((images - low) / (high - low) * 255.0, 0, 255)
    y_true = None if y_true is None else _numpy(y_true)
    y_pred = None if y_pred is None else _numpy(y_pred)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * scale, rows * scale), frameon=False, squeeze=False)
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    for index, axis in enumerate(axes.reshape(-1)):
        axis.axis("off")
        if index >= batch:
            continue
        image = images[index].astype("uint8")
        axis.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray" if image.shape[-1] == 1 else None)
        title = []
        if y_true is not None and index < len(y_true):
            title.append(f"Label: {label_map.get(y_true[index].item(), 'Unknown')}")
        if y_pred is not None and index < len(y_pred):
            title.append(f"Pred: {label_map.get(y_pred[index].item(), 'Unknown')}")
        if title:
            axis.set_title("  ".join(title), fontsize=8)
    show = path is None if show is None else show
    if path is not None:
        fig.savefig(path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
    if show:
        plt.show()
    if path is not None or show:
        plt.close(fig)
    return fig


__all__ = ["draw_segmentation_masks", "plot_image_gallery"]
