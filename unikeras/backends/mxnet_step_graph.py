"""Compiled training steps for the MXNet adapter: the forward pass of each ``value_and_grad`` call
in a step, recorded once and replayed as one MXNet graph (a ``CachedOp``, what Gluon's
``hybridize`` runs).

MXNet 1.9.1 compiles only symbol graphs, and unikeras's layers call the imperative ``mxnet.numpy``
namespace, so the graph is not built from symbols: the first call of a step with given input
shapes runs the forward pass imperatively under ``autograd.record`` (as the eager step does), then
takes the recorded history as a symbol (``autograd.get_symbol``). Later calls with the same shapes
run that symbol as a ``CachedOp`` with static memory and shapes, and its backward, in place of
Python's forward: one graph call instead of dozens of imperative operations.

A recorded graph has one input per array the forward read that it did not compute. Each must be
known for the replay to feed it again, so while recording, every such array is marked (given a
name in the graph): the step's arguments, the variables of the step's state and the constants the
adapter creates (cached ones vectors, converted Python numbers). Anything else makes that step
run eagerly for good, with the reason kept in ``StepGraphs.eager_reasons``:

* a random draw (a fresh mask each call: replaying the recorded one would be wrong);
* a variable assignment (a moving mean, a seed counter): a graph replay would skip it;
* a read of a value on the host (the forward's Python would depend on data);
* an input array of unknown origin, or a forward whose outputs the graph cannot express.

As with ``tf.function`` and ``jax.jit``, the forward's Python runs once per input signature: Python
state it reads (a layer attribute, a Python float) is frozen at that first call.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import mxnet as mx
from mxnet import autograd
from mxnet import numpy as mnp

_ND = mnp.ndarray
_FLAGS = [("static_alloc", True), ("static_shape", True)]


class NotReplayableError(Exception):
    """The forward being recorded cannot be replayed as a graph (the message says why)."""


def _leaves(value: Any, out: list[Any]) -> list[Any]:
    """The MXNet arrays in a nest of tuples, lists and dicts, in a fixed order."""
    if isinstance(value, mx.nd.NDArray):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _leaves(v, out)
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _leaves(value[k], out)
    return out


def _signature(value: Any) -> Any:
    """Shapes, dtypes and nesting of a step's arguments (Python scalars by value)."""
    if isinstance(value, mx.nd.NDArray):
        return (value.shape, value.dtype)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_signature(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _signature(value[k])) for k in sorted(value, key=str)))
    return value if value is None or isinstance(value, (bool, int, float, str)) else ("object", id(value))


def _rebuild(template: Any, arrays: Any) -> Any:
    """``template`` with its arrays replaced, in ``_leaves`` order, by the next of ``arrays``."""
    if isinstance(template, mx.nd.NDArray):
        return next(arrays)
    if isinstance(template, (list, tuple)):
        items = [_rebuild(v, arrays) for v in template]
        return tuple(items) if isinstance(template, tuple) else items
    if isinstance(template, dict):
        rebuilt = {k: _rebuild(template[k], arrays) for k in sorted(template, key=str)}
        return {k: rebuilt[k] for k in template}
    return template


def _first_line(err: Exception) -> str:
    return next((line for line in str(err).splitlines() if line.strip()), type(err).__name__)


def _name(array: Any) -> str:
    """The graph name MXNet gave a marked array."""
    return autograd.get_symbol(array).list_arguments()[0]


def _mark(arrays: Sequence[Any]) -> None:
    """Make ``arrays`` named graph inputs that receive no gradient."""
    if arrays:
        autograd.mark_variables(list(arrays), [mnp.zeros_like(a) for a in arrays], grad_reqs="null")


class _Recording:
    """What one traced forward read, while it runs: the adapter reports here."""

    def __init__(self) -> None:
        self.refusal: str | None = None
        self.constants: list[Any] = []
        # id of a channels_last array -> (it, the channels_first array it transposes, spatial rank)
        self.channels_first: dict[int, tuple[Any, Any, int]] = {}
        self._seen: set[int] = set()

    def refuse(self, reason: str) -> None:
        if self.refusal is None:
            self.refusal = reason
        elif reason not in self.refusal:
            self.refusal += "; " + reason

    def constant(self, array: Any) -> Any:
        """Record ``array`` (created by the adapter from no traced value) as a graph constant."""
        if isinstance(array, mx.nd.NDArray) and id(array) not in self._seen:
            self._seen.add(id(array))
            _mark([array])
            self.constants.append(array)
        return array


def source_array(where: tuple[str, Any], step_args: list[Any], call_args: list[Any], targets: list[Any]) -> Any:
    """The array a graph input comes from (``where`` as in ``_Graph.sources``)."""
    kind, at = where
    if kind == "step":
        return step_args[at]
    if kind == "call":
        return call_args[at]
    if kind == "target":
        return targets[at]
    if kind == "state":
        return at.handle
    return at  # a constant


class _Graph:
    """One recorded forward: its CachedOp, where each input comes from, and its outputs' layout."""

    def __init__(self, op: Any, sources: list[tuple[str, Any]], template: Any, loss_index: int | None) -> None:
        self.op = op
        self.sources = sources
        self.template = template
        self.loss_index = loss_index
        self.checked = False  # whether a call has run (MXNet checks the graph at its first call)
        self.writes_every_gradient = False  # whether every differentiated variable is an input

    def inputs(self, step_args: list[Any], call_args: list[Any], targets: list[Any]) -> list[Any]:
        return [source_array(where, step_args, call_args, targets) for where in self.sources]


class StepGraphs:
    """The graphs of one compiled step, keyed by its input signature and by which
    ``value_and_grad`` call of the step they replace."""

    def __init__(self, state: Sequence[Any]) -> None:
        self._state = [v for v in state if v.dtype.startswith("float")]
        self._graphs: dict[Any, _Graph | None] = {}
        self.eager_reasons: dict[Any, str] = {}
        self._step_args: list[Any] | None = None
        self._signature: Any = None
        self._calls = 0
        self.recording: _Recording | None = None
        # Whether the whole step is a forward pass (no value_and_grad call, no assignment, no
        # random draw, no host read: a predict step), decided by its first call, which is probed.
        self._forward_only: bool | None = None
        self._probe: _Recording | None = None

    # ------------------------------------------------------------------ the step
    def run(self, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
        """Call ``fn(*args)`` with this object answering its ``value_and_grad`` calls (or, for a
        step that is one forward pass, replaying the whole step)."""
        if self._step_args is not None:  # a step inside a step: the inner one runs eagerly
            return fn(*args)
        self._step_args = _leaves(list(args), [])
        self._signature = _signature(list(args))
        self._calls = 0
        try:
            if self._forward_only:
                return self._forward(fn, args)
            if self._forward_only is None:
                self._probe = _Recording()
            out = fn(*args)
            if self._probe is not None:
                self._forward_only = self._calls == 0 and self._probe.refusal is None
            return out
        finally:
            self._step_args = None
            self._probe = None

    def refuse(self, reason: str) -> None:
        """The step did something a replay would not (see ``_Recording.refuse``)."""
        for recording in (self.recording, self._probe):
            if recording is not None:
                recording.refuse(reason)

    def _forward(self, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
        """A forward-only step: the whole of ``fn`` as one graph, run without recording."""
        key = ("forward", self._signature)
        if key not in self._graphs:
            return self._record_forward(key, fn, args)
        graph = self._graphs[key]
        if graph is None:
            return fn(*args)
        try:
            outs = graph.op(*graph.inputs(self._step_args, [], []))
        except mx.base.MXNetError as err:
            if graph.checked:
                raise
            self._reject(key, err)
            return fn(*args)
        graph.checked = True
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        return _rebuild(graph.template, iter([o.as_np_ndarray() for o in outs]))

    def _record_forward(self, key: Any, fn: Callable[..., Any], args: Sequence[Any]) -> Any:
        return self._trace(key, lambda: fn(*args), [], [], None, train_mode=False)

    def _reject(self, key: Any, err: Exception) -> None:
        """MXNet refused the graph under ``key`` at its first call (it checks a graph then, before
        computing anything): run that step eagerly from now on."""
        self._graphs[key] = None
        self.eager_reasons[key] = f"MXNet rejected the graph ({_first_line(err)})"

    @property
    def active(self) -> bool:
        """Whether a step is running and no forward is being recorded."""
        return self._step_args is not None and self.recording is None

    # ------------------------------------------------------------------ one value_and_grad call
    def next_call(self, call_args: list[Any], variables: Sequence[Any], has_aux: bool) -> tuple[Any, bool]:
        """The key of this step's next ``value_and_grad`` call, and whether its replay writes the
        gradient of every variable (so that their buffers need no zeroing first)."""
        key = (self._signature, self._calls, tuple(hash(v) for v in variables), has_aux, _signature(call_args))
        self._calls += 1
        graph = self._graphs.get(key)
        return key, graph is not None and graph.checked and graph.writes_every_gradient

    def value_and_grad(
        self,
        key: Any,
        record: Callable[[], Any],
        call_args: list[Any],
        targets: list[Any],
        has_aux: bool,
        backward: Callable[[Any], None],
    ) -> Any:
        """The forward's output, with the gradients written by ``backward(loss)`` into the
        buffers marked on ``targets``: replayed from the graph when one exists, else recorded
        (and a graph kept when the forward allows it). ``key`` is ``next_call``'s."""
        loss_of = (lambda out: out[0]) if has_aux else (lambda out: out)
        if key not in self._graphs:
            out = self._trace(key, record, call_args, targets, loss_of, train_mode=True)
            backward(loss_of(out))
            return out
        graph = self._graphs[key]
        if graph is not None:
            if graph.checked:
                return self._replay(graph, call_args, targets, backward)
            try:
                out = self._replay(graph, call_args, targets, backward)
            except mx.base.MXNetError as err:
                self._reject(key, err)
            else:
                graph.checked = True
                return out
        with autograd.record():
            out = record()
        backward(loss_of(out))
        return out

    def _replay(self, graph: _Graph, call_args: list[Any], targets: list[Any], backward: Callable[[Any], None]) -> Any:
        inputs = graph.inputs(self._step_args, call_args, targets)
        with autograd.record():
            outs = graph.op(*inputs)
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        heads = [o.as_np_ndarray() for o in outs]
        backward(heads[graph.loss_index])
        return _rebuild(graph.template, iter(heads))

    def _trace(
        self,
        key: Any,
        run: Callable[[], Any],
        call_args: list[Any],
        targets: list[Any],
        loss_of: Callable[[Any], Any] | None,
        train_mode: bool,
    ) -> Any:
        """``run()`` recorded with every input it may read marked, keeping under ``key`` a graph of
        it (or None, with the reason, when it cannot be replayed); returns ``run``'s output."""
        targeted = {id(t) for t in targets}
        step_args = self._step_args
        inputs = [a for a in step_args + call_args if id(a) not in targeted]
        _mark(list({id(a): a for a in inputs}.values()))
        by_handle = {id(v.handle): v for v in self._state}
        _mark([v.handle for v in self._state if id(v.handle) not in targeted and v.handle.grad is None])
        recording = self.recording = _Recording()
        try:
            with autograd.record(train_mode=train_mode):
                out = run()
        finally:
            self.recording = None
        graph = None
        if recording.refusal is not None:
            self.eager_reasons[key] = recording.refusal
        else:
            loss = None if loss_of is None else loss_of(out)
            try:
                graph = self._build(out, loss, step_args, call_args, targets, by_handle, recording.constants)
            except NotReplayableError as err:
                self.eager_reasons[key] = str(err)
        self._graphs[key] = graph
        return out

    def _build(
        self,
        out: Any,
        loss: Any | None,
        step_args: list[Any],
        call_args: list[Any],
        targets: list[Any],
        by_handle: dict[int, Any],
        constants: list[Any],
    ) -> _Graph:
        heads = _leaves(out, [])
        if not heads:
            raise NotReplayableError("the step returns no array")
        loss_index = next((i for i, h in enumerate(heads) if h is loss), None)
        if loss_index is None and loss is not None:
            raise NotReplayableError("the loss is not an array")
        try:
            symbols = [autograd.get_symbol(h) for h in heads]
        except mx.base.MXNetError as err:
            raise NotReplayableError(f"an output is not computed from recorded inputs ({err})") from None
        names: dict[str, tuple[str, Any]] = {}
        arrays: dict[str, Any] = {}

        def source(array: Any, where: tuple[str, Any]) -> None:
            name = _name(array)
            if arrays.setdefault(name, array) is not array:
                raise NotReplayableError(f"two input arrays share the graph name {name}")
            names.setdefault(name, where)

        for i, t in enumerate(targets):
            source(t, ("target", i))
        for i, a in enumerate(step_args):
            if a.grad is not None:
                source(a, ("step", i))
        for i, a in enumerate(call_args):
            if a.grad is not None:
                source(a, ("call", i))
        targeted = {id(t) for t in targets}
        for handle_id, variable in by_handle.items():
            if variable.handle.grad is not None and handle_id not in targeted:
                source(variable.handle, ("state", variable))
        for c in constants:
            source(c, ("constant", c))
        graph_symbol = mx.sym.Group(symbols)
        sources = []
        for name in graph_symbol.list_inputs():
            if name not in names:
                raise NotReplayableError(f"the forward reads an array of unknown origin ({name})")
            sources.append(names[name])
        given = {
            name: source_array(where, step_args, call_args, targets)
            for name, where in zip(graph_symbol.list_inputs(), sources)
        }
        # what MXNet cannot type or shape from the inputs (a typeless copy) would fail at every call
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Cannot decide type...": checked below
            try:
                types = graph_symbol.infer_type(**{k: a.dtype for k, a in given.items()})
                shapes = graph_symbol.infer_shape(**{k: a.shape for k, a in given.items()})
            except mx.base.MXNetError as err:
                raise NotReplayableError(
                    f"MXNet cannot infer the graph's types or shapes ({_first_line(err)})"
                ) from None
        if types[0] is None or shapes[0] is None:
            raise NotReplayableError("MXNet cannot infer the types or shapes of every node of the graph")
        op = mx.nd.CachedOp(graph_symbol, flags=_FLAGS)
        graph = _Graph(op, sources, out, loss_index)
        graph.writes_every_gradient = {at for kind, at in sources if kind == "target"} == set(range(len(targets)))
        return graph
