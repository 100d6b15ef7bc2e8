"""The backend contract: every primitive that code above ``unikeras/backends/`` may use.

An adapter subclasses :class:`Backend` and maps each abstract method onto one framework.
Semantics are NumPy's unless a docstring says otherwise. Conventions for every method:

* A *tensor* is the framework's native array type. Inputs may also be NumPy arrays or
  Python scalars; outputs are always native tensors (``to_numpy`` leaves the framework).
* ``dtype`` arguments are dtype *names*: ``"float16"``, ``"bfloat16"``, ``"float32"``,
  ``"float64"``, ``"uint8"``, ``"int8"``, ``"int16"``, ``"int32"``, ``"int64"``, ``"bool"``.
* Binary elementwise ops take operands of one dtype and broadcast like NumPy; a Python
  scalar operand takes the dtype of the tensor operand.
* ``axis`` is an int (negative counts from the end), a tuple of ints, or ``None`` (all axes).
* Shapes are tuples of Python ints.
* ``seed`` (random ops) is a pair ``(base, counter)``: ``base`` a Python int, ``counter`` an
  int or a 0-d int tensor (it may be traced inside a compiled step). The same pair gives
  the same numbers on the same backend in the same execution mode (TensorFlow's XLA draws
  differ from its graph draws); different backends need not agree.
* Integer results may stay 32-bit where NumPy widens: ``sum``/``prod``/``cumsum`` of int32 or
  bool may be int32 (NumPy: int64), ``divide`` of int32 may be float32. Layers above the
  contract never rely on either.
* Variables are :class:`unikeras.variables.Variable` objects; an adapter only sees and
  returns their *handle* (the framework-native storage) through ``variable_*`` methods.

Concrete methods at the bottom are composed from the primitives; an adapter overrides one
only where its framework has a faster kernel computing the same result.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Tensor = Any
Axis = int | tuple[int, ...] | None
Seed = tuple[int, Any]


class BackendError(RuntimeError):
    """A backend cannot do what was asked (names the backend and the operation)."""


class Backend(abc.ABC):
    """Abstract adapter. Subclasses set ``name``, ``framework`` and ``pip_extra``."""

    #: Name users select it by (``UNIKERAS_BACKEND``).
    name: str = ""
    #: Importable top-level module of the framework (checked without importing it).
    framework: str = ""
    #: ``pip install "unikeras[<pip_extra>]"`` installs the framework.
    pip_extra: str = ""

    def __repr__(self) -> str:
        return f"<unikeras backend {self.name!r}>"

    def unsupported(self, op: str, detail: str = "") -> BackendError:
        """The error to raise for an operation this framework cannot do."""
        msg = f"backend {self.name!r} does not support {op}"
        return BackendError(msg + (f": {detail}" if detail else ""))

    # ------------------------------------------------------------------ identity
    @abc.abstractmethod
    def framework_version(self) -> str:
        """The framework's version string."""

    @abc.abstractmethod
    def list_devices(self) -> list[str]:
        """Names of the devices the framework sees, e.g. ``["cpu:0"]``."""

    def set_float32_matmul_precision(self, precision: str) -> None:
        """Make float32 matmuls and convolutions run at ``precision`` on GPUs (see
        ``unikeras.config.float32_matmul_precision``). A framework that always computes float32
        in full precision needs nothing, which is what this default does."""
        return None

    # ------------------------------------------------------------------ tensors & dtypes
    @abc.abstractmethod
    def is_tensor(self, x: Any) -> bool:
        """True when ``x`` is this framework's native tensor type."""

    @abc.abstractmethod
    def convert_to_tensor(self, x: Any, dtype: str | None = None) -> Tensor:
        """``np.asarray(x, dtype)`` as a native tensor. With ``dtype=None`` a tensor keeps its
        dtype and other input takes NumPy's inferred dtype."""

    @abc.abstractmethod
    def to_numpy(self, x: Tensor) -> np.ndarray:
        """A NumPy copy (or read-only view) of ``x``; waits for the value to be computed."""

    @abc.abstractmethod
    def cast(self, x: Tensor, dtype: str) -> Tensor:
        """``x.astype(dtype)``."""

    @abc.abstractmethod
    def dtype_name(self, x: Tensor) -> str:
        """The dtype name of ``x`` (one of the names in the module docstring)."""

    @abc.abstractmethod
    def shape(self, x: Tensor) -> tuple[int, ...]:
        """Static shape of ``x`` as a tuple of ints."""

    @abc.abstractmethod
    def zeros(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        """``np.zeros``."""

    @abc.abstractmethod
    def ones(self, shape: Sequence[int], dtype: str = "float32") -> Tensor:
        """``np.ones``."""

    @abc.abstractmethod
    def full(self, shape: Sequence[int], fill_value: Any, dtype: str = "float32") -> Tensor:
        """``np.full``."""

    @abc.abstractmethod
    def arange(self, start: Any, stop: Any = None, step: Any = 1, dtype: str = "int32") -> Tensor:
        """``np.arange`` with an explicit dtype."""

    @abc.abstractmethod
    def eye(self, n: int, m: int | None = None, dtype: str = "float32") -> Tensor:
        """``np.eye``."""

    @abc.abstractmethod
    def zeros_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        """``np.zeros_like``."""

    @abc.abstractmethod
    def ones_like(self, x: Tensor, dtype: str | None = None) -> Tensor:
        """``np.ones_like``."""

    @abc.abstractmethod
    def copy(self, x: Tensor) -> Tensor:
        """A new tensor with the same value (no storage shared with ``x``)."""

    # ------------------------------------------------------------------ elementwise
    @abc.abstractmethod
    def add(self, x: Tensor, y: Tensor) -> Tensor:
        """``x + y``."""

    @abc.abstractmethod
    def subtract(self, x: Tensor, y: Tensor) -> Tensor:
        """``x - y``."""

    @abc.abstractmethod
    def multiply(self, x: Tensor, y: Tensor) -> Tensor:
        """``x * y``."""

    @abc.abstractmethod
    def divide(self, x: Tensor, y: Tensor) -> Tensor:
        """``x / y`` (true division; float operands)."""

    @abc.abstractmethod
    def floor_divide(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.floor_divide``."""

    @abc.abstractmethod
    def mod(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.mod`` (result has the sign of ``y``)."""

    @abc.abstractmethod
    def power(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.power``."""

    @abc.abstractmethod
    def maximum(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.maximum``."""

    @abc.abstractmethod
    def minimum(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.minimum``."""

    @abc.abstractmethod
    def negative(self, x: Tensor) -> Tensor:
        """``-x``."""

    @abc.abstractmethod
    def abs(self, x: Tensor) -> Tensor:
        """``np.abs``."""

    @abc.abstractmethod
    def sign(self, x: Tensor) -> Tensor:
        """``np.sign``."""

    @abc.abstractmethod
    def square(self, x: Tensor) -> Tensor:
        """``np.square``."""

    @abc.abstractmethod
    def sqrt(self, x: Tensor) -> Tensor:
        """``np.sqrt``."""

    @abc.abstractmethod
    def rsqrt(self, x: Tensor) -> Tensor:
        """``1 / np.sqrt(x)``."""

    @abc.abstractmethod
    def exp(self, x: Tensor) -> Tensor:
        """``np.exp``."""

    @abc.abstractmethod
    def expm1(self, x: Tensor) -> Tensor:
        """``np.expm1``."""

    @abc.abstractmethod
    def log(self, x: Tensor) -> Tensor:
        """``np.log``."""

    @abc.abstractmethod
    def log1p(self, x: Tensor) -> Tensor:
        """``np.log1p``."""

    @abc.abstractmethod
    def sin(self, x: Tensor) -> Tensor:
        """``np.sin``."""

    @abc.abstractmethod
    def cos(self, x: Tensor) -> Tensor:
        """``np.cos``."""

    @abc.abstractmethod
    def tanh(self, x: Tensor) -> Tensor:
        """``np.tanh``."""

    @abc.abstractmethod
    def sigmoid(self, x: Tensor) -> Tensor:
        """``1 / (1 + exp(-x))``, computed without overflow."""

    @abc.abstractmethod
    def erf(self, x: Tensor) -> Tensor:
        """The error function (``scipy.special.erf``)."""

    @abc.abstractmethod
    def floor(self, x: Tensor) -> Tensor:
        """``np.floor``."""

    @abc.abstractmethod
    def ceil(self, x: Tensor) -> Tensor:
        """``np.ceil``."""

    @abc.abstractmethod
    def round(self, x: Tensor) -> Tensor:
        """``np.round`` (halves to even)."""

    @abc.abstractmethod
    def clip(self, x: Tensor, x_min: Any, x_max: Any) -> Tensor:
        """``np.clip`` with scalar bounds."""

    @abc.abstractmethod
    def where(self, condition: Tensor, x: Tensor, y: Tensor) -> Tensor:
        """``np.where(condition, x, y)`` (three arguments, broadcasting)."""

    @abc.abstractmethod
    def equal(self, x: Tensor, y: Tensor) -> Tensor:
        """``x == y`` as bool."""

    @abc.abstractmethod
    def not_equal(self, x: Tensor, y: Tensor) -> Tensor:
        """``x != y`` as bool."""

    @abc.abstractmethod
    def less(self, x: Tensor, y: Tensor) -> Tensor:
        """``x < y`` as bool."""

    @abc.abstractmethod
    def less_equal(self, x: Tensor, y: Tensor) -> Tensor:
        """``x <= y`` as bool."""

    @abc.abstractmethod
    def greater(self, x: Tensor, y: Tensor) -> Tensor:
        """``x > y`` as bool."""

    @abc.abstractmethod
    def greater_equal(self, x: Tensor, y: Tensor) -> Tensor:
        """``x >= y`` as bool."""

    @abc.abstractmethod
    def logical_and(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.logical_and`` (bool in, bool out)."""

    @abc.abstractmethod
    def logical_or(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.logical_or``."""

    @abc.abstractmethod
    def logical_not(self, x: Tensor) -> Tensor:
        """``np.logical_not``."""

    @abc.abstractmethod
    def isnan(self, x: Tensor) -> Tensor:
        """``np.isnan``."""

    @abc.abstractmethod
    def isfinite(self, x: Tensor) -> Tensor:
        """``np.isfinite``."""

    # ------------------------------------------------------------------ reductions
    @abc.abstractmethod
    def sum(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.sum`` (an empty reduction gives 0)."""

    @abc.abstractmethod
    def mean(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.mean`` of a float tensor."""

    @abc.abstractmethod
    def max(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.max``."""

    @abc.abstractmethod
    def min(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.min``."""

    @abc.abstractmethod
    def prod(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.prod`` (an empty reduction gives 1)."""

    @abc.abstractmethod
    def var(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.var`` (population variance, ``ddof=0``) of a float tensor."""

    @abc.abstractmethod
    def argmax(self, x: Tensor, axis: int | None = None) -> Tensor:
        """``np.argmax`` as int32 (first occurrence on ties; ``None`` flattens)."""

    @abc.abstractmethod
    def argmin(self, x: Tensor, axis: int | None = None) -> Tensor:
        """``np.argmin`` as int32."""

    @abc.abstractmethod
    def any(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.any`` as bool."""

    @abc.abstractmethod
    def all(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``np.all`` as bool."""

    @abc.abstractmethod
    def logsumexp(self, x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """``log(sum(exp(x)))`` computed stably (``scipy.special.logsumexp``)."""

    @abc.abstractmethod
    def cumsum(self, x: Tensor, axis: int | None = None) -> Tensor:
        """``np.cumsum`` (``None`` flattens)."""

    @abc.abstractmethod
    def cumprod(self, x: Tensor, axis: int | None = None) -> Tensor:
        """``np.cumprod`` (``None`` flattens)."""

    @abc.abstractmethod
    def top_k(self, x: Tensor, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002 - Keras's name
        """The ``k`` largest entries along the last axis, largest first: ``(values, indices)``,
        indices int32."""

    @abc.abstractmethod
    def sort(self, x: Tensor, axis: int = -1) -> Tensor:
        """``np.sort`` (ascending)."""

    @abc.abstractmethod
    def argsort(self, x: Tensor, axis: int = -1) -> Tensor:
        """``np.argsort(kind="stable")`` as int32."""

    # ------------------------------------------------------------------ shape
    @abc.abstractmethod
    def reshape(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        """``np.reshape`` (one entry may be -1)."""

    @abc.abstractmethod
    def transpose(self, x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
        """``np.transpose``."""

    @abc.abstractmethod
    def expand_dims(self, x: Tensor, axis: int) -> Tensor:
        """``np.expand_dims``."""

    @abc.abstractmethod
    def squeeze(self, x: Tensor, axis: Axis = None) -> Tensor:
        """``np.squeeze``."""

    @abc.abstractmethod
    def broadcast_to(self, x: Tensor, shape: Sequence[int]) -> Tensor:
        """``np.broadcast_to``."""

    @abc.abstractmethod
    def concatenate(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        """``np.concatenate``."""

    @abc.abstractmethod
    def stack(self, xs: Sequence[Tensor], axis: int = 0) -> Tensor:
        """``np.stack``."""

    @abc.abstractmethod
    def split(self, x: Tensor, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
        """``np.split``: an int gives equal sections, a list gives split points."""

    @abc.abstractmethod
    def slice(self, x: Tensor, start_indices: Sequence[int], shape: Sequence[int]) -> Tensor:
        """``x[start_0:start_0+shape_0, ...]`` over every axis."""

    @abc.abstractmethod
    def take(self, x: Tensor, indices: Tensor, axis: int | None = None) -> Tensor:
        """``np.take`` (``None`` flattens ``x`` first; indices in range)."""

    @abc.abstractmethod
    def take_along_axis(self, x: Tensor, indices: Tensor, axis: int) -> Tensor:
        """``np.take_along_axis``."""

    @abc.abstractmethod
    def scatter_update(self, x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
        """A copy of ``x`` with ``x[tuple(indices[i])] = updates[i]`` for each row of the
        ``(n, k)`` int ``indices`` (``k <= x.ndim``; ``updates`` has shape
        ``(n,) + x.shape[k:]``)."""

    @abc.abstractmethod
    def tile(self, x: Tensor, repeats: Sequence[int]) -> Tensor:
        """``np.tile``."""

    @abc.abstractmethod
    def repeat(self, x: Tensor, repeats: int, axis: int | None = None) -> Tensor:
        """``np.repeat`` with an int ``repeats``."""

    @abc.abstractmethod
    def pad(self, x: Tensor, pad_width: Sequence[tuple[int, int]], constant_values: Any = 0) -> Tensor:
        """``np.pad(mode="constant")`` with one ``(before, after)`` pair per axis."""

    @abc.abstractmethod
    def flip(self, x: Tensor, axis: Axis = None) -> Tensor:
        """``np.flip``."""

    @abc.abstractmethod
    def roll(self, x: Tensor, shift: int, axis: int | None = None) -> Tensor:
        """``np.roll`` with an int shift."""

    @abc.abstractmethod
    def one_hot(self, indices: Tensor, num_classes: int, dtype: str = "float32") -> Tensor:
        """``np.eye(num_classes)[indices]`` in ``dtype``; out-of-range indices give zeros."""

    # ------------------------------------------------------------------ linear algebra
    @abc.abstractmethod
    def matmul(self, x: Tensor, y: Tensor) -> Tensor:
        """``np.matmul`` (batched, broadcasting leading axes)."""

    @abc.abstractmethod
    def einsum(self, subscripts: str, *operands: Tensor) -> Tensor:
        """``np.einsum`` (explicit ``->`` output)."""

    @abc.abstractmethod
    def tensordot(self, x: Tensor, y: Tensor, axes: int | Sequence[Sequence[int]] = 2) -> Tensor:
        """``np.tensordot``."""

    # ------------------------------------------------------------------ nn
    @abc.abstractmethod
    def relu(self, x: Tensor) -> Tensor:
        """``max(x, 0)``."""

    @abc.abstractmethod
    def gelu(self, x: Tensor, approximate: bool = True) -> Tensor:
        """GELU: tanh approximation if ``approximate`` else ``x * Phi(x)`` with ``erf``."""

    @abc.abstractmethod
    def softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        """``exp(x - max) / sum(exp(x - max))`` along ``axis``."""

    @abc.abstractmethod
    def log_softmax(self, x: Tensor, axis: int = -1) -> Tensor:
        """``x - logsumexp(x, axis, keepdims=True)``."""

    @abc.abstractmethod
    def conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        """N-d cross-correlation (N = 1, 2 or 3) as in Keras's ``Conv*D``.

        ``x``: ``(batch, *spatial, channels)`` for ``"channels_last"``, ``(batch, channels,
        *spatial)`` for ``"channels_first"``; ``kernel``: ``(*kernel_size, in_channels,
        out_channels)`` whatever the data format. ``padding``: ``"valid"`` or ``"same"``
        (for ``"same"`` an odd total padding puts the extra row/column at the end, as
        TensorFlow does). The output uses the input's data format.
        """

    @abc.abstractmethod
    def max_pool(
        self,
        x: Tensor,
        pool_size: Sequence[int],
        strides: Sequence[int],
        padding: str,
        data_format: str,
    ) -> Tensor:
        """N-d max pooling with Keras's ``"valid"`` / ``"same"`` padding (padding never wins)."""

    @abc.abstractmethod
    def avg_pool(
        self,
        x: Tensor,
        pool_size: Sequence[int],
        strides: Sequence[int],
        padding: str,
        data_format: str,
    ) -> Tensor:
        """N-d average pooling; with ``"same"`` padding the padded cells are not counted."""

    # ------------------------------------------------------------------ random
    @abc.abstractmethod
    def random_uniform(self, shape: Sequence[int], minval: float, maxval: float, dtype: str, seed: Seed) -> Tensor:
        """Uniform on ``[minval, maxval)``."""

    @abc.abstractmethod
    def random_normal(self, shape: Sequence[int], mean: float, stddev: float, dtype: str, seed: Seed) -> Tensor:
        """Normal with ``mean`` and ``stddev``."""

    @abc.abstractmethod
    def random_randint(self, shape: Sequence[int], minval: int, maxval: int, dtype: str, seed: Seed) -> Tensor:
        """Uniform integers on ``[minval, maxval)``."""

    @abc.abstractmethod
    def random_categorical(self, logits: Tensor, num_samples: int, seed: Seed) -> Tensor:
        """For each row of the 2-d ``logits``, ``num_samples`` int32 class draws."""

    @abc.abstractmethod
    def random_shuffle(self, x: Tensor, seed: Seed) -> Tensor:
        """``x`` with its first axis permuted."""

    # ------------------------------------------------------------------ variables & gradients
    @abc.abstractmethod
    def variable_create(self, value: np.ndarray, trainable: bool) -> Any:
        """A new framework-native variable handle holding a copy of ``value`` (its dtype is
        kept). Trainable handles must be differentiable by ``value_and_grad``."""

    @abc.abstractmethod
    def variable_read(self, handle: Any) -> Tensor:
        """The current value of a handle, usable in every op (and tracked by gradients)."""

    @abc.abstractmethod
    def variable_assign(self, handle: Any, value: Tensor) -> Any:
        """Store ``value`` (same shape, cast to the handle's dtype) and return the handle to
        keep: the same object where the framework mutates in place, a new one where its
        arrays are immutable. Never tracked by gradients."""

    def variable_assign_add(self, handle: Any, delta: Any) -> Any:
        """``variable_assign(handle, handle + delta)``; frameworks with an in-place add override it."""
        return self.variable_assign(handle, self.add(self.variable_read(handle), delta))

    @abc.abstractmethod
    def stop_gradient(self, x: Tensor) -> Tensor:
        """``x`` with no gradient flowing back through it."""

    @abc.abstractmethod
    def value_and_grad(
        self, fn: Callable[..., Any], variables: Sequence[Any], has_aux: bool = False
    ) -> Callable[..., tuple[Any, list[Tensor]]]:
        """A function of ``fn``'s arguments returning ``(value, grads)``.

        ``fn`` reads ``variables`` (``unikeras.variables.Variable`` objects) through
        ``.value`` and returns a scalar tensor, or ``(scalar, aux)`` with ``has_aux``; the
        result's first element is what ``fn`` returned, ``grads`` one tensor per variable, in
        order (zeros for a variable ``fn`` did not use). Variables that ``fn`` assigns (a seed
        counter, a moving mean) keep their new values afterwards.
        """

    # ------------------------------------------------------------------ steps
    def make_step(
        self, fn: Callable[..., Any], state: Sequence[Any], jit_compile: bool | str = "auto"
    ) -> Callable[..., Any]:
        """Build the fastest callable that runs ``fn`` and updates ``state``.

        ``fn(*tensors)`` reads and assigns the variables in ``state`` (every variable it
        touches: model, optimizer, metrics, seed counters) and returns a tensor or a tuple,
        list or dict of tensors. The callable takes the same arguments as NumPy arrays, native
        tensors or ``None`` (it converts NumPy input itself, the cheapest way its framework
        allows) and returns ``fn``'s result; afterwards every variable holds the value ``fn``
        left.
        ``jit_compile``: ``True`` asks for the framework's strongest compiler (XLA,
        ``torch.compile``), ``False`` for the plain path, ``"auto"`` for what trains small
        models fastest on that framework.

        This fallback runs ``fn`` eagerly, which is right for any framework whose variables
        are mutable and whose ``value_and_grad`` works eagerly.
        """
        del state, jit_compile
        convert = self.convert_to_tensor

        def step(*args: Any) -> Any:
            return fn(*[convert(a) if isinstance(a, np.ndarray) else a for a in args])

        return step

    #: Whether ``host_scalar`` answers from a host-side copy (no device read per call), so that the
    #: optimizers hand this adapter's ``apply_*`` Python floats for the step count and rate.
    host_scalars = False

    def host_scalar(self, variable: Any) -> int | float:
        """The value of a scalar ``Variable`` as a Python number. This default reads the device;
        an adapter with ``host_scalars`` keeps a host copy, exact while every write goes through
        ``variable_assign``."""
        return self.to_numpy(variable.value).item()

    def synchronize(self, x: Any = None) -> None:
        """Block until ``x`` (or all pending work) is computed. Eager frameworks: no-op."""
        del x

    # ------------------------------------------------------------------ composed defaults
    def sparse_softmax_cross_entropy(self, labels: Tensor, logits: Tensor) -> Tensor:
        """Per-sample ``-log_softmax(logits)[labels]`` over the last axis; ``labels`` are int32
        of shape ``logits.shape[:-1]``, all in range. Frameworks with a fused kernel override it."""
        picked = self.take_along_axis(self.log_softmax(logits, axis=-1), self.expand_dims(labels, -1), axis=-1)
        return self.negative(self.squeeze(picked, axis=-1))

    def conv_bias(
        self,
        x: Tensor,
        kernel: Tensor,
        bias: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
    ) -> Tensor:
        """``conv(...)`` plus ``bias`` (one value per output channel), what a convolution layer
        computes before its activation. Frameworks whose convolution adds a bias override it."""
        outputs = self.conv(x, kernel, strides, padding, data_format, dilation_rate)
        if data_format == "channels_first":
            bias = self.reshape(bias, (-1,) + (1,) * (len(self.shape(kernel)) - 2))
        return self.add(outputs, bias)

    def dense(self, x: Tensor, kernel: Tensor, bias: Tensor | None = None) -> Tensor:
        """``x @ kernel + bias``: ``kernel`` of shape ``(x.shape[-1], units)``, ``bias`` of shape
        ``(units,)`` or ``None`` (what a Dense layer computes before its activation). Frameworks
        with a fused kernel override it."""
        outputs = self.matmul(x, kernel)
        return outputs if bias is None else self.add(outputs, bias)

    def layer_norm(
        self, x: Tensor, gamma: Tensor | None, beta: Tensor | None, axes: Sequence[int], epsilon: float
    ) -> Tensor:
        """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the population mean and variance
        of ``x`` over ``axes`` (sorted, non-negative); ``gamma``/``beta`` (or ``None``) hold one
        value per position in those axes, reshaped to their sizes in order (as Keras does).
        Frameworks with a fused kernel override it."""
        axes = tuple(axes)
        x_shape = self.shape(x)
        shape = tuple(x_shape[a] if a in axes else 1 for a in range(len(x_shape)))
        mean = self.mean(x, axis=axes, keepdims=True)
        variance = self.var(x, axis=axes, keepdims=True)
        inv = self.rsqrt(self.add(variance, self.convert_to_tensor(epsilon, self.dtype_name(variance))))
        if gamma is not None:
            inv = self.multiply(inv, self.reshape(gamma, shape))
        outputs = self.multiply(self.subtract(x, mean), inv)
        return outputs if beta is None else self.add(outputs, self.reshape(beta, shape))

    def grouped_conv(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
        groups: int,
    ) -> Tensor:
        """``conv`` with the channels split into ``groups`` (Keras's ``Conv*D(groups=...)``).

        ``kernel`` is ``(*kernel_size, in_channels // groups, out_channels)``; input channels
        ``[g * in_channels // groups, (g + 1) * in_channels // groups)`` are convolved with
        ``kernel[..., g * out_channels // groups : (g + 1) * out_channels // groups]`` and the
        ``groups`` results are concatenated on the channel axis. ``groups == in_channels`` is a
        depthwise convolution. Both channel counts are multiples of ``groups``.

        Default: one ``conv`` per group, concatenated.
        """
        if groups == 1:
            return self.conv(x, kernel, strides, padding, data_format, dilation_rate)
        axis = -1 if data_format == "channels_last" else 1
        xs = self.split(x, groups, axis=axis)
        kernels = self.split(kernel, groups, axis=-1)
        outs = [self.conv(xg, kg, strides, padding, data_format, dilation_rate) for xg, kg in zip(xs, kernels)]
        return self.concatenate(outs, axis=axis)

    def conv_transpose(
        self,
        x: Tensor,
        kernel: Tensor,
        strides: Sequence[int],
        padding: str,
        data_format: str,
        dilation_rate: Sequence[int],
        output_padding: Sequence[int] | None = None,
    ) -> Tensor:
        """N-d transposed convolution as Keras's ``Conv*DTranspose`` (the gradient of ``conv``
        with respect to its input).

        ``kernel`` is ``(*kernel_size, filters, in_channels)`` (Keras's layout). Along each spatial
        axis input cell ``i`` adds ``x[i] @ kernel[t].T`` to output cell
        ``i * stride + t * dilation - crop`` for every kernel tap ``t``; the output length and
        ``crop`` are ``conv_transpose_geometry``'s: ``"valid"`` keeps the full
        ``(n - 1) * stride + (k - 1) * dilation + 1`` cells plus ``output_padding`` (default
        ``max(stride - effective kernel, 0)``) zero cells at the end; ``"same"`` gives
        ``n * stride`` cells (or ``(n - 1) * stride + effective kernel % 2 + output_padding``),
        cropping the full result evenly, the odd cell at the end (TensorFlow's rule).
        ``output_padding``: ``None`` or one non-negative int per spatial axis.

        Default: insert ``stride - 1`` zeros between input cells, pad (or crop) each axis, and
        run ``conv`` (stride 1, the same dilation) with the spatially flipped kernel whose last
        two axes are swapped.
        """
        shape = self.shape(x)
        kshape = self.shape(kernel)
        nd = len(kshape) - 2
        first = 1 if data_format == "channels_last" else 2
        pads = output_padding if output_padding is not None else (None,) * nd
        for i in range(nd):
            axis, n, s = first + i, shape[first + i], strides[i]
            effective = (kshape[i] - 1) * dilation_rate[i] + 1
            out, crop = conv_transpose_geometry(n, kshape[i], s, padding, pads[i], dilation_rate[i])
            if s > 1:  # n cells -> n * s cells, each followed by s - 1 zeros
                zeros = self.zeros(shape[: axis + 1] + (s - 1,) + shape[axis + 1 :], self.dtype_name(x))
                x = self.concatenate([self.expand_dims(x, axis + 1), zeros], axis=axis + 1)
                shape = shape[:axis] + (n * s,) + shape[axis + 1 :]
                x = self.reshape(x, shape)
            # the valid conv below maps (effective - 1 - crop) + n*s + after cells to `out`
            before = effective - 1 - crop
            after = out + effective - 1 - before - n * s
            x = self.pad(x, [(0, 0)] * axis + [(max(before, 0), max(after, 0))] + [(0, 0)] * (len(shape) - axis - 1))
            shape = self.shape(x)
            if before < 0 or after < 0:
                start = [0] * len(shape)
                start[axis] = max(-before, 0)
                size = list(shape)
                size[axis] = shape[axis] - max(-before, 0) - max(-after, 0)
                x = self.slice(x, start, size)
                shape = self.shape(x)
        flipped = self.flip(kernel, axis=tuple(range(nd)))
        flipped = self.transpose(flipped, (*range(nd), nd + 1, nd))
        return self.conv(x, flipped, (1,) * nd, "valid", data_format, dilation_rate)

    def apply_sgd(
        self,
        variables: Sequence[Any],
        grads: Sequence[Tensor],
        momentums: Sequence[Any] | None,
        learning_rate: Tensor,
        momentum: float,
        nesterov: bool,
    ) -> None:
        """Keras's SGD rule on ``Variable`` objects (``momentums`` is ``None`` when
        ``momentum == 0``):

        ``m = momentum * m - lr * g``; ``w += momentum * m - lr * g`` if ``nesterov`` else
        ``w += m``; without momentum ``w -= lr * g``.
        """
        if momentums is None:
            for v, g in zip(variables, grads):
                v.assign(self.subtract(v.value, self.multiply(g, learning_rate)))
            return
        for v, m, g in zip(variables, momentums, grads):
            step = self.multiply(g, learning_rate)
            new_m = self.subtract(self.multiply(m.value, momentum), step)
            m.assign(new_m)
            if nesterov:
                v.assign(self.add(v.value, self.subtract(self.multiply(new_m, momentum), step)))
            else:
                v.assign(self.add(v.value, new_m))

    def apply_adam(
        self,
        variables: Sequence[Any],
        grads: Sequence[Tensor],
        ms: Sequence[Any],
        vs: Sequence[Any],
        vhats: Sequence[Any] | None,
        learning_rate: Tensor,
        beta_1: float,
        beta_2: float,
        epsilon: float,
        step: Tensor,
    ) -> None:
        """Keras's Adam rule on ``Variable`` objects, ``step`` being the 1-based float step:

        ``alpha = lr * sqrt(1 - beta_2**step) / (1 - beta_1**step)``;
        ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
        with ``vhats`` (amsgrad) ``vhat = max(vhat, v)`` and ``v`` below means ``vhat``;
        ``w -= alpha * m / (sqrt(v) + epsilon)``.
        """
        b1_power = self.power(self.convert_to_tensor(beta_1, self.dtype_name(step)), step)
        b2_power = self.power(self.convert_to_tensor(beta_2, self.dtype_name(step)), step)
        alpha = self.divide(
            self.multiply(learning_rate, self.sqrt(self.subtract(1.0, b2_power))),
            self.subtract(1.0, b1_power),
        )
        for i, (w, g, m, v) in enumerate(zip(variables, grads, ms, vs)):
            new_m = self.add(m.value, self.multiply(self.subtract(g, m.value), 1.0 - beta_1))
            new_v = self.add(v.value, self.multiply(self.subtract(self.square(g), v.value), 1.0 - beta_2))
            m.assign(new_m)
            v.assign(new_v)
            if vhats is not None:
                new_v = self.maximum(vhats[i].value, new_v)
                vhats[i].assign(new_v)
            update = self.divide(self.multiply(new_m, alpha), self.add(self.sqrt(new_v), epsilon))
            w.assign(self.subtract(w.value, update))

    # ------------------------------------------------------------------ recurrent kernels
    def rnn(
        self,
        cell: str,
        inputs: Tensor,
        states: Sequence[Tensor],
        kernel: Tensor,
        recurrent_kernel: Tensor,
        bias: Tensor | None,
        recurrent_bias: Tensor | None,
        go_backwards: bool,
        return_sequences: bool = True,
    ) -> tuple[Tensor | None, list[Tensor]] | None:
        """One fused recurrent layer over ``inputs`` ``(batch, time, features)``, or ``None`` when the
        framework has no fused kernel for it (the default: callers then run the generic loop).

        ``cell`` is ``"simple_rnn"`` (``h = tanh(x W + b + h U)``), ``"lstm"`` (gate blocks i, f, c, o;
        sigmoid gates, tanh cell and output; ``states = [h, c]``) or ``"gru"`` (gate blocks z, r, h;
        reset gate applied after the recurrent matmul, Keras's ``reset_after=True``;
        ``h = z * h_prev + (1 - z) * tanh(x_h + r * (h_prev U_h + recurrent_bias_h))``).
        Weights are in Keras's layout: ``kernel`` ``(features, gates * units)``, ``recurrent_kernel``
        ``(units, gates * units)``; ``bias`` ``(gates * units,)`` is added to the input projection
        and ``recurrent_bias`` (GRU only) to the recurrent one; either may be ``None``.
        ``go_backwards`` processes the time steps last to first.

        Returns ``(sequence, final_states)``: the ``(batch, time, units)`` outputs in processing
        order and the list of final ``(batch, units)`` states. Differentiable w.r.t. every input.
        With ``return_sequences=False`` the caller reads the final states only, and an adapter may
        return ``None`` for the sequence (to skip producing it).
        """
        del cell, inputs, states, kernel, recurrent_kernel, bias, recurrent_bias, go_backwards, return_sequences
        return None

    def scan(
        self,
        fn: Callable[[list, list], tuple[list, list]],
        init: Sequence[Tensor],
        xs: Sequence[Tensor],
        axis: int = 0,
        reverse: bool = False,
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Loop ``fn`` over axis ``axis`` of ``xs``, as ``jax.lax.scan`` (which loops over axis 0).

        ``fn(carry, x) -> (carry, y)``: ``carry`` a list of tensors whose shapes and dtypes ``fn``
        keeps, ``x`` the list of slices of ``xs`` at one index of ``axis`` (that axis removed), ``y``
        a list of tensors (maybe empty). ``xs`` is a non-empty list of tensors with the same static
        length along ``axis`` (a non-negative int). ``reverse`` visits the indices last to first.
        Returns the final carry and each ``y`` stacked on a new axis ``axis``, the ``y`` of index
        ``t`` at position ``t`` (also with ``reverse``, as ``lax.scan``). ``fn`` may close over tensors
        but must not assign variables.

        Default: a Python loop (unrolled in a traced graph); compiling frameworks override it.
        """
        carry = list(init)
        slices = [self._unstack(a, axis) for a in xs]
        length = len(slices[0])
        ys: list[list[Tensor]] = [[] for _ in range(length)]
        for t in reversed(range(length)) if reverse else range(length):
            carry, y = fn(carry, [s[t] for s in slices])
            carry = list(carry)
            ys[t] = list(y)
        stacked = [self.stack([y[i] for y in ys], axis=axis) for i in range(len(ys[0]))] if length else []
        return carry, stacked

    def _unstack(self, x: Tensor, axis: int) -> list[Tensor]:
        """The slices of ``x`` along ``axis`` (that axis removed), for ``scan``'s default loop;
        frameworks with one op for it override this."""
        length = self.shape(x)[axis]
        return [self.squeeze(s, axis=axis) for s in self.split(x, length, axis=axis)]

    # ------------------------------------------------------------------ linalg decompositions, autodiff (D1)
    def linalg_svd(self, x: Tensor, full_matrices: bool = True, compute_uv: bool = True) -> Any:
        """``numpy.linalg.svd`` over the last two axes: ``(u, s, vh)`` with ``x = u diag(s) vh`` and
        ``s`` descending, or ``s`` alone without ``compute_uv``. Differentiable where the framework is."""
        raise self.unsupported("linalg.svd")

    def linalg_qr(self, x: Tensor, mode: str = "reduced") -> tuple[Tensor, Tensor]:
        """``numpy.linalg.qr`` over the last two axes (``mode`` "reduced" or "complete"): ``(q, r)``."""
        raise self.unsupported("linalg.qr")

    def linalg_eigh(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``numpy.linalg.eigh`` of symmetric matrices: eigenvalues ascending and the eigenvectors as
        columns."""
        raise self.unsupported("linalg.eigh")

    def linalg_eig(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``numpy.linalg.eig``: complex eigenvalues and eigenvectors (columns) of real square matrices."""
        raise self.unsupported("linalg.eig")

    def jvp(
        self, fun: Callable[..., Any], primals: Sequence[Tensor], tangents: Sequence[Tensor], has_aux: bool = False
    ) -> tuple:
        """Forward-mode product: ``(fun(*primals), J(primals) @ tangents)`` (``primals``, ``tangents``
        and the output may be nested lists/tuples/dicts of tensors), plus ``aux`` with ``has_aux``."""
        raise self.unsupported("jvp")

    def custom_gradient(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``h(*args)`` with the value of ``fn(*args)[0]`` and the gradient ``fn(*args)[1]`` gives:
        ``grad_fn(*upstreams)`` returns one gradient per positional argument of ``fn``."""
        raise self.unsupported("custom_gradient")

    def bitcast(self, x: Tensor, dtype: str) -> Tensor:
        """``numpy.ndarray.view(dtype)``: the same bytes read as ``dtype`` (a wider or narrower item
        merges or splits the last axis). This default goes through host memory (eager only);
        frameworks with a bitcast kernel override it."""
        return self.convert_to_tensor(np.ascontiguousarray(self.to_numpy(x)).view(dtype))

    # ------------------------------------------------------------------ rematerialization (keras.remat)
    def remat(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with the same values and gradients, whose intermediate values are recomputed in the
        backward pass instead of being kept (less memory, more compute). This default returns ``fn``
        itself (nothing recomputed); frameworks with checkpointing override it."""
        return fn

    # ------------------------------------------------------------------ device placement (keras.device)
    def device_scope(self, device_name: str) -> Any:
        """A context manager inside which new tensors are placed on ``device_name`` (``"cpu:0"``,
        ``"gpu:1"``; one of ``list_devices()``). This default accepts the CPU only, where tensors are
        created anyway; frameworks with placement override it."""
        import contextlib

        if device_name.split(":")[0] != "cpu":
            raise self.unsupported("device placement", f"cannot place tensors on {device_name!r}; use 'cpu:0'")
        return contextlib.nullcontext()


def conv_transpose_geometry(
    size: int, kernel_size: int, stride: int, padding: str, output_padding: int | None = None, dilation: int = 1
) -> tuple[int, int]:
    """One spatial axis of ``Backend.conv_transpose``: ``(output length, crop)``, ``crop`` being how
    many leading cells of the full result (``(size - 1) * stride + effective`` cells, ``effective =
    (kernel_size - 1) * dilation + 1``) the output drops. Keras's output-length rule:

    * ``"valid"``: the full length plus ``output_padding`` (default ``max(stride - effective, 0)``);
      ``crop`` is 0.
    * ``"same"``: ``size * stride`` without ``output_padding``, else ``(size - 1) * stride +
      effective % 2 + output_padding``; ``crop`` is half the cells cut from the full result,
      rounded down (the odd cell is cut at the end, as TensorFlow's "SAME" does).
    """
    effective = (kernel_size - 1) * dilation + 1
    full = (size - 1) * stride + effective
    if padding == "valid":
        return full + (max(stride - effective, 0) if output_padding is None else output_padding), 0
    if padding == "same":
        if output_padding is None:
            out = size * stride
        else:
            out = (size - 1) * stride + effective % 2 + output_padding
        return out, max(full - out, 0) // 2
    raise ValueError(f"conv_transpose: `padding` must be 'valid' or 'same', received {padding!r}.")
