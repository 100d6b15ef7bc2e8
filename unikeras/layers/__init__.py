"""Layers, by Keras name."""

from unikeras.layers import (
    adaptive_pooling,
    audio,
    conv_lstm,
    convolution,
    convolution_transpose,
    depthwise_convolution,
    image_color,
    image_geometry,
    lookup,
    merging,
    pooling,
    rnn,
)
from unikeras.layers.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from unikeras.layers.adaptive_pooling import *  # noqa: F403 - AdaptiveAverage/MaxPooling1D/2D/3D
from unikeras.layers.attention import AdditiveAttention, Attention
from unikeras.layers.audio import *  # noqa: F403 - spectrogram layers
from unikeras.layers.conv_lstm import *  # noqa: F403 - ConvLSTM1D/2D/3D
from unikeras.layers.convolution import *  # noqa: F403 - Conv1D/2D/3D and aliases
from unikeras.layers.convolution_transpose import *  # noqa: F403 - Conv1D/2D/3DTranspose and aliases
from unikeras.layers.core import Dense, Identity, Input, InputLayer, Lambda
from unikeras.layers.depthwise_convolution import *  # noqa: F403 - depthwise and separable convolutions
from unikeras.layers.einsum_dense import EinsumDense
from unikeras.layers.embedding import Embedding, ReversibleEmbedding
from unikeras.layers.group_query_attention import GroupQueryAttention
from unikeras.layers.image_augmix import AugMix
from unikeras.layers.image_color import *  # noqa: F403 - colour and mixing augmentation
from unikeras.layers.image_geometry import *  # noqa: F403 - resizing, crops and geometric augmentation
from unikeras.layers.input_spec import InputSpec
from unikeras.layers.layer import Layer
from unikeras.layers.lookup import *  # noqa: F403 - lookup and encoding preprocessing
from unikeras.layers.masking import Masking
from unikeras.layers.merging import *  # noqa: F403 - Add, Concatenate, ... and the add(), concatenate() helpers
from unikeras.layers.multi_head_attention import MultiHeadAttention
from unikeras.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    UnitNormalization,
)
from unikeras.layers.pooling import *  # noqa: F403 - pooling layers and aliases
from unikeras.layers.preprocessing import Normalization, Rescaling
from unikeras.layers.recurrent import GRU, LSTM, SimpleRNN
from unikeras.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from unikeras.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Flatten,
    Permute,
    RepeatVector,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from unikeras.layers.rnn import *  # noqa: F403 - RNN and its cells
from unikeras.layers.serialization import deserialize, serialize
from unikeras.layers.wrappers import Bidirectional, SpectralNormalization, TimeDistributed, Wrapper

__all__ = [
    "ELU",
    "LeakyReLU",
    "PReLU",
    "ReLU",
    "Softmax",
    "Activation",
    "Dense",
    "EinsumDense",
    "Attention",
    "AdditiveAttention",
    "MultiHeadAttention",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "Lambda",
    "Layer",
    "Embedding",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Normalization",
    "Cropping1D",
    "Cropping2D",
    "Permute",
    "RepeatVector",
    "Reshape",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "GRU",
    "TimeDistributed",
    "Bidirectional",
    "Masking",
    "LSTM",
    "SimpleRNN",
    "UpSampling1D",
    "UpSampling2D",
    "Rescaling",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "ActivityRegularization",
    "AlphaDropout",
    "GaussianDropout",
    "Cropping3D",
    "UpSampling3D",
    "ZeroPadding3D",
    "Identity",
    "RMSNormalization",
    "SpectralNormalization",
    "Wrapper",
    "ReversibleEmbedding",
    "GroupQueryAttention",
    "InputSpec",
    "serialize",
    "deserialize",
    *adaptive_pooling.__all__,
    *convolution.__all__,
    *convolution_transpose.__all__,
    *depthwise_convolution.__all__,
    *pooling.__all__,
    *merging.__all__,
    *audio.__all__,
    *conv_lstm.__all__,
    "AugMix",
    *image_color.__all__,
    *image_geometry.__all__,
    *lookup.__all__,
    *rnn.__all__,
]
