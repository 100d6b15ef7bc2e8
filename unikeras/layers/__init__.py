"""Layers, by Keras name."""

from unikeras.layers.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from unikeras.layers.core import Dense, Input, InputLayer
from unikeras.layers.layer import Layer
from unikeras.layers.regularization import Dropout
from unikeras.layers.reshaping import Flatten

__all__ = [
    "ELU",
    "LeakyReLU",
    "PReLU",
    "ReLU",
    "Softmax",
    "Activation",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "Layer",
]
