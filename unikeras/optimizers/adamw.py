"""AdamW."""

from __future__ import annotations

from typing import Any

from unikeras.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay: each step first subtracts ``w * weight_decay * learning_rate``.

    Args:
        learning_rate: float (``0.001``).
        weight_decay: decay rate (``0.004``).
        beta_1, beta_2, epsilon, amsgrad: as ``Adam``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "adamw",
        **kwargs: Any,
    ) -> None:
        if weight_decay is None:
            raise ValueError("AdamW: `weight_decay` must be a float, received None.")
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, amsgrad, name=name, weight_decay=weight_decay, **kwargs
        )
