"""``OpLayer``: one call of a ``unikeras.ops`` function inside a functional model.

Created by calling an op on KerasTensors (``ops.mean(inputs, axis=1)``, ``x + y``, ``x[:, 0]``);
the tensor arguments become the node's inputs and everything else is kept in the layer's config.
"""

from __future__ import annotations

from typing import Any

from unikeras import dtype_policies
from unikeras.layers.layer import Layer, unique_name
from unikeras.ops.dispatch import active
from unikeras.symbolic import KerasTensor

_PROBE_SIZES = (2, 3)  # unknown axes are probed with two sizes; axes that follow them are unknown


class _Slot:
    """Where the ``index``-th tensor input goes in the op's arguments."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _template(value: Any, tensors: list[KerasTensor]) -> Any:
    if isinstance(value, KerasTensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value):
        return type(value)(_template(v, tensors) for v in value)
    return value


def _fill(value: Any, inputs: list) -> Any:
    if isinstance(value, _Slot):
        return inputs[value.index]
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, inputs) for v in value)
    if isinstance(value, dict):
        return {k: _fill(v, inputs) for k, v in value.items()}
    return value


def _encode(value: Any) -> Any:
    """JSON-friendly form of op arguments (slots, slices, Ellipsis, tuples)."""
    if isinstance(value, _Slot):
        return {"__slot__": value.index}
    if isinstance(value, slice):
        return {"__slice__": [value.start, value.stop, value.step]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__slot__" in value:
            return _Slot(value["__slot__"])
        if "__slice__" in value:
            return slice(*value["__slice__"])
        if "__ellipsis__" in value:
            return Ellipsis
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _op(name: str) -> Any:
    from unikeras import ops

    fn: Any = ops
    for part in name.split("."):  # "image.resize" names unikeras.ops.image.resize
        fn = getattr(fn, part, None)
    if fn is None or not callable(fn):
        raise ValueError(f"OpLayer: unknown op {name!r}; expected the name of a function in unikeras.ops.")
    return fn


class OpLayer(Layer):
    """Applies ``unikeras.ops.<op>`` to its inputs (a list of tensors) with fixed other arguments.

    Args:
        op: name of a function in ``unikeras.ops``.
        args: positional arguments, tensor inputs replaced by slots.
        kwargs: keyword arguments, tensor inputs replaced by slots.
    """

    def __init__(self, op: str, args: Any = (), kwargs: dict | None = None, name: str | None = None, **base: Any):
        super().__init__(name=name or unique_name(op), **base)
        self.op = op
        self._fn = _op(op)
        self.op_args = tuple(args)
        self.op_kwargs = dict(kwargs or {})
        self._probe_dtypes: list[str] = []
        self._input_specs: list[KerasTensor] = []

    @classmethod
    def from_call(cls, op: str, args: tuple, kwargs: dict) -> Any:
        """Record ``ops.<op>(*args, **kwargs)`` on symbolic arguments; returns KerasTensor(s)."""
        tensors: list[KerasTensor] = []
        args_template = tuple(_template(a, tensors) for a in args)
        kwargs_template = {k: _template(v, tensors) for k, v in kwargs.items()}
        layer = cls(op, args_template, kwargs_template)
        outputs = layer(tensors)
        for tensor, dtype in zip(outputs if isinstance(outputs, list) else [outputs], layer._probe_dtypes):
            tensor.dtype = dtype
        return outputs

    def call(self, inputs: list) -> Any:
        out = self._fn(*_fill(self.op_args, inputs), **_fill(self.op_kwargs, inputs))
        return list(out) if isinstance(out, tuple) else out

    def _run_on_probe(self, shapes: list, size: int) -> Any:
        b = active()
        dtypes = [t.dtype for t in self._input_specs] or [self.dtype] * len(shapes)
        probes = [b.ones(tuple(size if d is None else d for d in shape), dtype) for shape, dtype in zip(shapes, dtypes)]
        out = self.call(probes)
        return out if isinstance(out, list) else [out]

    def compute_output_shape(self, input_shape: Any) -> Any:
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        b = active()
        runs = [self._run_on_probe(shapes, size) for size in _PROBE_SIZES]
        self._probe_dtypes = [b.dtype_name(t) for t in runs[0]]
        out_shapes = []
        for outputs in zip(*runs):
            dims = [b.shape(t) for t in outputs]
            out_shapes.append(tuple(d0 if all(d[i] == d0 for d in dims) else None for i, d0 in enumerate(dims[0])))
        multiple = len(runs[0]) > 1 or self._returns_list
        return out_shapes if multiple else out_shapes[0]

    @property
    def _returns_list(self) -> bool:
        return self.op in ("split", "moments", "top_k", "unstack")

    def _symbolic_call(self, inputs: Any, kwargs: dict | None = None, args: tuple = ()) -> Any:
        self._input_specs = inputs if isinstance(inputs, list) else [inputs]
        return super()._symbolic_call(inputs, kwargs, args)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policies.serialize(self.dtype_policy),
            "op": self.op,
            "args": _encode(list(self.op_args)),
            "kwargs": _encode(self.op_kwargs),
        }

    @classmethod
    def from_config(cls, config: dict) -> OpLayer:
        config = dict(config)
        config.pop("build_input_shape", None)
        return cls(
            config.pop("op"), tuple(_decode(config.pop("args", []))), _decode(config.pop("kwargs", {})), **config
        )


__all__ = ["OpLayer"]
