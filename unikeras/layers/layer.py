"""The Layer base class: weights, build-on-first-call, masks, config, backend ownership.

Masks (Keras's convention: a boolean tensor, ``True`` for timesteps to use) travel two ways:

* explicitly, as ``(outputs, mask)`` pairs, through ``Sequential`` and functional models
  (``Layer._masked_call``), so they survive compiled steps (``jax.jit``, ``tf.function``);
* eagerly between layer calls outside a model (``x = emb(ids); y = lstm(x)``): the output mask is
  attached to the output tensor as attribute ``_keras_mask`` where the tensor type allows it, else in a
  registry keyed by the tensor object (held weakly). This is best effort: an op applied to a tensor
  between two layer calls returns a new tensor without the mask.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from unikeras import backends, constraints, dtype_policies, initializers, regularizers
from unikeras.layers import tracking
from unikeras.layers.input_spec import assert_input_compatibility
from unikeras.random import SeedGenerator
from unikeras.symbolic import KerasTensor, Node
from unikeras.variables import AutocastScope, Variable, numpy_dtype

_FLOATS = frozenset(("float16", "bfloat16", "float32", "float64"))

_name_counts: dict[str, int] = {}


def unique_name(base: str) -> str:
    """``base``, then ``base_1``, ``base_2``, ... (reset by ``backend.clear_session()``)."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    _name_counts.clear()


def to_snake_case(name: str) -> str:
    """A class name as Keras writes default layer names: ``Conv2D`` -> ``conv2d``, ``LSTMCell`` -> ``lstm_cell``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


_MASK_ATTR = "_keras_mask"
_mask_registry: dict[int, tuple[weakref.ref, Any]] = {}


def get_keras_mask(x: Any) -> Any:
    """The mask attached to tensor ``x`` by the layer call that produced it (``None`` if none)."""
    mask = getattr(x, _MASK_ATTR, None)
    if mask is None and _mask_registry:
        entry = _mask_registry.get(id(x))
        if entry is not None and entry[0]() is x:
            return entry[1]
    return mask


def set_keras_mask(x: Any, mask: Any) -> None:
    """Attach ``mask`` to tensor ``x`` (an attribute, or a weak registry entry for tensors that take no
    attributes, such as JAX tracers); ``None`` removes it. Tensors that allow neither are left alone."""
    try:
        setattr(x, _MASK_ATTR, mask)
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    if mask is None:
        _mask_registry.pop(key, None)
        return
    try:
        ref = weakref.ref(x, lambda r, key=key: _forget_mask(key, r))
    except TypeError:
        return
    _mask_registry[key] = (ref, mask)


_record_nodes = [True]  # False while a symbolic pass only computes shapes (see `shapes_only`)


@contextlib.contextmanager
def shapes_only() -> Iterator[None]:
    """Symbolic layer calls inside do not become the layers' nodes (their ``input`` / ``output``):
    a shape computation repeated on every ``fit`` / ``predict`` must not pile nodes up."""
    before, _record_nodes[0] = _record_nodes[0], False
    try:
        yield
    finally:
        _record_nodes[0] = before


def _forget_mask(key: int, ref: weakref.ref) -> None:
    entry = _mask_registry.get(key)
    if entry is not None and entry[0] is ref:
        del _mask_registry[key]


def _masks_of(inputs: Any) -> Any:
    """The masks attached to ``inputs`` (one tensor or a list): a mask, a list of masks, or ``None``."""
    if isinstance(inputs, (list, tuple)):
        masks = [get_keras_mask(x) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return get_keras_mask(inputs)


def _attach_masks(outputs: Any, mask: Any) -> None:
    if isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        for output, m in zip(outputs, masks):
            if m is not None:
                set_keras_mask(output, m)
    elif isinstance(outputs, dict):
        if isinstance(mask, dict):
            for key, m in mask.items():
                if m is not None and key in outputs:
                    set_keras_mask(outputs[key], m)
    elif not isinstance(mask, (list, tuple, dict)):
        set_keras_mask(outputs, mask)


class _CallContext:
    """The ``training`` flag of the outermost call, inherited by nested layer calls."""

    training: bool | None = None


def _shape_of(x: Any, backend: Any) -> tuple:
    if isinstance(x, (KerasTensor, np.ndarray, Variable)):
        return tuple(x.shape)
    return backend.shape(x)


class Layer:
    """Base class of all layers.

    Masking: ``supports_masking`` (class attribute, ``False`` by default; ``True`` for a class that
    overrides ``compute_mask``) says whether the layer propagates masks; ``compute_mask(inputs, mask)``
    gives the output mask; a layer whose ``call`` takes a ``mask`` argument receives the incoming mask
    when the caller passes none.

    Dtypes (Keras's mixed precision): the layer's ``dtype_policy`` gives ``variable_dtype`` (the dtype
    ``add_weight`` creates weights in; ``layer.dtype`` is an alias) and ``compute_dtype``. When the layer
    is called, floating input tensors are cast to ``compute_dtype`` (with ``autocast``), and inside
    ``call`` its floating weights read in ``compute_dtype``, so outputs come out in ``compute_dtype``.
    A class that sets ``_computes_in_float32 = True`` (normalization layers, as Keras's do) runs ``call``
    in float32 when the compute dtype is float16 or bfloat16 and casts its floating outputs back.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name (derived from the class name when omitted).
        dtype: dtype policy: a name (``"float32"``, ``"float64"``, ``"mixed_float16"``,
            ``"mixed_bfloat16"``, ...), a ``DTypePolicy`` or its serialized dict; the global policy
            ``unikeras.config.dtype_policy()`` when omitted.
        autocast: whether to cast floating inputs, and floating weights inside ``call``, to the compute dtype.
        input_shape: optional shape (without batch axis) to build a first Sequential layer.
    """

    supports_masking: bool = False
    # An ``InputSpec`` (or a list of them, one per input) that every call's inputs are checked against,
    # as Keras layers set ``self.input_spec``; ``None`` checks nothing beyond the layer's own checks.
    input_spec: Any = None
    _lists_activity_regularizer = False  # whether get_config always has the key (as Keras's config does)
    _call_has_training = True  # Layer.call takes **kwargs (and raises NotImplementedError)
    _call_has_mask = False
    _overrides_compute_mask = False
    _no_mask_work = True  # without an incoming mask, the output mask is None (no compute_mask, no model)
    _convert_input_args = True  # cast floating inputs to the compute dtype (Keras's flag; False leaves them)
    _computes_in_float32 = False  # run call in float32 under float16/bfloat16 policies, cast outputs back

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        params = inspect.signature(cls.call).parameters
        cls._call_has_training = "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        cls._call_has_mask = "mask" in params
        cls._overrides_compute_mask = cls.compute_mask is not Layer.compute_mask
        cls._no_mask_work = not cls._overrides_compute_mask and cls._call_and_mask is Layer._call_and_mask
        if "build" in cls.__dict__:
            cls.build = _marking_built(cls.__dict__["build"])
        if "supports_masking" not in cls.__dict__ and "compute_mask" in cls.__dict__:
            cls.supports_masking = True  # a layer that computes its output mask handles masks

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        input_shape: tuple | None = None,
        activity_regularizer: Any = None,
        autocast: bool = True,
        **kwargs: Any,
    ) -> None:
        if "batch_input_shape" in kwargs:
            shape = kwargs.pop("batch_input_shape")
            input_shape = tuple(shape[1:])
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}.")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = trainable
        self._dtype_policy = dtype_policies.get(dtype)
        self._autocast = bool(autocast)
        self._set_call_dtypes()
        self.built = False
        self._backend: backends.Backend | None = None
        self._own_weights: list[Variable] = []
        self._layers: list[Layer] = []
        self._seed_generators: list[SeedGenerator] = []
        self._weight_penalties: list[tuple[Variable, Any]] = []
        self._input_shape_arg = tuple(input_shape) if input_shape is not None else None
        self._expected_axes: dict[int, int] = {}
        self._expected_ndim: int | None = None  # input rank, checked on every call (Keras's InputSpec)
        self._expected_min_ndim: int | None = None
        self._build_shape: tuple | None = None
        self._output_shape: tuple | None = None
        self._call_losses: list[Any] = []
        self._inbound_nodes: list[Node] = []  # its calls on symbolic inputs, in order
        self.activity_regularizer = regularizers.get(activity_regularizer)
        if self.activity_regularizer is not None:
            self.call = self._call_with_activity_penalty  # only regularized layers pay for it

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_parent" or "_layers" not in self.__dict__:
            pass
        elif not name.startswith("_") and type(value) in (list, tuple, dict):
            value = tracking.track_attribute(value, self._track, _is_tracked)
        else:
            self._track(value)
        super().__setattr__(name, value)

    def _track(self, value: Any) -> None:
        """Make ``value`` a sub-layer or a seed generator of this layer (nothing for other values)."""
        if isinstance(value, Layer):
            if value is not self and all(value is not layer for layer in self._layers):
                self._layers.append(value)
        elif isinstance(value, SeedGenerator) and all(value is not g for g in self._seed_generators):
            self._seed_generators.append(value)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: a missing private attribute means Layer.__init__ never ran.
        if name.startswith("_") and not name.startswith("__") and "_own_weights" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: Layer.__init__() was not called. A subclass of Layer or Model must "
                "call `super().__init__(**kwargs)` at the start of its `__init__`."
            )
        if isinstance(getattr(type(self), name, None), property):
            return getattr(type(self), name).fget(self)  # let the property's own AttributeError through
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

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

    # ------------------------------------------------------------------ dtypes
    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        """The layer's ``DTypePolicy``; settable (with a name or a policy) before the layer is built."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value: Any) -> None:
        self._dtype_policy = dtype_policies.get(value)
        self._set_call_dtypes()

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (alias of ``variable_dtype``)."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype ``add_weight`` creates weights in."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype of the layer's computations and outputs."""
        return self._dtype_policy.compute_dtype

    @property
    def input_dtype(self) -> str:
        """The dtype floating inputs are cast to."""
        return self._dtype_policy.compute_dtype

    @property
    def autocast(self) -> bool:
        """Whether floating inputs, and floating weights inside ``call``, are cast to the compute dtype."""
        return self._autocast

    @autocast.setter
    def autocast(self, value: bool) -> None:
        self._autocast = bool(value)
        self._set_call_dtypes()

    def _set_call_dtypes(self) -> None:
        """Derive from the policy what a call does: ``_call_dtype``, the dtype floating inputs are cast to
        and the autocast scope's dtype (``None``: no casting); ``_mixed``, whether the weights need that
        scope; ``_output_dtype``, the dtype floating outputs are cast back to (``None``: left as they are)."""
        compute, variable = self._dtype_policy.compute_dtype, self._dtype_policy.variable_dtype
        call_dtype = compute if self._autocast and compute in _FLOATS else None
        self._output_dtype = None
        if self._computes_in_float32 and compute in ("float16", "bfloat16"):
            call_dtype, self._output_dtype = "float32", compute
        self._call_dtype = call_dtype
        self._mixed = call_dtype is not None and call_dtype != variable

    def _check_dtype_supported(self, backend: backends.Backend, dtype: str, role: str) -> None:
        """A clear error when ``backend`` cannot compute in (``role="compute"``) or hold weights in
        (``role="variable"``) float ``dtype``; found by trying it, once per backend, dtype and role."""
        if dtype == "float32" or dtype not in _FLOATS:
            return
        reason = _dtype_support(backend, dtype, role)
        if reason:
            raise ValueError(
                f"{type(self).__name__} '{self.name}': backend '{backend.name}' cannot run dtype policy "
                f"'{self._dtype_policy.name}' ({role} dtype {dtype}): {reason}"
            )

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
        constraint: Any = None,
        autocast: bool = True,
    ) -> Variable:
        """Create a weight of this layer on the active backend, in ``dtype`` (the layer's
        ``variable_dtype`` when omitted); ``regularizer`` adds its penalty to ``layer.losses``
        (and so to the training loss); ``constraint`` is applied to the weight after each
        optimizer update; ``autocast=False`` keeps a floating weight in its own dtype inside
        ``call`` under mixed precision."""
        self._claim_backend()
        dtype = dtype_policies.standardize_dtype(dtype) if dtype is not None else self.variable_dtype
        self._check_dtype_supported(self._backend, dtype, "variable")
        init = initializers.get(initializer)
        variable = Variable(
            init,
            shape=tuple(shape),
            dtype=dtype,
            trainable=trainable,
            name=name,
            constraint=constraints.get(constraint),
            autocast=autocast,
        )
        self._own_weights.append(variable)
        penalty = regularizers.get(regularizer)
        if penalty is not None:
            self._weight_penalties.append((variable, penalty))
        return variable

    @property
    def losses(self) -> list[Any]:
        """Penalties of this layer's and its sub-layers' regularized weights (from their current
        values), and the losses added by the latest outermost call (``add_loss``, activity
        regularizers)."""
        out = [penalty(variable.value) for variable, penalty in self._weight_penalties]
        out.extend(self._call_losses)
        for layer in self._layers:
            out.extend(layer.losses)
        return out

    def add_loss(self, loss: Any) -> None:
        """Add a scalar tensor computed in ``call`` to ``losses`` (and so to the training loss).

        Such losses belong to one forward pass: an outermost layer or model call starts afresh."""
        self._call_losses.append(loss)
        _loss_adders.add(self)

    def _call_with_activity_penalty(self, *args: Any, **kwargs: Any) -> Any:
        outputs = type(self).call(self, *args, **kwargs)
        b = backends._active or backends.current()
        for output in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
            penalty = self.activity_regularizer(output)
            shape = b.shape(output)
            if shape and shape[0]:
                penalty = b.divide(penalty, float(shape[0]))  # per sample, as in Keras
            self.add_loss(penalty)
        return outputs

    def _claim_backend(self) -> None:
        current = backends.current()
        if self._backend is None:
            self._check_dtype_supported(current, self._dtype_policy.compute_dtype, "compute")
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
            if not isinstance(input_shape, list):
                self._check_input_rank(input_shape)
            self._claim_backend()
            self.build(list(input_shape) if isinstance(input_shape, list) else tuple(input_shape))
            self.built = True
            self._build_shape = input_shape

    def _check_input_rank(self, shape: tuple) -> None:
        ndim, min_ndim = self._expected_ndim, self._expected_min_ndim
        if (ndim is not None and len(shape) != ndim) or (min_ndim is not None and len(shape) < min_ndim):
            expected = f"rank {ndim}" if ndim is not None else f"rank >= {min_ndim}"
            raise ValueError(
                f"{type(self).__name__} '{self.name}': expected an input of {expected}, received shape {tuple(shape)}."
            )

    def _check_input_shape(self, shape: tuple) -> None:
        self._check_input_rank(shape)
        for axis, size in self._expected_axes.items():
            if len(shape) <= abs(axis) - (axis < 0) or (shape[axis] is not None and shape[axis] != size):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': incompatible input: expected axis {axis} of size {size}, "
                    f"received input of shape {tuple(shape)}."
                )

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the outputs given the inputs' ``mask``: ``mask`` itself when the layer
        ``supports_masking`` (for a list of masks, their logical and, as Keras's merge layers do),
        else ``None``."""
        if mask is None or not self.supports_masking:
            return None
        if isinstance(mask, (list, tuple)):
            masks = [m for m in mask if m is not None]
            if not masks:
                return None
            b = backends._active or backends.current()
            out = masks[0]
            for m in masks[1:]:
                out = b.logical_and(out, m)
            return out
        return mask

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, KerasTensor) or _holds_symbolic(inputs):
            return self._symbolic_call(inputs, kwargs, args) if args else self._symbolic_call(inputs, kwargs)
        if args and _holds_symbolic(args):
            return self._symbolic_call(inputs, kwargs, args)
        if _loss_adders and not _OutermostCall.depth:
            return outermost_call(self, Layer.__call__, inputs, *args, training=training, **kwargs)
        mask = kwargs.get("mask") if kwargs else None
        if mask is None:
            if isinstance(inputs, (list, tuple)):
                mask = _masks_of(inputs)
            else:
                mask = getattr(inputs, _MASK_ATTR, None)
                if mask is None and _mask_registry:
                    mask = get_keras_mask(inputs)
        outputs, output_mask = self._masked_call(inputs, mask, args, training, kwargs)
        if output_mask is not None:
            _attach_masks(outputs, output_mask)
        return outputs

    def _masked_call(self, inputs: Any, mask: Any, args: tuple, training: bool | None, kwargs: dict) -> tuple:
        """Call on real tensors with the incoming ``mask`` given explicitly (models propagate masks
        this way); returns ``(outputs, output_mask)``. A ``mask`` in ``kwargs`` takes precedence."""
        backend = backends.current()
        if self._backend is not None and self._backend is not backend:
            raise ValueError(
                f"Layer '{self.name}' lives on backend '{self._backend.name}' but was called while "
                f"'{backend.name}' is active. A model cannot mix backends."
            )
        if self._backend is None:  # before inputs are converted to the compute dtype
            self._check_dtype_supported(backend, self._dtype_policy.compute_dtype, "compute")
        if isinstance(inputs, (list, tuple)):  # several inputs (merge layers, multi-input models)
            inputs = [self._as_tensor(x, backend) for x in inputs]
            if not self.built:
                self._maybe_build([backend.shape(x) for x in inputs])
        else:
            if not backend.is_tensor(inputs):
                inputs = self._as_tensor(inputs, backend)
            if not self.built:
                self._maybe_build(backend.shape(inputs))
            elif self._expected_axes or self._expected_ndim is not None or self._expected_min_ndim is not None:
                self._check_input_shape(backend.shape(inputs))
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
        explicit = kwargs.get("mask") if kwargs else None
        if explicit is not None:
            mask = explicit
        elif mask is not None and self._call_has_mask:
            kwargs = {**kwargs, "mask": mask}
        call_dtype = self._call_dtype
        if call_dtype is not None and self._convert_input_args:
            if type(inputs) is list or not backend.is_tensor(inputs):
                inputs = _cast_floats(backend, inputs, call_dtype)
            else:  # the common case, kept short
                current = backend.dtype_name(inputs)
                if current != call_dtype and current in _FLOATS:
                    inputs = backend.cast(inputs, call_dtype)
            if args:
                args = tuple(_cast_floats(backend, a, call_dtype) for a in args)
            if kwargs:
                kwargs = {k: v if k == "mask" else _cast_floats(backend, v, call_dtype) for k, v in kwargs.items()}
        outer = AutocastScope._active
        if (outer.dtype == call_dtype) if outer is not None else not self._mixed:
            outputs, output_mask = self._run_call(inputs, mask, args, training, kwargs)
        else:
            with AutocastScope(call_dtype):
                outputs, output_mask = self._run_call(inputs, mask, args, training, kwargs)
        if self._output_dtype is not None:
            outputs = _cast_floats(backend, outputs, self._output_dtype)
        return outputs, output_mask

    def _run_call(self, inputs: Any, mask: Any, args: tuple, training: bool | None, kwargs: dict) -> tuple:
        """``(outputs, output mask)`` of ``call`` on converted inputs, with ``training`` resolved."""
        if not self._call_has_training:
            if mask is None and self._no_mask_work:  # the common case, kept short (eager per-call overhead)
                return self.call(inputs, *args, **kwargs), None
            return self._call_and_mask(inputs, args, kwargs, mask)
        outer = _CallContext.training
        if training is None:
            training = outer
        _CallContext.training = training
        try:
            return self._call_and_mask(inputs, args, {**kwargs, "training": training}, mask)
        finally:
            _CallContext.training = outer

    def _call_and_mask(self, inputs: Any, args: tuple, kwargs: dict, mask: Any) -> tuple:
        """``(call(inputs, *args, **kwargs), output mask)``; models override it to propagate the mask
        through their layers in the same pass."""
        outputs = self.call(inputs, *args, **kwargs)
        if mask is None and not self._overrides_compute_mask:
            return outputs, None
        if not self.supports_masking:
            if mask is not None:
                warnings.warn(
                    f"Layer '{self.name}' ({type(self).__name__}) received an input mask but does not support "
                    "masking: the mask is dropped and later layers will not see it.",
                    stacklevel=3,
                )
            return outputs, None
        return outputs, self.compute_mask(inputs, mask)

    def _as_tensor(self, x: Any, backend: backends.Backend) -> Any:
        if backend.is_tensor(x):
            return x
        if isinstance(x, dict):
            return {k: self._as_tensor(v, backend) for k, v in x.items()}
        if isinstance(x, (list, tuple)) and any(isinstance(v, np.ndarray) or backend.is_tensor(v) for v in x):
            return type(x)(self._as_tensor(v, backend) for v in x)
        return backend.convert_to_tensor(x, (self._call_dtype or self.variable_dtype) if _is_float_like(x) else None)

    def _symbolic_call(self, inputs: Any, kwargs: dict | None = None, args: tuple = ()) -> Any:
        """Shapes only: build if needed and return KerasTensors recording this call (a node).

        The output shapes come from ``compute_output_shape``; a call with tensors among further
        positional arguments, and a user-defined layer that does not override
        ``compute_output_shape``, are run once on small arrays of ones to find them."""
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
        if isinstance(inputs, KerasTensor):
            shapes: Any = inputs.shape
            if self.built:
                self._check_input_shape(shapes)
        else:
            shapes = [getattr(x, "shape", None) for x in inputs]
        if not self.built:
            self._maybe_build(shapes)
        kwargs = dict(kwargs or {})
        dtypes: list[str] = []
        if args or _infers_output_shape(type(self)):
            output_shape, dtypes = _probe_output_specs(self, inputs, tuple(args), kwargs)
        else:
            output_shape = self.compute_output_shape(shapes)
        node = Node(self, inputs, kwargs, tuple(args))
        if _record_nodes[0]:
            self._inbound_nodes.append(node)
        if _is_shape_list(output_shape):
            self._output_shape = [tuple(s) for s in output_shape]
            node.outputs = [
                KerasTensor(tuple(s), dtype=dtypes[i] if dtypes else self.compute_dtype, layer=self, node=node, index=i)
                for i, s in enumerate(output_shape)
            ]
        else:
            self._output_shape = tuple(output_shape)
            dtype = dtypes[0] if dtypes else self.compute_dtype
            node.outputs = KerasTensor(tuple(output_shape), dtype=dtype, layer=self, node=node)
        return node.outputs

    @property
    def input(self) -> Any:
        """The symbolic input(s) of this layer's first call on symbolic tensors (``keras.Input``)."""
        return self._first_node_tensors("inputs", "input")

    @property
    def output(self) -> Any:
        """The symbolic output(s) of this layer's first call on symbolic tensors (``keras.Input``)."""
        return self._first_node_tensors("outputs", "output")

    def _first_node_tensors(self, attribute: str, what: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(
                f"{type(self).__name__} '{self.name}' has never been called on a symbolic input "
                f"(keras.Input), so it has no `{what}`."
            )
        tensors = getattr(self._inbound_nodes[0], attribute)
        return tensors[0] if isinstance(tensors, list) and len(tensors) == 1 else tensors

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
            variable.assign(variable.backend.convert_to_tensor(value.astype(numpy_dtype(variable.dtype))))

    def count_params(self) -> int:
        return int(sum(np.prod(w.shape) for w in self.weights))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        """Constructor arguments that recreate this layer (without weights)."""
        cfg = {"name": self.name, "trainable": self.trainable, "dtype": dtype_policies.serialize(self._dtype_policy)}
        if self.activity_regularizer is not None or self._lists_activity_regularizer:
            cfg["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
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


_loss_adders: weakref.WeakSet = weakref.WeakSet()  # layers that ever called add_loss


class _OutermostCall:
    depth = 0  # nesting of layer calls, counted only while some layer uses add_loss


def outermost_call(layer: Layer, method: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``method(layer, ...)`` as the outermost call: the per-call losses of ``layer`` and its
    sub-layers start afresh, and nested calls add to them."""
    for sub in layer._flatten_layers():
        if sub in _loss_adders:
            sub._call_losses = []
    _OutermostCall.depth += 1
    try:
        return method(layer, *args, **kwargs)
    finally:
        _OutermostCall.depth -= 1


def _infers_output_shape(cls: type) -> bool:
    """A layer defined outside unikeras that keeps the base ``compute_output_shape`` (the identity)."""
    return cls.compute_output_shape is Layer.compute_output_shape and not cls.__module__.startswith("unikeras.")


_PROBE_SIZES = (2, 3)  # unknown axes are probed with two sizes; output axes that follow them are unknown


def _probe_output_specs(layer: Layer, inputs: Any, args: tuple, kwargs: dict) -> tuple[Any, list[str]]:
    """Output shape(s) and dtypes of ``layer``'s call on symbolic arguments, found by running it (in
    inference mode) on arrays of ones; random-stream positions and per-call losses are left as they were."""
    from unikeras.symbolic import substitute, symbolic_leaves

    tensors = symbolic_leaves([inputs, list(args), kwargs])
    subtree = list(layer._flatten_layers())
    seeds = [(g.state, g.state.value) for sub in subtree for g in sub._seed_generators]
    call_losses = [(sub, list(sub._call_losses)) for sub in subtree]
    backend = layer._backend or backends.current()
    runs = []
    try:
        with backends.activated(backend):
            for size in _PROBE_SIZES:
                values = {
                    id(t): backend.ones(tuple(size if d is None else d for d in t.shape), t.dtype) for t in tensors
                }
                outputs, _ = layer._masked_call(
                    substitute(inputs, values), None, substitute(args, values), False, substitute(kwargs, values)
                )
                several = isinstance(outputs, (list, tuple))
                runs.append(list(outputs) if several else [outputs])
    finally:
        for state, value in seeds:
            state.assign(value)
        for sub, losses in call_losses:
            sub._call_losses = losses
    shapes = []
    for outputs in zip(*runs):
        dims = [backend.shape(t) for t in outputs]
        shapes.append(tuple(d0 if all(d[i] == d0 for d in dims) else None for i, d0 in enumerate(dims[0])))
    dtypes = [backend.dtype_name(t) for t in runs[0]]
    return (shapes if several else shapes[0]), dtypes


def _marking_built(build: Any) -> Any:
    """``build`` that also marks the layer built, so calling ``layer.build(shape)`` directly (as Keras
    users do before ``set_weights``) does not make the first call build a second set of weights."""

    @functools.wraps(build)
    def wrapped(self: Layer, *args: Any, **kwargs: Any) -> Any:
        result = build(self, *args, **kwargs)
        self.built = True
        return result

    wrapped._marks_built = True
    return wrapped


def _holds_symbolic(inputs: Any) -> bool:
    return isinstance(inputs, (list, tuple)) and any(isinstance(x, KerasTensor) for x in inputs)


def _is_shape_list(shape: Any) -> bool:
    """True for a list of shapes (several outputs), False for one shape."""
    return isinstance(shape, (list, tuple)) and len(shape) > 0 and all(isinstance(s, (list, tuple)) for s in shape)


def _cast_floats(backend: backends.Backend, x: Any, dtype: str) -> Any:
    """``x`` (a tensor, or a list, tuple or dict of them) with its floating tensors cast to ``dtype``."""
    if backend.is_tensor(x):
        current = backend.dtype_name(x)
        return backend.cast(x, dtype) if current != dtype and current in _FLOATS else x
    if isinstance(x, (list, tuple)):
        return type(x)(_cast_floats(backend, v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: _cast_floats(backend, v, dtype) for k, v in x.items()}
    return x


_support_cache: dict[tuple[str, str, str], str] = {}


def _dtype_support(backend: backends.Backend, dtype: str, role: str) -> str:
    """``""`` when ``backend`` can compute in ``dtype`` (role ``"compute"``: a matmul and a 2-D
    convolution) or hold weights in it (role ``"variable"``), else the reason it cannot."""
    key = (backend.name, dtype, role)
    reason = _support_cache.get(key)
    if reason is None:
        try:
            if role == "compute":
                x = backend.cast(backend.ones((1, 3, 3, 2), "float32"), dtype)
                kernel = backend.cast(backend.ones((2, 2, 2, 2), "float32"), dtype)
                backend.conv(x, kernel, (1, 1), "valid", "channels_last", (1, 1))
                backend.matmul(backend.reshape(x, (9, 2)), backend.reshape(kernel, (2, 8)))
            else:
                backend.variable_create(np.zeros((2,), numpy_dtype(dtype)), True)
            reason = ""
        except Exception as err:  # noqa: BLE001 - any failure means the framework cannot do it
            reason = f"{type(err).__name__}: {err}".splitlines()[0][:200]
        _support_cache[key] = reason
    return reason


def _is_float_like(x: Any) -> bool:
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, (float, list, tuple))


def current_training() -> bool | None:
    """The ``training`` flag of the enclosing layer call."""
    return _CallContext.training


def _is_tracked(value: Any) -> bool:
    return isinstance(value, (Layer, SeedGenerator))
