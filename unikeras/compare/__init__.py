"""Train one model on several backends and compare them side by side (``unikeras compare``).

    from unikeras.compare import compare, format_table
    rows = compare("mlp", backends=["torch", "jax"], epochs=5, plot="curves.png")
    print(format_table(rows))

Each backend trains in its own subprocess (``unikeras.compare.worker``) with the same seed, so
the same initial weights and batches; the rows report speed, memory, start-up and accuracy.
Importing this package imports no framework and not matplotlib.
"""

from unikeras.compare.builtin_models import BUILTIN_MODELS
from unikeras.compare.report import format_table
from unikeras.compare.runner import compare

__all__ = ["BUILTIN_MODELS", "compare", "format_table"]
