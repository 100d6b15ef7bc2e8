"""``OrthogonalRegularizer``: a penalty on the non-orthogonality of a weight's rows or columns."""

from __future__ import annotations

import math
from typing import Any

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.regularizers import Regularizer

_MODES = ("rows", "columns")


class OrthogonalRegularizer(Regularizer):
    """Penalize the mean absolute cosine similarity between pairs of rows (or columns) of a 2-d weight.

    The penalty is ``factor * 0.5 * sum(|off-diagonal of V V^T|) / (n (n - 1) / 2)``, where the
    ``n`` rows of ``V`` are the rows (``mode="rows"``) or columns (``mode="columns"``) of the
    weight scaled to unit L2 norm.

    Args:
        factor: the weight of the penalty (0.01); a non-negative number.
        mode: ``"rows"`` or ``"columns"``: which vectors should be orthogonal. For a Dense kernel
            ``(input_dim, units)``, ``"columns"`` makes the units' weight vectors orthogonal.
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        if (
            isinstance(factor, bool)
            or not isinstance(factor, (int, float))
            or math.isinf(factor)
            or math.isnan(factor)
            or factor < 0
        ):
            raise ValueError(
                f"Invalid value for argument factor: expected a non-negative float. Received: factor={factor!r}"
            )
        if mode not in _MODES:
            raise ValueError(f"Invalid value for argument `mode`. Expected one of {_MODES}. Received: mode={mode!r}")
        self.factor = float(factor)
        self.mode = mode

    def __call__(self, x: Any) -> Any:
        b = active()
        shape = b.shape(x)
        if len(shape) != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={shape}")
        axis = 1 if self.mode == "rows" else 0
        inv_norm = b.minimum(b.rsqrt(b.sum(b.square(x), axis=axis, keepdims=True)), 1.0 / config.epsilon())
        unit = b.multiply(x, inv_norm)
        if self.mode == "rows":
            product, size = b.matmul(unit, b.transpose(unit)), shape[0]
        else:
            product, size = b.matmul(b.transpose(unit), unit), shape[1]
        off_diagonal = b.multiply(product, b.subtract(1.0, b.eye(size, dtype=b.dtype_name(x))))
        pairs = size * (size - 1.0) / 2.0
        return b.multiply(b.sum(b.abs(off_diagonal)), self.factor * 0.5 / pairs)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


orthogonal_regularizer = OrthogonalRegularizer

__all__ = ["OrthogonalRegularizer", "orthogonal_regularizer"]
