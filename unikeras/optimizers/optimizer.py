"""The Optimizer base class: slots, iteration count and learning rate as Variables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from unikeras import backends
from unikeras.variables import Variable


class Optimizer:
    """Base class. Subclasses create slots in ``build`` and implement ``update_step``.

    Args:
        learning_rate: float.
        name: display name.
        weight_decay: when set, each variable first loses ``variable * weight_decay * learning_rate``.
        clipnorm: when set, each gradient is rescaled to an L2 norm of at most ``clipnorm``.
        clipvalue: when set, each gradient is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: when set, all gradients are rescaled together to a global norm of at most it.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        name: str | None = None,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        **kwargs: Any,
    ) -> None:
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(f"{type(self).__name__}: set at most one of `clipnorm` and `global_clipnorm`.")
        for arg, value in (
            ("weight_decay", weight_decay),
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
        ):
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
                raise ValueError(f"{type(self).__name__}: `{arg}` must be a non-negative float, received {value!r}.")
        self.weight_decay, self.clipnorm, self.clipvalue, self.global_clipnorm = (
            weight_decay,
            clipnorm,
            clipvalue,
            global_clipnorm,
        )
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}.")
        if not isinstance(learning_rate, (int, float)) or isinstance(learning_rate, bool) or learning_rate < 0:
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be a non-negative float, received {learning_rate!r}."
            )
        self.name = name or type(self).__name__.lower()
        self._initial_learning_rate = float(learning_rate)
        self.built = False
        self._variables: list[Variable] = []
        self._trainable_ids: dict[int, int] = {}
        self._backend: backends.Backend | None = None

    # ------------------------------------------------------------------ state
    def add_variable(
        self, shape: Sequence[int] = (), dtype: str = "float32", name: str = "slot", initial_value: float = 0.0
    ) -> Variable:
        import numpy as np

        variable = Variable(np.full(tuple(shape), initial_value, dtype=dtype), dtype=dtype, trainable=False, name=name)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference: Variable, name: str) -> Variable:
        """A zero slot shaped like ``reference``."""
        return self.add_variable(reference.shape, reference.dtype, f"{reference.name}_{name}")

    def build(self, variables: Sequence[Variable]) -> None:
        """Create the iteration counter, the learning rate and per-variable slots."""
        self._backend = backends.current()
        self.iterations = self.add_variable((), "int64", "iteration")
        self._learning_rate = self.add_variable((), "float32", "learning_rate", self._initial_learning_rate)
        self._trainable_ids = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    @property
    def learning_rate(self) -> Any:
        if not self.built:
            return self._initial_learning_rate
        return self._learning_rate.value

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._initial_learning_rate = float(value)
        if self.built:
            self._learning_rate.assign(self._learning_rate.backend.convert_to_tensor(float(value), "float32"))

    # ------------------------------------------------------------------ updates
    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None) -> None:
        """Apply one update of ``grads`` to ``trainable_variables`` (those it was built for)."""
        if trainable_variables is None:
            raise ValueError(f"{self.name}.apply(): pass `trainable_variables` along with `grads`.")
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"{self.name}.apply(): received {len(grads)} gradients for {len(trainable_variables)} variables."
            )
        grads = self._clip(list(grads))
        learning_rate = self._learning_rate.value
        if self.weight_decay:
            b = self._backend
            for variable in trainable_variables:
                decay = b.multiply(b.multiply(variable.value, self.weight_decay), b.cast(learning_rate, variable.dtype))
                variable.assign(b.subtract(variable.value, decay))
        self.update_step(grads, trainable_variables, learning_rate)
        for variable in trainable_variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        self.iterations.assign_add(1)

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Variable]]) -> None:
        """Keras's ``apply_gradients([(grad, variable), ...])``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def _slots(self, slots: list[Variable], variables: Sequence[Variable]) -> list[Variable]:
        """The slots of ``variables`` (which must be those the optimizer was built for)."""
        try:
            return [slots[self._trainable_ids[id(v)]] for v in variables]
        except KeyError as err:
            raise ValueError(
                f"{self.name}: a variable was not among those the optimizer was built with; "
                "call optimizer.build(all_trainable_variables) first."
            ) from err

    def _clip(self, grads: list[Any]) -> list[Any]:
        """``clipvalue``, then ``clipnorm`` or ``global_clipnorm``, as Keras applies them."""
        b = self._backend
        if self.clipvalue is not None:
            grads = [b.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [b.divide(b.multiply(g, self.clipnorm), b.maximum(_l2_norm(b, [g]), self.clipnorm)) for g in grads]
        if self.global_clipnorm is not None:
            norm = _l2_norm(b, grads)
            scale = b.divide(self.global_clipnorm, b.maximum(norm, self.global_clipnorm))
            grads = [b.multiply(g, b.cast(scale, b.dtype_name(g))) for g in grads]
        return grads

    def update_step(self, grads: list[Any], variables: list[Variable], learning_rate: Any) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "learning_rate": self._initial_learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        return cls(**config)


def _l2_norm(b: Any, tensors: list[Any]) -> Any:
    """``sqrt(sum of squares)`` over all of ``tensors`` (float32 scalar)."""
    total = None
    for t in tensors:
        term = b.cast(b.sum(b.square(t)), "float32")
        total = term if total is None else b.add(total, term)
    return b.sqrt(total)
