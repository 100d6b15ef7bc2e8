"""unikeras: one Keras-style model definition on PyTorch, TensorFlow, JAX or MXNet.

Pick the backend with ``UNIKERAS_BACKEND``, ``~/.unikeras/unikeras.json`` or
``unikeras.config.set_backend``. Importing unikeras imports no framework: the chosen one
loads on first use.
"""

from unikeras import (
    activations,
    backend,
    backends,
    callbacks,
    config,
    constraints,
    datasets,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from unikeras.dtype_policies import DTypePolicy
from unikeras.layers import Input
from unikeras.models import Model, Sequential
from unikeras.variables import Variable

__version__ = "0.1.0"

__all__ = [
    "DTypePolicy",
    "Input",
    "Model",
    "Sequential",
    "Variable",
    "activations",
    "backend",
    "backends",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "dtype_policies",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "utils",
]
