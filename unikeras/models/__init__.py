"""Models, and Keras's ``models.load_model`` alias."""

from unikeras.models.model import Model
from unikeras.models.sequential import Sequential
from unikeras.saving import load_model

__all__ = ["Model", "Sequential", "load_model"]
