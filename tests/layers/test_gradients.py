"""Layer gradients on every backend: the gradient of ``sum(output * cotangent)`` from
``ops.value_and_grad`` against central finite differences of the same layer's forward pass.

Each case builds its layer with ``dtype="float64"`` on a float64 input, draws random weights (so
zero biases and unit scales hide nothing), then compares, for a random sample of at most
``ENTRIES_PER_WEIGHT`` entries of every trainable weight and of the input, the analytic gradient
with ``(loss(w + h) - loss(w - h)) / 2h`` where the weight is moved with ``set_weights`` and the
input directly. float64 uses h=1e-6 and rtol 1e-5 / atol 1e-7.

``GRADIENT_CASES`` maps a case name to a factory ``dtype -> (layer, input, call kwargs)``: the
input is a shape (standard-normal floats, differentiated too) or ``Ints(shape, high)`` (integer
indices, not differentiated). Every layer with trainable weights needs an entry (a test checks the
catalogue); a few weightless layers are there for their input gradient alone. A (case, backend) that
cannot run in float64 goes in ``FLOAT32_FALLBACK`` with the measured reason; it then runs in
float32 with h=1e-3 and rtol 2e-2 / atol 1e-3.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import unikeras
from tests.conftest import BACKENDS
from tests.layers.catalogue_table import CATALOGUE, build_catalogue_layer
from unikeras import layers, ops
from unikeras.layers.layer import Layer


@dataclass(frozen=True)
class Ints:
    """Integer indices of ``shape`` in ``[0, high)``; such an input is not differentiated."""

    shape: tuple[int, ...]
    high: int


Factory = Callable[[str], tuple[Layer, Any, dict]]


def _MultiHeadSelf(dtype: str) -> Layer:  # noqa: N802 - builds a layer
    """MultiHeadAttention taking ``[query, value]`` as one list, like the other attention layers."""
    return layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype=dtype)


class SelfAttention(Layer):
    """Calls a ``[query, value]`` attention layer on ``[x, x]`` (the harness feeds one input)."""

    def __init__(self, attention: Layer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attention = attention

    def call(self, inputs: Any) -> Any:
        return self.attention([inputs, inputs])


GRADIENT_CASES: dict[str, Factory] = {
    "dense": lambda dtype: (layers.Dense(3, activation="tanh", dtype=dtype), (2, 4), {}),
    "dense_rank3_no_bias": lambda dtype: (layers.Dense(2, use_bias=False, dtype=dtype), (2, 3, 4), {}),
    "einsum_dense": lambda dtype: (
        layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", dtype=dtype),
        (2, 3, 4),
        {},
    ),
    "conv1d_same_strided": lambda dtype: (
        layers.Conv1D(2, 3, strides=2, padding="same", activation="tanh", dtype=dtype),
        (2, 7, 3),
        {},
    ),
    "conv2d_valid": lambda dtype: (layers.Conv2D(2, (2, 3), dtype=dtype), (2, 4, 5, 2), {}),
    "conv2d_dilated_channels_first": lambda dtype: (
        layers.Conv2D(2, 2, padding="same", dilation_rate=2, data_format="channels_first", dtype=dtype),
        (2, 2, 5, 4),
        {},
    ),
    "conv3d_same_strided": lambda dtype: (
        layers.Conv3D(2, 2, strides=(1, 2, 1), padding="same", dtype=dtype),
        (1, 3, 4, 3, 2),
        {},
    ),
    "conv1d_grouped": lambda dtype: (layers.Conv1D(4, 2, groups=2, dtype=dtype), (2, 5, 4), {}),
    "conv2d_transpose_same_strided": lambda dtype: (
        layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype=dtype),
        (1, 3, 2, 2),
        {},
    ),
    "conv1d_transpose_output_padding": lambda dtype: (
        layers.Conv1DTranspose(2, 3, strides=2, output_padding=1, dtype=dtype),
        (2, 3, 2),
        {},
    ),
    "depthwise_conv2d": lambda dtype: (
        layers.DepthwiseConv2D(2, depth_multiplier=2, padding="same", dtype=dtype),
        (1, 3, 4, 2),
        {},
    ),
    "separable_conv1d_channels_first": lambda dtype: (
        layers.SeparableConv1D(3, 2, data_format="channels_first", dtype=dtype),
        (2, 2, 5),
        {},
    ),
    "conv3d_transpose": lambda dtype: (
        layers.Conv3DTranspose(2, 2, strides=(1, 2, 1), dtype=dtype),
        (1, 2, 2, 3, 2),
        {},
    ),
    "depthwise_conv1d_strided": lambda dtype: (layers.DepthwiseConv1D(3, strides=2, dtype=dtype), (2, 7, 2), {}),
    "separable_conv2d": lambda dtype: (
        layers.SeparableConv2D(3, 2, depth_multiplier=2, padding="same", dtype=dtype),
        (1, 3, 4, 2),
        {},
    ),
    "attention_concat_scaled": lambda dtype: (
        SelfAttention(layers.Attention(use_scale=True, score_mode="concat", dtype=dtype), dtype=dtype),
        (2, 3, 4),
        {},
    ),
    "additive_attention": lambda dtype: (
        SelfAttention(layers.AdditiveAttention(dtype=dtype), dtype=dtype),
        (2, 3, 4),
        {},
    ),
    "multi_head_attention": lambda dtype: (
        SelfAttention(_MultiHeadSelf(dtype), dtype=dtype),
        (2, 3, 4),
        {},
    ),
    "embedding": lambda dtype: (layers.Embedding(6, 3, dtype=dtype), Ints((2, 4), 6), {}),
    "batch_norm_training": lambda dtype: (layers.BatchNormalization(dtype=dtype), (5, 3), {"training": True}),
    "batch_norm_inference": lambda dtype: (layers.BatchNormalization(dtype=dtype), (5, 3), {"training": False}),
    "batch_norm_axis1_training": lambda dtype: (
        layers.BatchNormalization(axis=1, dtype=dtype),
        (3, 2, 4),
        {"training": True},
    ),
    "layer_norm": lambda dtype: (layers.LayerNormalization(dtype=dtype), (2, 3, 4), {}),
    "layer_norm_two_axes": lambda dtype: (layers.LayerNormalization(axis=(1, 2), dtype=dtype), (2, 3, 4), {}),
    "group_norm": lambda dtype: (layers.GroupNormalization(groups=2, dtype=dtype), (2, 3, 4), {}),
    "group_norm_channels_first": lambda dtype: (
        layers.GroupNormalization(groups=-1, axis=1, dtype=dtype),
        (2, 3, 2, 2),
        {},
    ),
    "prelu": lambda dtype: (layers.PReLU(dtype=dtype), (2, 3, 4), {}),
    "prelu_shared_axes": lambda dtype: (layers.PReLU(shared_axes=[1], dtype=dtype), (2, 3, 4), {}),
    "simple_rnn": lambda dtype: (layers.SimpleRNN(3, dtype=dtype), (2, 4, 3), {}),
    "simple_rnn_sequences_backwards": lambda dtype: (
        layers.SimpleRNN(3, return_sequences=True, go_backwards=True, dtype=dtype),
        (2, 4, 3),
        {},
    ),
    "lstm": lambda dtype: (layers.LSTM(3, dtype=dtype), (2, 4, 3), {}),
    "lstm_sequences": lambda dtype: (layers.LSTM(3, return_sequences=True, dtype=dtype), (2, 4, 3), {}),
    "lstm_backwards_with_state": lambda dtype: (
        layers.LSTM(3, go_backwards=True, return_state=True, dtype=dtype),
        (2, 4, 3),
        {},
    ),
    "gru": lambda dtype: (layers.GRU(3, dtype=dtype), (2, 4, 3), {}),
    "gru_sequences_backwards": lambda dtype: (
        layers.GRU(3, return_sequences=True, go_backwards=True, dtype=dtype),
        (2, 4, 3),
        {},
    ),
    "gru_reset_before": lambda dtype: (layers.GRU(3, reset_after=False, dtype=dtype), (2, 4, 3), {}),
    "bidirectional_gru_sequences": lambda dtype: (
        layers.Bidirectional(layers.GRU(2, return_sequences=True, dtype=dtype), dtype=dtype),
        (2, 3, 2),
        {},
    ),
    "time_distributed_dense": lambda dtype: (
        layers.TimeDistributed(layers.Dense(2, activation="tanh", dtype=dtype), dtype=dtype),
        (2, 3, 4),
        {},
    ),
    # weightless layers whose backward pass is a backend kernel or a composition: the input gradient only
    "max_pooling2d_same": lambda dtype: (
        layers.MaxPooling2D(2, strides=(2, 1), padding="same", dtype=dtype),
        (2, 5, 4, 2),
        {},
    ),
    "average_pooling2d_same": lambda dtype: (
        layers.AveragePooling2D(3, strides=2, padding="same", dtype=dtype),
        (2, 5, 4, 2),
        {},
    ),
    "average_pooling3d_channels_first": lambda dtype: (
        layers.AveragePooling3D(2, data_format="channels_first", dtype=dtype),
        (1, 2, 4, 4, 3),
        {},
    ),
    "max_pooling3d_same": lambda dtype: (layers.MaxPooling3D(2, padding="same", dtype=dtype), (1, 3, 4, 3, 2), {}),
    "global_max_pooling1d": lambda dtype: (layers.GlobalMaxPooling1D(dtype=dtype), (2, 5, 3), {}),
    "softmax_two_axes": lambda dtype: (layers.Softmax(axis=(1, 2), dtype=dtype), (2, 3, 4), {}),
    "unit_normalization": lambda dtype: (layers.UnitNormalization(axis=(1, 2), dtype=dtype), (2, 3, 4), {}),
    "normalization": lambda dtype: (layers.Normalization(axis=(1, 2), dtype=dtype), (2, 3, 4), {}),
    "elu": lambda dtype: (layers.ELU(alpha=0.7, dtype=dtype), (2, 3, 4), {}),
    "up_sampling2d": lambda dtype: (layers.UpSampling2D((2, 3), dtype=dtype), (2, 2, 3, 2), {}),
    # generic RNN and ConvLSTM; LSTMCell's gradients: tests/layers/test_rnn_cells.py (equal to LSTM's)
    "rnn_stacked_cells_backwards": lambda dtype: (
        layers.RNN(
            [layers.SimpleRNNCell(2, dtype=dtype), layers.GRUCell(2, dtype=dtype)],
            return_sequences=True,
            go_backwards=True,
            dtype=dtype,
        ),
        (2, 2, 2),
        {},
    ),
    "conv_lstm1d_same": lambda dtype: (
        layers.ConvLSTM1D(1, 3, padding="same", return_sequences=True, dtype=dtype),
        (2, 2, 4, 2),
        {},
    ),
    "conv_lstm2d_strided_channels_first": lambda dtype: (
        layers.ConvLSTM2D(1, 2, strides=2, data_format="channels_first", dtype=dtype),
        (1, 2, 2, 4, 3),
        {},
    ),
    "conv_lstm3d": lambda dtype: (layers.ConvLSTM3D(1, 2, dtype=dtype), (1, 2, 3, 2, 3, 1), {}),
    "stft_spectrogram_trainable_kernels": lambda dtype: (
        layers.STFTSpectrogram(mode="real", frame_length=4, frame_step=2, fft_length=4, dtype=dtype),
        (1, 8, 1),
        {},
    ),
    # the remaining core layers
    "rms_normalization_two_axes": lambda dtype: (
        layers.RMSNormalization(axis=(1, 2), epsilon=1e-3, dtype=dtype),
        (2, 2, 3),
        {},
    ),
    "spectral_normalization_dense_inference": lambda dtype: (
        layers.SpectralNormalization(layers.Dense(2, dtype=dtype), dtype=dtype),
        (2, 3),
        {"training": False},
    ),
    "reversible_embedding_reverse_soft_cap": lambda dtype: (
        layers.ReversibleEmbedding(4, 3, logit_soft_cap=2.0, dtype=dtype),
        (1, 2, 3),
        {"reverse": True},
    ),
    "group_query_attention": lambda dtype: (
        SelfAttention(
            layers.GroupQueryAttention(1, num_query_heads=2, num_key_value_heads=1, use_bias=False, dtype=dtype),
            dtype=dtype,
        ),
        (2, 2, 2),
        {},
    ),
}

# (case, backend) -> why it runs in float32 (measured). Every other case runs in float64 on every
# backend, MXNet 1.9.1 included: the CPU kernels these layers use all accept float64 there.
FLOAT32_FALLBACK: dict[tuple[str, str], str] = {
    ("average_pooling3d_channels_first", "tensorflow"): (
        "TF 2.21's CPU AvgPool3D kernel is registered for bfloat16/float only: float64 raises "
        "NotFoundError 'Could not find device for node AvgPool3D[T=DT_DOUBLE]'"
    ),
    ("max_pooling3d_same", "tensorflow"): (
        "TF 2.21's MaxPool3D accepts half/bfloat16/float only: float64 raises InvalidArgumentError "
        "\"Value for attr 'T' of double is not in the list of allowed values\""
    ),
}

ENTRIES_PER_WEIGHT = 12
FLOAT64 = {"h": 1e-6, "rtol": 1e-5, "atol": 1e-7}
FLOAT32 = {"h": 1e-3, "rtol": 2e-2, "atol": 1e-3}


def _as_list(outputs: Any) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _sample(shape: tuple[int, ...], rng: np.random.Generator) -> list[tuple[int, ...]]:
    """At most ``ENTRIES_PER_WEIGHT`` distinct multi-indices of an array of ``shape``."""
    size = int(np.prod(shape))
    flat = rng.choice(size, size=min(size, ENTRIES_PER_WEIGHT), replace=False)
    return [np.unravel_index(int(i), shape) for i in flat]


def _randomize_weights(layer: Layer, rng: np.random.Generator) -> list[np.ndarray]:
    """Trainable weights uniform in [-0.5, 0.5); non-trainable ones (moving statistics, counts) in [0.5, 1.5)."""
    trainable = {id(w) for w in layer.trainable_weights}
    values = [
        (rng.uniform(-0.5, 0.5, w.shape) if id(w) in trainable else rng.uniform(0.5, 1.5, w.shape)).astype(w.dtype)
        for w in layer.weights
    ]
    layer.set_weights(values)
    return values


@pytest.mark.parametrize("case", list(GRADIENT_CASES))
def test_gradients_match_finite_differences(backend, rng, case):
    dtype = "float32" if (case, backend.name) in FLOAT32_FALLBACK else "float64"
    tol = FLOAT32 if dtype == "float32" else FLOAT64
    layer, spec, kwargs = GRADIENT_CASES[case](dtype)
    if isinstance(spec, Ints):
        x = rng.integers(0, spec.high, spec.shape).astype("int32")
    else:
        x = rng.standard_normal(spec).astype(dtype)
    outputs = _as_list(layer(x, **kwargs))
    assert [ops.convert_to_numpy(o).dtype for o in outputs] == [np.dtype(dtype)] * len(outputs), "computed in " + dtype
    weights = _randomize_weights(layer, rng)
    cotangents = [rng.standard_normal(ops.shape(out)).astype(dtype) for out in outputs]

    def numpy_loss(inputs: np.ndarray) -> float:
        outs = _as_list(layer(inputs, **kwargs))
        return float(sum(np.sum(ops.convert_to_numpy(o).astype("float64") * c) for o, c in zip(outs, cotangents)))

    differentiate_input = not isinstance(spec, Ints)
    assert layer.trainable_weights or differentiate_input, f"case {case!r} has nothing to differentiate"
    targets = list(layer.trainable_weights)
    if differentiate_input:
        x_var = unikeras.Variable(x, dtype=dtype, name="inputs")
        targets.append(x_var)

    def loss_fn():
        inputs = x_var.value if differentiate_input else x
        outs = _as_list(layer(inputs, **kwargs))
        total = None
        for out, cot in zip(outs, cotangents):
            term = ops.sum(ops.multiply(out, ops.convert_to_tensor(cot, dtype)))
            total = term if total is None else ops.add(total, term)
        return total

    value, grads = ops.value_and_grad(loss_fn, targets)()
    layer.set_weights(weights)  # a training-mode call may have moved the moving statistics
    assert float(ops.convert_to_numpy(value)) == pytest.approx(numpy_loss(x), rel=tol["rtol"], abs=tol["atol"])
    assert len(grads) == len(targets)

    h = tol["h"]
    positions = [next(i for i, w in enumerate(layer.weights) if w is v) for v in layer.trainable_weights]
    for position, grad in zip(positions, grads):
        grad = ops.convert_to_numpy(grad)
        name = layer.weights[position].name
        assert grad.shape == weights[position].shape, f"{case}: gradient of {name!r} has shape {grad.shape}"
        for index in _sample(grad.shape, rng):
            moved = []
            for step in (h, -h):
                values = [w.copy() for w in weights]
                values[position][index] += step
                layer.set_weights(values)
                moved.append(numpy_loss(x))
            layer.set_weights(weights)
            numeric = (moved[0] - moved[1]) / (2 * h)
            np.testing.assert_allclose(
                grad[index], numeric, rtol=tol["rtol"], atol=tol["atol"], err_msg=f"{case}: d loss / d {name}{index}"
            )
    if differentiate_input:
        grad = ops.convert_to_numpy(grads[-1])
        assert grad.shape == x.shape
        for index in _sample(x.shape, rng):
            plus, minus = x.copy(), x.copy()
            plus[index] += h
            minus[index] -= h
            numeric = (numpy_loss(plus) - numpy_loss(minus)) / (2 * h)
            np.testing.assert_allclose(
                grad[index], numeric, rtol=tol["rtol"], atol=tol["atol"], err_msg=f"{case}: d loss / d inputs{index}"
            )


def test_fallbacks_and_known_failures_name_real_cases():
    for case, backend_name in FLOAT32_FALLBACK:
        assert case in GRADIENT_CASES and backend_name in BACKENDS, (case, backend_name)


def test_every_layer_with_trainable_weights_has_a_gradient_case():
    """Every catalogue layer (or wrapped layer) with trainable weights is the class of some case's layer."""
    covered = set()
    for factory in GRADIENT_CASES.values():
        layer = factory("float32")[0]
        covered.update(type(sub) for sub in layer._flatten_layers())
    missing = []
    for name, entry in CATALOGUE.items():
        layer, x = build_catalogue_layer(entry, np.random.default_rng(0))
        layer(x)
        owners = {type(sub) for sub in layer._flatten_layers() if sub.trainable_weights}
        missing.extend(f"{name} ({cls.__name__})" for cls in owners - covered)
    assert not missing, f"layers with trainable weights but no gradient case: {missing}"
