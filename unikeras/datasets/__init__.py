"""Data sets that ship offline, and loaders for local files.

- ``digits``, ``iris``, ``wine``, ``breast_cancer`` (classification) and ``diabetes`` (regression):
  scikit-learn's bundled files, ``load_data(test_split=0.2, seed=113)``.
- ``synthetic``: generated sequences, shape images and token sequences for teaching.
- ``mnist``: ``load_data(path=...)`` from a local ``mnist.npz`` or IDX files (never downloads).
"""

from unikeras.datasets import breast_cancer, diabetes, digits, iris, mnist, synthetic, wine

__all__ = ["breast_cancer", "diabetes", "digits", "iris", "mnist", "synthetic", "wine"]
