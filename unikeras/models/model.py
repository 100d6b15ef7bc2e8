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
        if _functional_arguments(args, kwargs):
            from unikeras.models.functional import Functional

            if cls is Model:
                return object.__new__(Functional)  # Model(inputs, outputs), as in Keras
            if not issubclass(cls, Functional):
                # A subclass called with inputs and outputs (to override train_step, say) is a
                # functional model that keeps the subclass's methods.
                return object.__new__(_functional_variant(cls, Functional))
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
        sample = _zeros_like_shapes(input_shape, self.dtype)
        with backends.activated(self._backend):
            output = self(sample, training=False)
        self._check_single_backend()
        shape_of = lambda t: (None,) + tuple(self._backend.shape(t)[1:])  # noqa: E731
        if isinstance(output, dict):
            self._output_structure_names = list(output)
            return {k: shape_of(v) for k, v in output.items()}
        if isinstance(output, (list, tuple)):
            self._output_structure_names = [f"output_{i + 1}" for i in range(len(output))]
            return [shape_of(t) for t in output]
        self._output_structure_names = [self.name]
        return shape_of(output)

    def _check_single_backend(self) -> None:
        for layer in self._flatten_layers():
            if self._backend is None:  # built directly (model.build(shape)): it joins its layers' backend
                self._backend = layer._backend
            elif layer._backend is not None and layer._backend is not self._backend:
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
        """Write the whole model (architecture, weights, compile settings) to a ``.ukeras`` file, or to
        a Keras 3 ``.keras`` file that Keras loads."""
        from unikeras import saving

        saving.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        """Write the weights (and the optimizer's state, once built) to a ``.weights.safetensors`` file,
        or to a Keras 3 ``.weights.h5`` file."""
        from unikeras import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str, skip_mismatch: bool = False) -> None:
        """Read weights matched by name from ``.weights.safetensors``, Keras ``.weights.h5`` or ``.keras``
        files, or legacy Keras 2 ``.h5`` files (by layer name or order)."""
        from unikeras import saving

        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def export(self, filepath: str, format: str = "onnx", opset: int | None = None) -> None:  # noqa: A002
        """Write the model for inference elsewhere; ``format="onnx"`` (the only one) writes an ONNX file
        from the layer graph, the same on every backend (``opset`` 17 to 21, ``None``: 17)."""
        if format != "onnx":
            raise ValueError(f"Model '{self.name}'.export(): `format` must be 'onnx', received {format!r}.")
        from unikeras.export import export_onnx

        export_onnx(self, filepath, opset=opset)

    def summary(self, print_fn: Any = None) -> None:
        """Print a table of layers, output shapes and parameter counts."""
        from unikeras.utils.summary import format_summary

        (print_fn or print)(format_summary(self))


_FUNCTIONAL_VARIANTS: dict[type, type] = {}


def _zeros_like_shapes(shapes: Any, dtype: str) -> Any:
    """One-sample zero arrays for a shape, or for a list or dict of shapes (one per input)."""
    if isinstance(shapes, dict):
        return {k: _zeros_like_shapes(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)) and shapes and all(isinstance(s, (list, tuple, dict)) for s in shapes):
        return [_zeros_like_shapes(s, dtype) for s in shapes]
    return np.zeros((1,) + tuple(shapes[1:]), dtype=dtype)


def _functional_arguments(args: tuple, kwargs: dict) -> bool:
    from unikeras.symbolic import KerasTensor

    def symbolic(value: Any) -> bool:
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, dict):
            return bool(value) and all(symbolic(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return bool(value) and all(symbolic(v) for v in value)
        return False

    if "inputs" in kwargs or "outputs" in kwargs:
        return True
    return len(args) >= 2 and symbolic(args[0]) and symbolic(args[1])


def _functional_variant(cls: type, functional: type) -> type:
    """``cls`` with the functional model's graph machinery mixed in (one class per subclass)."""
    variant = _FUNCTIONAL_VARIANTS.get(cls)
    if variant is None:
        variant = type(
            cls.__name__, (cls, functional), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
        _FUNCTIONAL_VARIANTS[cls] = variant
    return variant
