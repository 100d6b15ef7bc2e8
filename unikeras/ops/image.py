"""Image ops (Keras's ``keras.ops.image``), on batches of images in ``image_data_format``."""

from __future__ import annotations

from unikeras.ops import image_color as _image_color
from unikeras.ops import image_geometry as _image_geometry
from unikeras.ops.image_color import *  # noqa: F403
from unikeras.ops.image_geometry import *  # noqa: F403

__all__ = [*_image_color.__all__, *_image_geometry.__all__]
