"""Layer wrappers."""

from __future__ import annotations

from typing import Any

from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class TimeDistributed(Layer):
    """Applies ``layer`` to every time step of inputs shaped ``(batch, time, ...)``.

    Args:
        layer: the Layer to apply; its weights are shared across time steps.
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed '{self.name}': `layer` must be a Layer, received {layer!r}.")
        self.layer = layer

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}': expects inputs of rank >= 3 (batch, time, ...), "
                f"received shape {tuple(input_shape)}."
            )
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        b = active()
        shape = b.shape(inputs)
        folded = b.reshape(inputs, (shape[0] * shape[1],) + tuple(shape[2:]))
        outputs = self.layer(folded, training=training)
        return b.reshape(outputs, (shape[0], shape[1]) + tuple(b.shape(outputs)[1:]))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layer": {"class_name": type(self.layer).__name__, "config": self.layer.get_config()},
        }

    @classmethod
    def from_config(cls, config: dict) -> TimeDistributed:
        from unikeras import layers

        config = dict(config)
        config.pop("build_input_shape", None)
        spec = config.pop("layer")
        return cls(getattr(layers, spec["class_name"]).from_config(spec["config"]), **config)
