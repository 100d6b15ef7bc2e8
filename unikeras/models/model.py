"""``Model``: a Layer that trains (``compile`` / ``fit`` / ``evaluate`` / ``predict``).

Subclass it with ``__init__`` creating layers and ``call(inputs, training=None)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras import backends
from unikeras.layers.layer import Layer
from unikeras.trainers.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable stack of layers; subclass and implement ``call``.

    Args:
        name: model name.
        trainable: whether its weights train.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from unikeras.models.functional import Functional

            return object.__new__(Functional)  # Model(inputs, outputs), as in Keras
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        backend = self._backend
        if backend is None or backend is backends._active:
            return Layer.__call__(self, inputs, *args, **kwargs)
        with backends.activated(backend):
            return Layer.__call__(self, inputs, *args, **kwargs)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Model:
        """A new model from ``get_config()``'s output; a functional config gives a functional model."""
        if cls is Model and "input_layers" in config and "output_layers" in config:
            from unikeras.models.functional import Functional

            return Functional.from_config(config, custom_objects=custom_objects)
        return super().from_config(config)

    def build_for_input_shape(self, input_shape: tuple) -> tuple:
        """Build (or check) the model for inputs of ``input_shape``; returns the output shape."""
        if not self.built:
            self._claim_backend()
        sample = np.zeros((1,) + tuple(input_shape[1:]), dtype=self.dtype)
        with backends.activated(self._backend):
            output = self(sample, training=False)
        self._check_single_backend()
        return (None,) + tuple(self._backend.shape(output)[1:])

    def _check_single_backend(self) -> None:
        for layer in self._flatten_layers():
            if layer._backend is not None and layer._backend is not self._backend:
                raise ValueError(
                    f"Layer '{layer.name}' lives on backend '{layer._backend.name}' but model '{self.name}' "
                    f"is on '{self._backend.name}'. A model cannot mix backends."
                )

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A direct sub-layer by ``name`` or ``index``."""
        if index is not None:
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"Model '{self.name}' has no layer named {name!r}. Layers: {[l.name for l in self._layers]}.")

    # ------------------------------------------------------------------ files
    def save(self, filepath: str, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Write the whole model (architecture, weights, compile settings) to a ``.ukeras`` file."""
        from unikeras import saving

        saving.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Write the weights (and the optimizer's state, once built) to a ``.weights.safetensors`` file."""
        from unikeras import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str, skip_mismatch: bool = False) -> None:
        """Read weights written by ``save_weights``, matched by name."""
        from unikeras import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def summary(self, print_fn: Any = None) -> None:
        """Print a table of layers, output shapes and parameter counts."""
        from unikeras.utils.summary import format_summary

        (print_fn or print)(format_summary(self))
