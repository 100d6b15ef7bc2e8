"""One example per layer class exported by ``unikeras.layers``: the table behind ``test_catalogue.py``
(and the coverage check of ``test_gradients.py``).

An ``Entry`` names the class (the same name in ``unikeras.layers`` and ``keras.layers``), its
constructor arguments and an input shape with the batch axis. Add one entry per new export; an
alias (``Conv2D`` / ``Convolution2D``) is covered by the entry of the class it names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import unikeras
from tests.layers.catalogue_entry import Entry, Shape


def _square(package: Any) -> dict:
    return {"function": package.ops.square}


def _dense_inside(package: Any) -> dict:
    return {"layer": package.layers.Dense(2)}


def _lstm_inside(package: Any) -> dict:
    return {"layer": package.layers.LSTM(3, return_sequences=True), "merge_mode": "sum"}


def _pooling(rank: int) -> dict[str, Entry]:
    image = {1: (2, 6, 3), 2: (2, 4, 6, 3), 3: (2, 4, 4, 2, 3)}[rank]
    wrong = image[:-1]
    return {
        **{
            f"{kind}Pooling{rank}D": Entry(f"{kind}Pooling{rank}D", {"pool_size": 2}, image, wrong_rank=wrong)
            for kind in ("Max", "Average")
        },
        **{
            f"Global{kind}Pooling{rank}D": Entry(f"Global{kind}Pooling{rank}D", {}, image, wrong_rank=wrong)
            for kind in ("Max", "Average")
        },
    }


CATALOGUE: dict[str, Entry] = {
    # activations: elementwise on any rank
    "ELU": Entry("ELU", {"alpha": 0.5}),
    "LeakyReLU": Entry("LeakyReLU", {"negative_slope": 0.2}),
    "PReLU": Entry("PReLU", {"shared_axes": [1]}, (2, 3, 4)),  # any rank before it is built
    "ReLU": Entry("ReLU", {"max_value": 1.0, "negative_slope": 0.1}),
    "Softmax": Entry("Softmax", {"axis": -1}, (2, 3, 4)),
    "Activation": Entry("Activation", {"activation": "tanh"}),
    # core
    "Dense": Entry(
        "Dense",
        {"units": 3, "activation": "relu"},
        (2, 4),
        wrong_rank=(4,),
    ),
    "EinsumDense": Entry(
        "EinsumDense",
        {"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"},
        (2, 3),  # Keras: no rank check
    ),
    "Lambda": Entry("Lambda", _square, round_trip=False),  # its function is code: from_config raises by design
    "Embedding": Entry("Embedding", {"input_dim": 5, "output_dim": 3}, (2, 4), int_high=5),  # any index rank
    # regularization: the identity at inference, any rank (the spatial ones fix theirs)
    "Dropout": Entry("Dropout", {"rate": 0.5}),
    "GaussianNoise": Entry("GaussianNoise", {"stddev": 0.1}),
    "SpatialDropout1D": Entry(
        "SpatialDropout1D",
        {"rate": 0.5},
        (2, 3, 4),
        wrong_rank=(2, 3),
    ),
    "SpatialDropout2D": Entry(
        "SpatialDropout2D",
        {"rate": 0.5},
        (2, 3, 3, 2),
        wrong_rank=(2, 3, 3),
    ),
    # normalization: any rank with the normalized axes
    "BatchNormalization": Entry("BatchNormalization", {"momentum": 0.9}, (2, 3)),
    "LayerNormalization": Entry("LayerNormalization", {"epsilon": 1e-4}, (2, 3, 4)),
    "GroupNormalization": Entry("GroupNormalization", {"groups": 2}, (2, 3, 4)),  # any rank >= 2
    "UnitNormalization": Entry("UnitNormalization", {"axis": (1, 2)}, (2, 3, 4)),
    "Normalization": Entry("Normalization", {"axis": -1}, (2, 3, 4)),  # any rank with the kept axes
    "Rescaling": Entry("Rescaling", {"scale": 0.5, "offset": 1.0}),
    # reshaping
    "Flatten": Entry("Flatten", {}, (2, 3, 4)),  # any rank
    "Reshape": Entry("Reshape", {"target_shape": (4, 3)}, (2, 3, 4)),  # any rank of the right size
    "Permute": Entry("Permute", {"dims": (2, 1)}, (2, 3, 4), wrong_rank=(2, 3, 4, 5)),
    "RepeatVector": Entry("RepeatVector", {"n": 3}, (2, 4), wrong_rank=(2, 4, 1)),
    "Cropping1D": Entry(
        "Cropping1D",
        {"cropping": (1, 2)},
        (2, 5, 3),
        wrong_rank=(2, 5, 3, 1),
    ),
    "Cropping2D": Entry(
        "Cropping2D",
        {"cropping": ((1, 0), (0, 2))},
        (2, 4, 5, 3),
        wrong_rank=(2, 4, 5),
    ),
    "ZeroPadding1D": Entry(
        "ZeroPadding1D",
        {"padding": (1, 2)},
        (2, 3, 4),
        wrong_rank=(2, 3, 4, 5),
    ),
    "ZeroPadding2D": Entry(
        "ZeroPadding2D",
        {"padding": ((1, 0), (0, 2))},
        (2, 3, 4, 2),
        wrong_rank=(2, 3, 4),
    ),
    "UpSampling1D": Entry("UpSampling1D", {"size": 2}, (2, 3, 4), wrong_rank=(2, 3, 4, 5)),
    "UpSampling2D": Entry("UpSampling2D", {"size": (2, 1)}, (2, 3, 4, 2), wrong_rank=(2, 3, 4)),
    # convolution
    "Conv1D": Entry("Conv1D", {"filters": 2, "kernel_size": 3, "padding": "same"}, (2, 6, 3), wrong_rank=(2, 6)),
    "Conv2D": Entry("Conv2D", {"filters": 2, "kernel_size": (2, 3), "strides": 2}, (2, 5, 6, 3), wrong_rank=(2, 5, 6)),
    "Conv3D": Entry("Conv3D", {"filters": 2, "kernel_size": 2}, (2, 3, 4, 3, 2), wrong_rank=(2, 3, 4, 3)),
    "Conv1DTranspose": Entry(
        "Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (2, 4, 3), wrong_rank=(2, 4)
    ),
    "Conv2DTranspose": Entry(
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 2, "padding": "same", "strides": 2},
        (2, 3, 4, 3),
        wrong_rank=(2, 3, 4),
    ),
    "Conv3DTranspose": Entry(
        "Conv3DTranspose", {"filters": 2, "kernel_size": 2}, (2, 2, 3, 2, 2), wrong_rank=(2, 2, 3, 2)
    ),
    "DepthwiseConv1D": Entry(
        "DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 6, 3), wrong_rank=(2, 6)
    ),
    "DepthwiseConv2D": Entry(
        "DepthwiseConv2D", {"kernel_size": 2, "padding": "same"}, (2, 4, 5, 3), wrong_rank=(2, 4, 5)
    ),
    "SeparableConv1D": Entry("SeparableConv1D", {"filters": 4, "kernel_size": 3}, (2, 6, 3), wrong_rank=(2, 6)),
    "SeparableConv2D": Entry(
        "SeparableConv2D", {"filters": 4, "kernel_size": 2, "depth_multiplier": 2}, (2, 4, 5, 3), wrong_rank=(2, 4, 5)
    ),
    # pooling
    **_pooling(1),
    **_pooling(2),
    **_pooling(3),
    # recurrent
    "SimpleRNN": Entry(
        "SimpleRNN",
        {"units": 3, "return_sequences": True},
        (2, 4, 3),
        wrong_rank=(2, 4),
    ),
    "LSTM": Entry("LSTM", {"units": 3}, (2, 4, 3), wrong_rank=(2, 4)),
    "GRU": Entry(
        "GRU",
        {"units": 3, "go_backwards": True},
        (2, 4, 3),
        wrong_rank=(2, 4),
    ),
    "Bidirectional": Entry("Bidirectional", _lstm_inside, (2, 4, 3), wrong_rank=(2, 4)),
    "Masking": Entry("Masking", {"mask_value": 0.0}, (2, 3, 4)),  # any rank >= 2
    "TimeDistributed": Entry(
        "TimeDistributed",
        _dense_inside,
        (2, 3, 4),
        wrong_rank=(2, 4),
    ),
    # merging: lists of inputs
    "Add": Entry("Add", {}, [(2, 3), (2, 3)]),
    "Subtract": Entry("Subtract", {}, [(2, 3), (2, 3)]),
    "Multiply": Entry("Multiply", {}, [(2, 3), (2, 3), (2, 3)]),
    "Average": Entry("Average", {}, [(2, 3), (2, 3)]),
    "Maximum": Entry("Maximum", {}, [(2, 3), (2, 3)]),
    "Minimum": Entry("Minimum", {}, [(2, 3), (2, 3)]),
    "Concatenate": Entry("Concatenate", {"axis": 1}, [(2, 3, 2), (2, 1, 2)]),
    "Dot": Entry("Dot", {"axes": (2, 1)}, [(2, 3, 4), (2, 4, 2)]),
    # attention: lists [query, value] (rank errors: tests/layers/test_attention.py)
    "Attention": Entry("Attention", {"use_scale": True}, [(2, 3, 4), (2, 5, 4)]),
    "AdditiveAttention": Entry("AdditiveAttention", {}, [(2, 3, 4), (2, 5, 4)]),
}


def _merge_topic_tables() -> None:
    """Add the entries of the topic tables: each ``catalogue_<topic>.py`` has ``ENTRIES`` (name -> Entry)
    and may have ``OUTSIDE`` (name -> the test that covers a class kept out of the table)."""
    import importlib
    import pkgutil

    import tests.layers as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("catalogue_") and info.name not in ("catalogue_table", "catalogue_entry"):
            module = importlib.import_module(f"tests.layers.{info.name}")
            clash = (set(module.ENTRIES) | set(getattr(module, "OUTSIDE", {}))) & (set(CATALOGUE) | set(OUTSIDE_TABLE))
            assert not clash, f"{info.name}: entries already in the catalogue: {sorted(clash)}"
            CATALOGUE.update(module.ENTRIES)
            OUTSIDE_TABLE.update(getattr(module, "OUTSIDE", {}))


# Exported layer classes that are not examples of the table, each with the test that covers it.
OUTSIDE_TABLE: dict[str, str] = {
    "Layer": "the abstract base class (no call()): test_base_layer_call_is_not_implemented, test_base_layer_subclass",
    "InputLayer": "holds a symbolic input, is not called on data: test_input_layer",
    "MultiHeadAttention": "called as (query, value) like Keras, not on one list: tests/layers/test_attention.py "
    "checks its shapes, config round trip, gradients and Keras parity",
}


_merge_topic_tables()


def make_inputs(entry: Entry, rng: np.random.Generator) -> Any:
    """Float32 standard-normal inputs (or integer indices) of the entry's shape(s), or the entry's own sample."""
    if entry.sample is not None:
        return entry.sample(rng)

    def one(shape: Shape) -> np.ndarray:
        if entry.int_high is not None:
            return rng.integers(0, entry.int_high, shape).astype("int32")
        return rng.standard_normal(shape).astype("float32")

    if isinstance(entry.input_shape, list):
        return [one(s) for s in entry.input_shape]
    return one(entry.input_shape)


def build_catalogue_layer(entry: Entry, rng: np.random.Generator) -> tuple[Any, Any]:
    """A new (unbuilt) unikeras layer for ``entry`` and inputs for it."""
    layer = getattr(unikeras.layers, entry.cls)(**entry.arguments(unikeras))
    return layer, make_inputs(entry, rng)
