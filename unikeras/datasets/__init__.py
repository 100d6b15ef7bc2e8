"""Data sets that ship offline, and loaders for local files.

- ``digits``, ``iris``, ``wine``, ``breast_cancer`` (classification) and ``diabetes`` (regression):
  scikit-learn's bundled files, ``load_data(test_split=0.2, seed=113)``.
- ``synthetic``: generated sequences, shape images and token sequences for teaching.
- ``mnist``: ``load_data(path=...)`` from a local ``mnist.npz`` or IDX files (never downloads).
- Keras's other sets, from local files in the cache folder (never downloaded): ``fashion_mnist``,
  ``cifar10``, ``cifar100``, ``imdb``, ``reuters``, ``boston_housing``, ``california_housing``.
"""

from unikeras.datasets import (
    boston_housing,
    breast_cancer,
    california_housing,
    cifar10,
    cifar100,
    diabetes,
    digits,
    fashion_mnist,
    imdb,
    iris,
    mnist,
    reuters,
    synthetic,
    wine,
)

__all__ = [
    "boston_housing",
    "breast_cancer",
    "california_housing",
    "cifar10",
    "cifar100",
    "diabetes",
    "digits",
    "fashion_mnist",
    "imdb",
    "iris",
    "mnist",
    "reuters",
    "synthetic",
    "wine",
]
