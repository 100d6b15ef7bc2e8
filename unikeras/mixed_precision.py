"""``keras.mixed_precision``: dtype policies and loss scaling under Keras's mixed-precision names."""

from unikeras.config import dtype_policy, set_dtype_policy
from unikeras.dtype_policies import DTypePolicy
from unikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer

Policy = DTypePolicy  # Keras's older name
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]
