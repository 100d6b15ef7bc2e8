"""``Sequential``: a linear stack of layers."""

from __future__ import annotations

from typing import Any

from unikeras.layers.core import Input, InputLayer
from unikeras.layers.layer import Layer, shapes_only
from unikeras.models.model import Model
from unikeras.symbolic import KerasTensor


class Sequential(Model):
    """Layers applied one after the other; a mask produced by one layer (``Embedding(mask_zero=True)``,
    ``Masking``) is passed to the next ones.

    Args:
        layers: list of layers; may start with ``unikeras.Input(shape)``.
        name: model name.
    """

    def __init__(self, layers: list[Any] | None = None, trainable: bool = True, name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)
        self._input_batch_shape: tuple | None = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._build_if_shape_known()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append a layer (or set the input with ``unikeras.Input``)."""
        if isinstance(layer, KerasTensor):
            layer = layer.layer
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(f"Sequential '{self.name}': an Input can only come first.")
            self._input_batch_shape = layer.batch_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential '{self.name}'.add(): expected a Layer, received {type(layer).__name__}.")
        if not self._layers and layer._input_shape_arg is not None and self._input_batch_shape is None:
            self._input_batch_shape = (None,) + layer._input_shape_arg
        self._layers.append(layer)
        self.built = False
        self._step_functions = {}
        if rebuild:
            self._build_if_shape_known()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError(f"Sequential '{self.name}' has no layers to pop.")
        layer = self._layers.pop()
        self.built = False
        self._step_functions = {}
        self._build_if_shape_known()
        return layer

    def _build_if_shape_known(self) -> None:
        if self._input_batch_shape is not None and self._layers:
            self._maybe_build(self._input_batch_shape)

    def build(self, input_shape: tuple) -> None:
        # The layers are called on a symbolic input, which gives them their `input` / `output` and the
        # model its `inputs` / `outputs` (the feature-extraction idiom: Model(m.inputs, m.layers[i].output)).
        tensor = Input(batch_shape=(None,) + tuple(input_shape[1:]), dtype=self.dtype, name=f"{self.name}_input")
        self._symbolic_io = ([tensor], [self._call_symbolically(tensor)])
        self._expected_input_shape = (None,) + tuple(input_shape[1:])
        self._check_single_backend()

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """Build each layer in turn on symbolic inputs (checking shapes); the final shape."""
        with shapes_only():
            return self._call_symbolically(KerasTensor((None,) + tuple(input_shape[1:]), dtype=self.dtype)).shape

    def _call_symbolically(self, tensor: KerasTensor) -> KerasTensor:
        for layer in self._layers:
            tensor = layer(tensor)
        return tensor

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic input, once the input shape is known (``Input`` first, or built)."""
        return list(self._built_symbolic_io()[0])

    @property
    def outputs(self) -> list[KerasTensor]:
        """The symbolic output of the last layer, once the input shape is known."""
        return list(self._built_symbolic_io()[1])

    @property
    def input(self) -> KerasTensor:
        return self.inputs[0]

    @property
    def output(self) -> KerasTensor:
        return self.outputs[0]

    def _built_symbolic_io(self) -> tuple[list, list]:
        if not self.built or "_symbolic_io" not in self.__dict__:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined inputs or outputs yet: start it with "
                "keras.Input(shape), or build it (model.build(input_shape) or a first call on data)."
            )
        return self._symbolic_io

    @property
    def output_names(self) -> list[str]:
        """The one output's name: the last layer's (Keras's rule)."""
        return [self._layers[-1].name] if self._layers else [self.name]

    def build_for_input_shape(self, input_shape: tuple) -> tuple:
        if not self.built:
            self._maybe_build(input_shape)
        return self.compute_output_shape(input_shape)

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        return self._run(inputs, training, mask)[0]

    def _call_and_mask(self, inputs: Any, args: tuple, kwargs: dict, mask: Any) -> tuple:
        return self._run(inputs, kwargs.get("training"), mask)

    def _run(self, inputs: Any, training: bool | None, mask: Any) -> tuple:
        """The layers in turn, each given the previous one's output mask; ``(outputs, output mask)``."""
        x = inputs
        for layer in self._layers:
            x, mask = layer._masked_call(x, mask, (), training, {})
        return x, mask

    def get_config(self) -> dict:
        layers = [{"class_name": type(layer).__name__, "config": layer.get_config()} for layer in self._layers]
        cfg = {"name": self.name, "trainable": self.trainable, "layers": layers}
        if self._input_batch_shape is not None:
            cfg["input_shape"] = list(self._input_batch_shape)
        return cfg

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        """A new model from ``get_config()``; custom layers come from ``custom_objects`` or the registry."""
        from unikeras.layers.serialization import deserialize

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        if config.get("input_shape"):
            model.add(InputLayer(batch_shape=tuple(config["input_shape"])), rebuild=False)
        for spec in config["layers"]:
            model.add(deserialize(spec, custom_objects), rebuild=False)
        model._build_if_shape_known()
        return model
