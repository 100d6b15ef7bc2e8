"""``Function``: a callable graph of layers and ops between symbolic inputs and outputs (Keras's
``keras.Function``), without the training machinery of a ``Model``."""

from __future__ import annotations

from typing import Any

from unikeras import tree


class Function:
    """The computation from ``inputs`` (``unikeras.Input`` tensors) to ``outputs``, callable on real
    tensors (or on symbolic ones, giving symbolic outputs).

    Args:
        inputs: a symbolic input, or a list / dict of them.
        outputs: symbolic tensors computed from ``inputs`` (any structure).
        name: the function's name.
    """

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None) -> None:
        from unikeras.models.functional import Functional

        self._graph = Functional(inputs, outputs, name=name)
        self.name = self._graph.name
        self._inputs_struct = inputs
        self._outputs_struct = outputs

    @property
    def inputs(self) -> list[Any]:
        """The symbolic inputs, flattened."""
        return tree.flatten(self._inputs_struct)

    @property
    def outputs(self) -> list[Any]:
        """The symbolic outputs, flattened."""
        return tree.flatten(self._outputs_struct)

    @property
    def operations(self) -> list[Any]:
        """The layers (ops included) of the graph, in the order they run."""
        return list(self._graph.layers)

    def call(self, inputs: Any) -> Any:
        """Run the graph on ``inputs`` (the structure of the symbolic inputs)."""
        return self._graph(inputs)

    def __call__(self, inputs: Any) -> Any:
        return self.call(inputs)

    def compute_output_spec(self, inputs: Any) -> Any:
        """The symbolic outputs for symbolic ``inputs``, in the structure of ``outputs``."""
        return self._restructure(self._graph(inputs))

    def _restructure(self, result: Any) -> Any:
        """A symbolic call's outputs (a flat list in the graph's output order, or already structured)
        in the structure of ``outputs``."""
        if not isinstance(result, list) or isinstance(self._outputs_struct, list):
            return result
        position = {id(t): i for i, t in enumerate(self._graph.outputs)}
        return tree.map_structure(lambda t: result[position[id(t)]], self._outputs_struct)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shapes for ``input_shape`` (the structure of the inputs' shapes, batch axis included)."""
        from unikeras.layers import Input

        symbolic = tree.map_shape_structure(lambda shape: Input(batch_shape=tuple(shape)), input_shape)
        return tree.map_structure(lambda t: tuple(t.shape), self._restructure(self._graph(symbolic)))


__all__ = ["Function"]
