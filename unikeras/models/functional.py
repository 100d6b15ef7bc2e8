"""``Model(inputs, outputs)``: a graph of layers recorded by calling them on ``unikeras.Input``."""

from __future__ import annotations

from typing import Any

from unikeras import backends
from unikeras.layers.core import InputLayer
from unikeras.layers.layer import Layer, _attach_masks, _loss_adders, _OutermostCall, get_keras_mask, outermost_call
from unikeras.models.model import Model
from unikeras.symbolic import KerasTensor, Node, substitute


def _flatten(structure: Any) -> list[KerasTensor]:
    if isinstance(structure, KerasTensor):
        return [structure]
    if isinstance(structure, dict):
        return [t for v in structure.values() for t in _flatten(v)]
    if isinstance(structure, (list, tuple)):
        return [t for v in structure for t in _flatten(v)]
    raise TypeError(f"Model inputs and outputs must be KerasTensors from unikeras.Input, received {structure!r}.")


def _map(fn: Any, structure: Any) -> Any:
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_map(fn, v) for v in structure]
    return fn(structure)


def _ordered_nodes(outputs: list[KerasTensor]) -> list[Node]:
    """The nodes that produce ``outputs``, each after the nodes it depends on."""
    order: list[Node] = []
    seen: set[int] = set()

    def visit(tensor: KerasTensor) -> None:
        node = tensor.node
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    for tensor in outputs:
        visit(tensor)
    return order


class Functional(Model):
    """A model defined by its symbolic ``inputs`` and ``outputs`` (KerasTensors, or lists or
    dicts of them). Created by ``unikeras.Model(inputs, outputs)``.

    Running it walks the recorded nodes in order; each layer's output mask goes with its output to
    the layers that consume it. KerasTensors passed as keyword arguments of a layer call
    (``LSTM(8)(x, initial_state=[h, c])``) are inputs of that node."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True) -> None:
        Layer.__init__(self, name=name, trainable=trainable)
        self._init_trainer()
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors = _flatten(inputs)
        self._output_tensors = _flatten(outputs)
        for tensor in self._input_tensors:
            if not isinstance(tensor.layer, InputLayer):
                raise ValueError(
                    f"Model '{self.name}': every input must come from unikeras.Input(), received {tensor!r}."
                )
        self._nodes = _ordered_nodes(self._output_tensors)
        known = {id(t) for t in self._input_tensors}
        for node in self._nodes:
            for parent in node.parents:
                if parent.node is None and id(parent) not in known:
                    raise ValueError(
                        f"Model '{self.name}': graph disconnected — layer '{node.layer.name}' needs input "
                        f"'{parent.name}', which is not among the model's inputs."
                    )
        for node in self._nodes:
            if node.layer not in self._layers:
                self._layers.append(node.layer)
        built_on = {layer._backend for layer in self._layers if layer._backend is not None}
        self._backend = built_on.pop() if len(built_on) == 1 else backends.current()
        self._check_single_backend()
        self.built = True
        self._build_shape = [t.shape for t in self._input_tensors]
        self._output_shape = [t.shape for t in self._output_tensors]

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._input_tensors)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._output_tensors)

    @property
    def input(self) -> Any:
        """The model's inputs in the structure given to the constructor."""
        return self._inputs_struct

    @property
    def output(self) -> Any:
        """The model's outputs in the structure given to the constructor."""
        return self._outputs_struct

    def _bind_inputs(self, inputs: Any) -> dict[int, Any]:
        if isinstance(self._inputs_struct, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"Model '{self.name}' takes a dict of inputs {sorted(self._inputs_struct)}.")
            values = [inputs[k] for k in self._inputs_struct]
        elif len(self._input_tensors) == 1:
            values = [inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else inputs]
        else:
            if not isinstance(inputs, (list, tuple)) or len(inputs) != len(self._input_tensors):
                raise ValueError(
                    f"Model '{self.name}' expects {len(self._input_tensors)} inputs, received "
                    f"{len(inputs) if isinstance(inputs, (list, tuple)) else 1}."
                )
            values = list(inputs)
        return {id(t): v for t, v in zip(self._input_tensors, values)}

    def _bind_masks(self, mask: Any) -> dict[int, Any]:
        """Masks of the model inputs (one mask, or a list or dict like the inputs), keyed like the values."""
        if mask is None:
            return {}
        if isinstance(self._inputs_struct, dict) and isinstance(mask, dict):
            masks = [mask.get(k) for k in self._inputs_struct]
        elif isinstance(mask, (list, tuple)) and len(self._input_tensors) > 1:
            masks = list(mask)
        elif isinstance(mask, (list, tuple)) and len(mask) == 1:
            masks = [mask[0]]
        else:
            masks = [mask]
        return {id(t): m for t, m in zip(self._input_tensors, masks) if m is not None}

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inputs, KerasTensor) or (
            isinstance(inputs, (list, tuple, dict)) and any(isinstance(t, KerasTensor) for t in _leaves(inputs))
        ):
            return self._call_symbolic(inputs)
        if _loss_adders and not _OutermostCall.depth:
            return outermost_call(self, Functional.__call__, inputs, *args, **kwargs)
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = _input_masks(inputs)
        training = kwargs.pop("training", None)
        if args or kwargs:
            raise TypeError(
                f"Model '{self.name}': unexpected call arguments {list(args) + sorted(kwargs)}; "
                "a functional model takes `inputs`, `training` and `mask`."
            )
        backend = self._backend
        if backend is backends._active:
            outputs, output_mask = self._run(inputs, training, mask)
        else:
            with backends.activated(backend):
                outputs, output_mask = self._run(inputs, training, mask)
        if output_mask is not None:
            _attach_masks(outputs, output_mask)
        return outputs

    def _masked_call(self, inputs: Any, mask: Any, args: tuple, training: bool | None, kwargs: dict) -> tuple:
        if kwargs.get("mask") is not None:
            mask = kwargs["mask"]
        if self._backend is backends._active:
            return self._run(inputs, training, mask)
        with backends.activated(self._backend):
            return self._run(inputs, training, mask)

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        return self._run(inputs, training, mask)[0]

    def _run(self, inputs: Any, training: bool | None, mask: Any) -> tuple:
        """Run the nodes in order; masks travel beside the values. ``(outputs, output masks)``."""
        values = self._bind_inputs(inputs)
        masks = self._bind_masks(mask)
        for node in self._nodes:
            args = substitute(node.inputs, values)
            kwargs = substitute(node.kwargs, values) if node.kwargs else {}
            if not masks:
                in_mask = None
            elif isinstance(node.inputs, KerasTensor):
                in_mask = masks.get(id(node.inputs))
            else:
                in_mask = [masks.get(id(t)) if isinstance(t, KerasTensor) else None for t in node.inputs]
                if all(m is None for m in in_mask):
                    in_mask = None
            extra = substitute(node.args, values) if node.args else ()
            result, out_mask = node.layer._masked_call(args, in_mask, extra, training, kwargs)
            outputs = node.outputs
            if isinstance(outputs, KerasTensor):
                values[id(outputs)] = result
                if out_mask is not None:
                    masks[id(outputs)] = out_mask[0] if isinstance(out_mask, (list, tuple)) else out_mask
            else:
                out_masks = out_mask if isinstance(out_mask, (list, tuple)) else [out_mask]
                for i, (tensor, value) in enumerate(zip(outputs, result)):
                    values[id(tensor)] = value
                    if i < len(out_masks) and out_masks[i] is not None:
                        masks[id(tensor)] = out_masks[i]
        outputs = _map(lambda t: values[id(t)], self._outputs_struct)
        if not masks:
            return outputs, None
        output_masks = _map(lambda t: masks.get(id(t)), self._outputs_struct)
        if isinstance(output_masks, list) and all(m is None for m in output_masks):
            output_masks = None
        return outputs, output_masks

    def _call_symbolic(self, inputs: Any) -> Any:
        """Use this model as a layer inside another functional model."""
        node = Node(self, inputs, {})
        shapes = [t.shape for t in self._output_tensors]
        outs = [
            KerasTensor(s, dtype=t.dtype, layer=self, node=node, index=i)
            for i, (s, t) in enumerate(zip(shapes, self._output_tensors))
        ]
        node.outputs = outs[0] if isinstance(self._outputs_struct, KerasTensor) else outs
        return node.outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = [t.shape for t in self._output_tensors]
        return shapes[0] if isinstance(self._outputs_struct, KerasTensor) else shapes

    def build_for_input_shape(self, input_shape: Any) -> Any:
        """Check data of ``input_shape`` (one shape, or one per input) against the inputs."""
        if isinstance(input_shape, dict):
            keys = list(self._inputs_struct) if isinstance(self._inputs_struct, dict) else None
            keys = keys or [t.name for t in self._input_tensors]
            shapes = [input_shape[k] for k in keys]
        elif isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            shapes = list(input_shape)
        else:
            shapes = [input_shape]
        for tensor, shape in zip(self._input_tensors, shapes):
            expected = tensor.shape[1:]
            if len(expected) != len(shape) - 1 or any(e is not None and e != s for e, s in zip(expected, shape[1:])):
                raise ValueError(
                    f"Input '{tensor.name}' of model '{self.name}' expects shape {tensor.shape}, "
                    f"received data of shape {tuple(shape)}."
                )
        return self.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        """The graph as Keras 3 writes it: layers with their calls, input and output references."""
        from unikeras.models.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Functional:
        """A new model (new weights) with the architecture of ``config``."""
        from unikeras.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)


def _input_masks(inputs: Any) -> Any:
    """Masks attached to eager model inputs (same structure as ``inputs``), or ``None`` if there are none."""
    if isinstance(inputs, dict):
        masks: Any = {k: get_keras_mask(v) for k, v in inputs.items()}
        return masks if any(m is not None for m in masks.values()) else None
    if isinstance(inputs, (list, tuple)):
        masks = [get_keras_mask(v) for v in inputs]
        return masks if any(m is not None for m in masks) else None
    return get_keras_mask(inputs)


def _leaves(structure: Any) -> list[Any]:
    if isinstance(structure, dict):
        return list(structure.values())
    return list(structure)
