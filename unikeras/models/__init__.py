"""Models."""

from unikeras.models.model import Model
from unikeras.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
