"""The Layer base class: weights, build-on-first-call, config, backend ownership."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from unikeras import backends, config, initializers, regularizers
from unikeras.random import SeedGenerator
from unikeras.symbolic import KerasTensor, Node
from unikeras.variables import Variable

_name_counts: dict[str, int] = {}


def unique_name(base: str) -> str:
    """``base``, then ``base_1``, ``base_2``, ... (reset by ``backend.clear_session()``)."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    _name_counts.clear()


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


class _CallContext:
    """The ``training`` flag of the outermost call, inherited by nested layer calls."""

    training: bool | None = None


def _shape_of(x: Any, backend: Any) -> tuple:
    if isinstance(x, (KerasTensor, np.ndarray, Variable)):
        return tuple(x.shape)
    return backend.shape(x)


class Layer:
    """Base class of all layers.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name (derived from the class name when omitted).
        dtype: dtype of the weights and computations (``floatx()`` when omitted).
        input_shape: optional shape (without batch axis) to build a first Sequential layer.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        params = inspect.signature(cls.call).parameters
        cls._call_has_training = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: str | None = None,
        input_shape: tuple | None = None,
        **kwargs: Any,
    ) -> None:
        if "batch_input_shape" in kwargs:
            shape = kwargs.pop("batch_input_shape")
            input_shape = tuple(shape[1:])
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}.")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = trainable
        self.dtype = dtype or config.floatx()
        self.built = False
        self._backend: backends.Backend | None = None
        self._own_weights: list[Variable] = []
        self._layers: list[Layer] = []
        self._seed_generators: list[SeedGenerator] = []
        self._weight_penalties: list[tuple[Variable, Any]] = []
        self._input_shape_arg = tuple(input_shape) if input_shape is not None else None
        self._expected_axes: dict[int, int] = {}
        self._build_shape: tuple | None = None
        self._output_shape: tuple | None = None

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Layer) and name != "_parent" and hasattr(self, "_layers"):
            if value not in self._layers:
                self._layers.append(value)
        elif isinstance(value, SeedGenerator) and hasattr(self, "_seed_generators"):
            self._seed_generators.append(value)
        super().__setattr__(name, value)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._layers:
            layer.trainable = value

    @property
    def backend(self) -> backends.Backend | None:
        """The adapter this layer's weights live on (``None`` before it is built)."""
        return self._backend

    def _flatten_layers(self) -> Iterator[Layer]:
        yield self
        for layer in self._layers:
            yield from layer._flatten_layers()

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return []
        out = [w for w in self._own_weights if w.trainable]
        for layer in self._layers:
            out.extend(layer.trainable_weights)
        return out

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return self.weights
        out = [w for w in self._own_weights if not w.trainable]
        for layer in self._layers:
            out.extend(layer.non_trainable_weights)
        return out

    @property
    def weights(self) -> list[Variable]:
        """All weights, in creation order per layer (Keras's ``get_weights`` order)."""
        out = list(self._own_weights)
        for layer in self._layers:
            out.extend(layer.weights)
        return out

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return self.non_trainable_weights + [
            g.state for layer in self._flatten_layers() for g in layer._seed_generators
        ]

    @property
    def variables(self) -> list[Variable]:
        """Weights plus seed-generator states."""
        return self.weights + [g.state for layer in self._flatten_layers() for g in layer._seed_generators]

    def add_weight(
        self,
        shape: tuple[int, ...] = (),
        initializer: Any = "glorot_uniform",
        dtype: str | None = None,
        trainable: bool = True,
        name: str | None = None,
        regularizer: Any = None,
    ) -> Variable:
        """Create a weight of this layer on the active backend; ``regularizer`` adds its
        penalty to ``layer.losses`` (and so to the training loss)."""
        self._claim_backend()
        init = initializers.get(initializer)
        variable = Variable(init, shape=tuple(shape), dtype=dtype or self.dtype, trainable=trainable, name=name)
        self._own_weights.append(variable)
        penalty = regularizers.get(regularizer)
        if penalty is not None:
            self._weight_penalties.append((variable, penalty))
        return variable

    @property
    def losses(self) -> list[Any]:
        """Penalties of this layer's and its sub-layers' regularized weights, from their current values."""
        out = [penalty(variable.value) for variable, penalty in self._weight_penalties]
        for layer in self._layers:
            out.extend(layer.losses)
        return out

    def _claim_backend(self) -> None:
        current = backends.current()
        if self._backend is None:
            self._backend = current
        elif self._backend is not current:
            raise ValueError(
                f"Layer '{self.name}' lives on backend '{self._backend.name}' but is being used on "
                f"'{current.name}'. A model cannot mix backends: rebuild the layer on '{current.name}'."
            )

    # ------------------------------------------------------------------ building and calling
    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis included)."""
        self.built = True

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def _maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self._claim_backend()
            self.build(list(input_shape) if isinstance(input_shape, list) else tuple(input_shape))
            self.built = True
            self._build_shape = input_shape

    def _check_input_shape(self, shape: tuple) -> None:
        for axis, size in self._expected_axes.items():
            if len(shape) <= abs(axis) - (axis < 0) or (shape[axis] is not None and shape[axis] != size):
                raise ValueError(
                    f"Input to layer '{self.name}' is incompatible: expected axis {axis} of size {size}, "
                    f"received input of shape {tuple(shape)}."
                )

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, KerasTensor) or _holds_symbolic(inputs):
            return self._symbolic_call(inputs, kwargs)
        backend = backends.current()
        if self._backend is not None and self._backend is not backend:
            raise ValueError(
                f"Layer '{self.name}' lives on backend '{self._backend.name}' but was called while "
                f"'{backend.name}' is active. A model cannot mix backends."
            )
        if isinstance(inputs, (list, tuple)):  # several inputs (merge layers, multi-input models)
            inputs = [self._as_tensor(x, backend) for x in inputs]
            if not self.built:
                self._maybe_build([backend.shape(x) for x in inputs])
        else:
            if not backend.is_tensor(inputs):
                inputs = self._as_tensor(inputs, backend)
            if not self.built:
                self._maybe_build(backend.shape(inputs))
            elif self._expected_axes:
                self._check_input_shape(backend.shape(inputs))
        if not self._call_has_training:
            return self.call(inputs, *args, **kwargs)
        outer = _CallContext.training
        if training is None:
            training = outer
        _CallContext.training = training
        try:
            return self.call(inputs, *args, training=training, **kwargs)
        finally:
            _CallContext.training = outer

    def _as_tensor(self, x: Any, backend: backends.Backend) -> Any:
        if backend.is_tensor(x):
            return x
        return backend.convert_to_tensor(x, self.dtype if _is_float_like(x) else None)

    def _symbolic_call(self, inputs: Any, kwargs: dict | None = None) -> Any:
        """Shapes only: build if needed and return KerasTensors recording this call (a node)."""
        if isinstance(inputs, KerasTensor):
            shapes: Any = inputs.shape
            if self.built:
                self._check_input_shape(shapes)
        else:
            shapes = [x.shape for x in inputs]
        if not self.built:
            self._maybe_build(shapes)
        output_shape = self.compute_output_shape(shapes)
        node = Node(self, inputs, dict(kwargs or {}))
        if _is_shape_list(output_shape):
            self._output_shape = [tuple(s) for s in output_shape]
            node.outputs = [
                KerasTensor(tuple(s), dtype=self.dtype, layer=self, node=node, index=i)
                for i, s in enumerate(output_shape)
            ]
        else:
            self._output_shape = tuple(output_shape)
            node.outputs = KerasTensor(tuple(output_shape), dtype=self.dtype, layer=self, node=node)
        return node.outputs

    # ------------------------------------------------------------------ weights as NumPy
    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy arrays, in Keras order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Load NumPy arrays into the weights (same order and shapes as ``get_weights``)."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(
                f"Layer '{self.name}' set_weights(): expected {len(params)} arrays, received {len(weights)}."
            )
        values = [np.asarray(w) for w in weights]
        for variable, value in zip(params, values):
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Layer '{self.name}' set_weights(): weight '{variable.name}' expects shape {variable.shape}, "
                    f"received {value.shape}."
                )
        for variable, value in zip(params, values):
            variable.assign(variable.backend.convert_to_tensor(value.astype(variable.dtype)))

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape) for w in self.weights))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Constructor arguments that recreate this layer (without weights)."""
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._build_shape is not None:
            cfg["build_input_shape"] = list(self._build_shape)
        return cfg

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        config = dict(config)
        config.pop("build_input_shape", None)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _holds_symbolic(inputs: Any) -> bool:
    return isinstance(inputs, (list, tuple)) and any(isinstance(x, KerasTensor) for x in inputs)


def _is_shape_list(shape: Any) -> bool:
    """True for a list of shapes (several outputs), False for one shape."""
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and all(isinstance(s, (list, tuple)) for s in shape)


def _is_float_like(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, (float, list, tuple))


def current_training() -> bool | None:
    """The ``training`` flag of the enclosing layer call."""
    return _CallContext.training
