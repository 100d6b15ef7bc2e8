"""unikeras: one Keras-style model definition on PyTorch, TensorFlow, JAX or MXNet.

Pick the backend with ``UNIKERAS_BACKEND``, ``~/.unikeras/unikeras.json`` or
``unikeras.config.set_backend``. Importing unikeras imports no framework: the chosen one
loads on first use.
"""

import gc as _gc

# The imports below allocate thousands of long-lived objects (classes, functions) and no cyclic
# garbage; with a framework already imported, a collection they trigger walks the framework's
# whole heap (100+ ms after torch). Collection is paused for the duration of the import.
_gc_was_enabled = _gc.isenabled()
_gc.disable()

try:
    from unikeras import (
        activations,
        backend,
        backends,
        callbacks,
        config,
        constraints,
        datasets,
        distribution,
        dtype_policies,
        initializers,
        layers,
        legacy,
        losses,
        metrics,
        mixed_precision,
        models,
        ops,
        optimizers,
        preprocessing,
        quantizers,
        random,
        regularizers,
        saving,
        tree,
        utils,
        visualization,
    )
    from unikeras.dtype_policies import DTypePolicy, FloatDTypePolicy
    from unikeras.function import Function
    from unikeras.initializers import Initializer
    from unikeras.layers import Input, InputSpec, Layer
    from unikeras.losses import Loss
    from unikeras.metrics import Metric
    from unikeras.models import Model, Sequential
    from unikeras.optimizers import Optimizer
    from unikeras.quantizers import Quantizer
    from unikeras.regularizers import Regularizer
    from unikeras.rematerialization import RematScope, remat
    from unikeras.scopes import StatelessScope, SymbolicScope, device, name_scope
    from unikeras.symbolic import KerasTensor
    from unikeras.variables import Variable
finally:
    if _gc_was_enabled:
        _gc.enable()

__version__ = "0.1.0"


def version() -> str:
    """The unikeras version (``keras.version()``)."""
    return __version__


def __getattr__(name: str):
    # `unikeras.compare` (the side-by-side run of every backend) loads only when asked for.
    if name in ("compare", "wrappers"):  # wrappers imports scikit-learn
        import importlib

        return importlib.import_module(f"unikeras.{name}")
    raise AttributeError(f"module 'unikeras' has no attribute {name!r}")


__all__ = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "Initializer",
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Optimizer",
    "Quantizer",
    "Regularizer",
    "RematScope",
    "Sequential",
    "StatelessScope",
    "SymbolicScope",
    "Variable",
    "activations",
    "backend",
    "backends",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "device",
    "distribution",
    "dtype_policies",
    "initializers",
    "layers",
    "legacy",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "name_scope",
    "ops",
    "optimizers",
    "preprocessing",
    "quantizers",
    "random",
    "regularizers",
    "remat",
    "saving",
    "tree",
    "utils",
    "version",
    "visualization",
]
