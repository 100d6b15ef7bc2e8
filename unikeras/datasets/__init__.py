"""Data sets that ship offline."""

from unikeras.datasets import digits

__all__ = ["digits"]
