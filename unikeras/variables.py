"""Backend-neutral variables and the stateless scope used by traced steps."""

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


class Variable:
    """A named, mutable tensor living on the backend it was created on.

    Args:
        initializer: initial value (array-like) or a callable ``(shape, dtype) -> array``.
        shape: required when ``initializer`` is callable.
        dtype: dtype name; defaults to the value's dtype (``floatx()`` for floats).
        trainable: whether optimizers update it.
        name: display name.
        constraint: callable ``value -> value`` applied by optimizers after each update.
    """

    __slots__ = ("_backend", "_handle", "name", "trainable", "constraint", "_shape", "_dtype", "_uid", "__weakref__")

    def __init__(
        self,
        initializer: Any,
        shape: tuple[int, ...] | None = None,
        dtype: str | None = None,
        trainable: bool = True,
        name: str | None = None,
        constraint: Any = None,
    ) -> None:
        from unikeras import config

        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: a callable initializer needs `shape`.")
            value = np.asarray(initializer(tuple(shape), dtype or config.floatx()))
        else:
            value = initializer
            if backends.current().is_tensor(value):
                value = backends.current().to_numpy(value)
            value = np.asarray(value)
        if dtype is None:
            dtype = config.floatx() if value.dtype.kind == "f" else value.dtype.name
        value = np.array(value, dtype=np.dtype(dtype), order="C")
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
        """The current value as a native tensor (the scoped value inside a stateless scope)."""
        scope = StatelessScope._active
        if scope is not None:
            scoped = scope.get(self)
            if scoped is not None:
                return scoped
        return self._backend.variable_read(self._handle)

    def assign(self, value: Any) -> None:
        """Set a new value of the same shape."""
        scope = StatelessScope._active
        if scope is not None:
            if not self._backend.is_tensor(value):
                value = self._backend.convert_to_tensor(value, self._dtype)
            scope.values[self] = value
            return
        self._handle = self._backend.variable_assign(self._handle, value)

    def assign_add(self, delta: Any) -> None:
        self.assign(self._backend.add(self.value, delta))

    def assign_sub(self, delta: Any) -> None:
        self.assign(self._backend.subtract(self.value, delta))

    def numpy(self) -> np.ndarray:
        return self._backend.to_numpy(self.value)

    def __array__(self, dtype: Any = None) -> np.ndarray:
        return np.asarray(self.numpy(), dtype=dtype)

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
