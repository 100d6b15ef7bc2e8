"""Layers, by Keras name."""

from unikeras.layers.activation import Activation
from unikeras.layers.core import Dense, Input, InputLayer
from unikeras.layers.layer import Layer
from unikeras.layers.regularization import Dropout
from unikeras.layers.reshaping import Flatten

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer"]
