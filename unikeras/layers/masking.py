"""The Masking layer: marks timesteps whose features all equal ``mask_value`` as padding."""

from __future__ import annotations

from typing import Any

from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Masking(Layer):
    """Masks the timesteps (axis 1) at which every feature (last axis) equals ``mask_value``.

    The output is the input with masked timesteps set to zero; the output mask (``False`` at
    masked timesteps) makes later layers that support masking, such as RNNs, skip them.

    Args:
        mask_value: the padding value (``0.0``).
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"Masking '{self.name}': `mask_value` must be a number, received {mask_value!r}.")
        self.mask_value = mask_value

    def _keep(self, inputs: Any, keepdims: bool) -> Any:
        b = active()
        return b.any(b.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 2:
            raise ValueError(
                f"Masking '{self.name}': expected input of rank >= 2 (batch, time, ...), "
                f"received shape {tuple(input_shape)}."
            )

    def call(self, inputs: Any) -> Any:
        b = active()
        return b.where(self._keep(inputs, keepdims=True), inputs, b.zeros_like(inputs))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """``any(inputs != mask_value, axis=-1)``."""
        return self._keep(inputs, keepdims=False)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}


__all__ = ["Masking"]
