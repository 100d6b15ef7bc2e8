"""Layers, by Keras name."""

from unikeras.layers import convolution, merging, pooling
from unikeras.layers.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from unikeras.layers.convolution import *  # noqa: F403 - Conv1D/2D/3D and aliases
from unikeras.layers.core import Dense, Input, InputLayer, Lambda
from unikeras.layers.embedding import Embedding
from unikeras.layers.layer import Layer
from unikeras.layers.merging import *  # noqa: F403 - Add, Concatenate, ... and the add(), concatenate() helpers
from unikeras.layers.normalization import BatchNormalization, LayerNormalization
from unikeras.layers.pooling import *  # noqa: F403 - pooling layers and aliases
from unikeras.layers.preprocessing import Rescaling
from unikeras.layers.recurrent import GRU, LSTM, SimpleRNN
from unikeras.layers.regularization import Dropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from unikeras.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from unikeras.layers.wrappers import TimeDistributed

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
    "Lambda",
    "Layer",
    "Embedding",
    "BatchNormalization",
    "LayerNormalization",
    "Cropping1D",
    "Cropping2D",
    "Permute",
    "RepeatVector",
    "Reshape",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "GRU",
    "TimeDistributed",
    "LSTM",
    "SimpleRNN",
    "UpSampling1D",
    "UpSampling2D",
    "Rescaling",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    *convolution.__all__,
    *pooling.__all__,
    *merging.__all__,
]
