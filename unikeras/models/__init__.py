"""Models, and Keras's ``models.load_model`` alias."""

from unikeras.models.cloning import clone_model
from unikeras.models.model import Model
from unikeras.models.model_json import model_from_json
from unikeras.models.sequential import Sequential
from unikeras.saving import load_model, save_model

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
