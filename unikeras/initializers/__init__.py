"""Initializers: draw from NumPy, so the same seed gives the same weights on every backend."""

from unikeras.initializers.initializers import (
    _ALIASES,
    _CLASSES,
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    Initializer,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
    deserialize,
    get,
    serialize,
)
from unikeras.initializers.stft import STFT, STFTInitializer

# Keras's other spellings of the same classes
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal
constant, identity, ones, orthogonal, zeros, stft = Constant, Identity, Ones, Orthogonal, Zeros, STFT
random_normal, random_uniform, truncated_normal, variance_scaling = (
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
glorot_normal, glorot_uniform, he_normal, he_uniform, lecun_normal, lecun_uniform = (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
)
_ALIASES["stft"] = STFT
_CLASSES.update(
    {"STFT": STFT, "STFTInitializer": STFT, "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal}
)

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "STFT",
    "STFTInitializer",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "stft",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
