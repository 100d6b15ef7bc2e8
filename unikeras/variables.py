"""Backend-neutral variables, the stateless scope used by traced steps, and the autocast scope of
mixed precision."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from unikeras import backends

_uid = itertools.count()


class StatelessScope:
    """Within ``with StatelessScope(values):`` a variable reads the value mapped to it and an
    ``assign`` records the new value here instead of touching the variable.

    Compiled steps of functional frameworks (JAX) use it to run layer code on traced values.
    Scopes nest: a variable missing from the innermost mapping is looked up outward, and
    assignments always land in the innermost scope.
    """

    __slots__ = ("values", "parent")
    _active: StatelessScope | None = None

    def __init__(self, values: dict[Variable, Any] | None = None) -> None:
        self.values = dict(values or {})
        self.parent: StatelessScope | None = None

    def get(self, variable: Variable) -> Any:
        scope: StatelessScope | None = self
        while scope is not None:
            value = scope.values.get(variable)
            if value is not None:
                return value
            scope = scope.parent
        return None

    def __enter__(self) -> StatelessScope:
        self.parent = StatelessScope._active
        StatelessScope._active = self
        return self

    def __exit__(self, *exc: Any) -> None:
        StatelessScope._active = self.parent
        self.parent = None


def active_scope() -> StatelessScope | None:
    """The innermost active :class:`StatelessScope`, or ``None``."""
    return StatelessScope._active


_FLOATS = frozenset(("float16", "bfloat16", "float32", "float64"))


class AutocastScope:
    """Within ``with AutocastScope("float16"):`` reading a floating variable created with
    ``autocast=True`` gives its value cast to float16 (Keras's mixed precision: layers whose
    compute dtype differs from their variable dtype run ``call`` in such a scope). The cast is
    differentiable, so gradients come back in the variable's dtype. ``AutocastScope(None)``
    turns autocasting off inside an outer scope. Scopes nest."""

    __slots__ = ("dtype", "_previous")
    _active: AutocastScope | None = None

    def __init__(self, dtype: str | None) -> None:
        if dtype is not None and dtype not in _FLOATS:
            raise ValueError(f"AutocastScope: the dtype must be a float dtype or None, received {dtype!r}.")
        self.dtype = dtype
        self._previous: AutocastScope | None = None

    def __enter__(self) -> AutocastScope:
        self._previous = AutocastScope._active
        AutocastScope._active = self
        return self

    def __exit__(self, *exc: Any) -> None:
        AutocastScope._active = self._previous
        self._previous = None


def autocast_scope() -> AutocastScope | None:
    """The innermost active :class:`AutocastScope`, or ``None``."""
    return AutocastScope._active


def numpy_dtype(name: str) -> np.dtype:
    """The NumPy dtype of a dtype name; ``bfloat16`` comes from ``ml_dtypes`` (installed with
    TensorFlow and JAX), since NumPy has none."""
    try:
        return np.dtype(name)
    except TypeError:
        if name != "bfloat16":
            raise
    try:
        import ml_dtypes
    except ImportError:
        raise ValueError(
            "bfloat16 variables need the `ml_dtypes` package (NumPy has no bfloat16): pip install ml_dtypes."
        ) from None
    return np.dtype(ml_dtypes.bfloat16)


class Variable:
    """A named, mutable tensor living on the backend it was created on.

    Args:
        initializer: initial value (array-like) or a callable ``(shape, dtype) -> array``.
        shape: required when ``initializer`` is callable.
        dtype: dtype name; defaults to the value's dtype (``floatx()`` for floats).
        trainable: whether optimizers update it.
        name: display name.
        constraint: callable ``value -> value`` applied by optimizers after each update.
        autocast: whether reading the variable inside an :class:`AutocastScope` casts a floating
            value to the scope's dtype (layers under mixed precision read float32 weights in float16).
    """

    __slots__ = (
        "_backend",
        "_handle",
        "name",
        "trainable",
        "constraint",
        "_shape",
        "_dtype",
        "_uid",
        "_autocast",
        "__weakref__",
    )

    def __init__(
        self,
        initializer: Any,
        shape: tuple[int, ...] | None = None,
        dtype: str | None = None,
        trainable: bool = True,
        name: str | None = None,
        constraint: Any = None,
        autocast: bool = True,
    ) -> None:
        from unikeras import config

        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: a callable initializer needs `shape`.")
            draw = dtype or config.floatx()  # NumPy has no bfloat16: draw in float32, round below
            value = np.asarray(initializer(tuple(shape), "float32" if draw == "bfloat16" else draw))
        else:
            value = initializer
            if backends.current().is_tensor(value):
                value = backends.current().to_numpy(value)
            value = np.asarray(value)
        if dtype is None:
            dtype = config.floatx() if value.dtype.kind == "f" else value.dtype.name
        value = np.array(value, dtype=numpy_dtype(dtype), order="C")
        if shape is not None and tuple(shape) != value.shape:
            raise ValueError(f"Variable {name!r}: initial value has shape {value.shape}, expected {tuple(shape)}.")
        self._backend = backends.current()
        self._handle = self._backend.variable_create(value, trainable)
        self.name = name or "variable"
        self.trainable = trainable
        self.constraint = constraint
        self._shape = value.shape
        self._dtype = dtype
        self._uid = next(_uid)
        self._autocast = bool(autocast) and dtype in _FLOATS

    @property
    def backend(self) -> Any:
        """The adapter this variable lives on."""
        return self._backend

    @property
    def handle(self) -> Any:
        """The framework-native storage (tf.Variable, torch Parameter, jax array, NDArray)."""
        return self._handle

    @property
    def value(self) -> Any:
        """The current value as a native tensor (the scoped value inside a stateless scope), cast to
        the dtype of the active :class:`AutocastScope` when the variable autocasts."""
        value = self._read()
        cast = AutocastScope._active
        if cast is not None and self._autocast and cast.dtype is not None and cast.dtype != self._dtype:
            return self._backend.cast(value, cast.dtype)
        return value

    @property
    def autocast(self) -> bool:
        """Whether the variable is cast to the dtype of an active :class:`AutocastScope` when read."""
        return self._autocast

    def _read(self) -> Any:
        """The stored value, in the variable's own dtype."""
        scope = StatelessScope._active
        if scope is not None:
            scoped = scope.get(self)
            if scoped is not None:
                return scoped
        return self._backend.variable_read(self._handle)

    def assign(self, value: Any) -> None:
        """Set a new value of the same shape (cast to the variable's dtype, as every backend's own
        assignment does: a float16 value computed under mixed precision lands in a float32 weight)."""
        scope = StatelessScope._active
        if scope is not None:
            if not self._backend.is_tensor(value):
                value = self._backend.convert_to_tensor(value, self._dtype)
            elif self._backend.dtype_name(value) != self._dtype:
                value = self._backend.cast(value, self._dtype)
            scope.values[self] = value
            return
        self._handle = self._backend.variable_assign(self._handle, value)

    def assign_add(self, delta: Any) -> None:
        if StatelessScope._active is not None:
            self.assign(self._backend.add(self._read(), delta))
        else:
            self._handle = self._backend.variable_assign_add(self._handle, delta)

    def assign_sub(self, delta: Any) -> None:
        self.assign(self._backend.subtract(self._read(), delta))

    def numpy(self) -> np.ndarray:
        return self._backend.to_numpy(self._read())

    def __array__(self, dtype: Any = None) -> np.ndarray:
        return np.asarray(self.numpy(), dtype=dtype)

    def __tf_tensor__(self, dtype: Any = None, name: str | None = None) -> Any:
        """TensorFlow's conversion hook: ``tf_tensor * variable`` reads the value, also inside a graph."""
        return self._backend.convert_to_tensor(self.value, getattr(dtype, "name", dtype))

    @property
    def shape(self) -> tuple[int, ...]:
        return self._shape

    @property
    def dtype(self) -> str:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    def __hash__(self) -> int:
        return self._uid

    def __eq__(self, other: object) -> bool:
        return self is other

    def __repr__(self) -> str:
        return (
            f"<Variable {self.name!r} shape={self._shape} dtype={self._dtype} "
            f"trainable={self.trainable} backend={self._backend.name}>"
        )

    # Arithmetic reads the value, so Keras-style code can write `w * 2` or `x @ w`.
    def __add__(self, other: Any) -> Any:
        return self._backend.add(self.value, _unwrap(other))

    def __radd__(self, other: Any) -> Any:
        return self._backend.add(_unwrap(other), self.value)

    def __sub__(self, other: Any) -> Any:
        return self._backend.subtract(self.value, _unwrap(other))

    def __rsub__(self, other: Any) -> Any:
        return self._backend.subtract(_unwrap(other), self.value)

    def __mul__(self, other: Any) -> Any:
        return self._backend.multiply(self.value, _unwrap(other))

    def __rmul__(self, other: Any) -> Any:
        return self._backend.multiply(_unwrap(other), self.value)

    def __truediv__(self, other: Any) -> Any:
        return self._backend.divide(self.value, _unwrap(other))

    def __rtruediv__(self, other: Any) -> Any:
        return self._backend.divide(_unwrap(other), self.value)

    def __matmul__(self, other: Any) -> Any:
        return self._backend.matmul(self.value, _unwrap(other))

    def __rmatmul__(self, other: Any) -> Any:
        return self._backend.matmul(_unwrap(other), self.value)

    def __neg__(self) -> Any:
        return self._backend.negative(self.value)


def _unwrap(x: Any) -> Any:
    return x.value if isinstance(x, Variable) else x
