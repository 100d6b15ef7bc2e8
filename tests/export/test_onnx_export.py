"""ONNX export: every covered layer, in small models built on each backend, runs in onnxruntime and matches
``model.predict`` (rtol 1e-4, atol 1e-5) at two batch sizes through the dynamic ``batch`` dimension; the
file passes ``onnx.checker`` (with full shape inference), does not depend on the backend, and a layer
without a rule is refused by name."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest

import unikeras
from tests.conftest import BACKENDS, load_backend
from unikeras import config, layers, ops
from unikeras.export import build_onnx_model
from unikeras.ops import nn as nn_ops

BATCHES = (3, 1)


def _randomize(model: unikeras.Model, rng: np.random.Generator) -> None:
    """Weights far from their initial values (positive variances for batch normalization)."""
    values = []
    for variable, current in zip(model.weights, model.get_weights()):
        if "variance" in variable.name:
            values.append(rng.uniform(0.5, 1.5, current.shape))
        else:
            values.append(rng.normal(0.0, 0.5, current.shape))
    model.set_weights([v.astype(current.dtype) for v, current in zip(values, model.get_weights())])


def _check_export(model, make_inputs, path, atol=1e-5, opset=None):
    """Export, check the file, and compare onnxruntime with ``predict`` at every batch size in BATCHES."""
    model.export(str(path), opset=opset)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.opset_import[0].version == (opset or 17)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for tensor in session.get_inputs() + session.get_outputs():
        assert tensor.shape[0] == "batch", tensor
    for batch in BATCHES:
        data = make_inputs(batch)
        expected = model.predict(data if len(data) > 1 else data[0], verbose=0)
        expected = expected if isinstance(expected, list) else [expected]
        got = session.run(None, {t.name: d for t, d in zip(session.get_inputs(), data)})
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=atol)
    return proto


def _normal(rng, *shape, scale=1.0):
    return lambda batch: [(rng.normal(0.0, scale, (batch, *shape))).astype("float32")]


def test_dense_and_every_activation(backend, rng, tmp_path):
    activations = [
        "linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "gelu", nn_ops.gelu, "elu", "selu",
        "softplus", "softsign", "silu", "swish", "hard_sigmoid", "hard_silu", "leaky_relu", "relu6",
        "log_sigmoid", "exponential",
    ]  # fmt: skip
    inputs = unikeras.Input((5,))
    hidden = layers.Dense(4)(inputs)
    branches = [layers.Activation(a)(hidden) for a in activations]
    branches += [
        layers.Dense(3, activation="gelu", use_bias=False)(inputs),
        layers.Dense(3, activation=ops.gelu)(inputs),
        layers.ReLU()(hidden),
        layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.3)(hidden),
        layers.LeakyReLU()(hidden),
        layers.ELU(alpha=0.7)(hidden),
        layers.Softmax()(hidden),
        layers.PReLU()(hidden),
    ]
    model = unikeras.Model(inputs, layers.Concatenate()(branches))
    _randomize(model, rng)
    _check_export(model, _normal(rng, 5, scale=3.0), tmp_path / "dense.onnx")


def test_conv1d_and_pooling_1d(backend, rng, tmp_path):
    inputs = unikeras.Input((11, 4))
    branches = [
        layers.Conv1D(6, 3, strides=2, padding="same", activation="relu")(inputs),
        layers.Conv1D(6, 3, padding="causal", dilation_rate=2)(inputs),
        layers.Conv1D(6, 2, groups=2, use_bias=False)(inputs),
        layers.MaxPooling1D(2, padding="same")(inputs),
        layers.AveragePooling1D(3, strides=2, padding="same")(inputs),
        layers.AveragePooling1D(2)(inputs),
    ]
    pooled = [layers.Flatten()(b) for b in branches]
    pooled += [
        layers.GlobalAveragePooling1D()(inputs),
        layers.Flatten()(layers.GlobalMaxPooling1D(keepdims=True)(inputs)),
        layers.Flatten()(layers.Conv1D(3, 3, data_format="channels_first", padding="same")(inputs)),
    ]
    model = unikeras.Model(inputs, layers.Concatenate()(pooled))
    _randomize(model, rng)
    _check_export(model, _normal(rng, 11, 4), tmp_path / "conv1d.onnx")
    # unknown length: strided "same" padding becomes ONNX's SAME_UPPER (odd and even lengths)
    steps = unikeras.Input((None, 4))
    x = layers.Conv1D(3, 3, strides=2, padding="same")(steps)
    x = layers.MaxPooling1D(2, padding="same")(x)
    x = layers.Conv1D(2, 2, dilation_rate=2, padding="same")(x)
    model = unikeras.Model(steps, layers.GlobalAveragePooling1D()(x))
    _randomize(model, rng)
    proto = _check_export(
        model, lambda batch: [rng.normal(size=(batch, 9 if batch > 1 else 8, 4)).astype("float32")], tmp_path / "v.onnx"
    )
    auto_pads = [a.s for n in proto.graph.node for a in n.attribute if a.name == "auto_pad"]
    assert auto_pads == [b"SAME_UPPER", b"SAME_UPPER"]  # the strided Conv1D and MaxPooling1D


def test_conv2d_pooling_and_batch_normalization(backend, rng, tmp_path):
    inputs = unikeras.Input((7, 6, 3))
    x = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2, padding="same")(x)
    x = layers.Dropout(0.5)(x)
    a = layers.Flatten()(x)
    y = layers.Conv2D(4, (2, 3), dilation_rate=2, padding="same", groups=1)(inputs)
    y = layers.AveragePooling2D((2, 2), strides=1)(y)
    b = layers.GlobalAveragePooling2D()(y)
    c = layers.GlobalMaxPooling2D()(layers.MaxPooling2D((3, 2), strides=(2, 1))(inputs))
    z = layers.Reshape((7, 6, 3, 1))(inputs)
    d = layers.GlobalMaxPooling3D()(layers.Conv3D(2, 2, activation="tanh")(z))
    e = layers.Flatten(data_format="channels_first")(layers.Conv2D(2, 3, data_format="channels_first")(inputs))
    out = layers.Dense(3)(layers.Concatenate()([a, b, c, d, e]))
    model = unikeras.Model(inputs, out)
    _randomize(model, rng)
    _check_export(model, _normal(rng, 7, 6, 3), tmp_path / "conv2d.onnx")


def test_embedding_layer_normalization_and_recurrent_layers(backend, rng, tmp_path):
    tokens = unikeras.Input((3,), dtype="int32")
    x = layers.Embedding(10, 4)(tokens)
    x = layers.LayerNormalization()(x)
    seq = layers.LSTM(3, return_sequences=True)(x)
    seq = layers.GRU(3, return_sequences=True, go_backwards=True)(seq)
    out, h, c = layers.LSTM(3, go_backwards=True, return_state=True)(x)
    resumed = layers.LSTM(3)(x, initial_state=[h, c])
    gru = layers.GRU(2, reset_after=False, recurrent_activation="hard_sigmoid", activation="relu")(seq)
    gru_state = layers.GRU(2, return_sequences=True, return_state=True)(x)[1]
    simple = layers.SimpleRNN(2, return_sequences=True)(layers.LayerNormalization(axis=(1, 2), rms_scaling=False)(x))
    both = layers.Bidirectional(layers.LSTM(2, return_sequences=True))(x)
    summed, *both_states = layers.Bidirectional(layers.GRU(2, return_state=True), merge_mode="sum")(x)
    model = unikeras.Model(tokens, [seq, out, c, resumed, gru, gru_state, simple, both, summed, both_states[1]])
    _randomize(model, rng)

    def data(batch):
        return [rng.integers(0, 10, (batch, 3)).astype("int32")]

    _check_export(model, data, tmp_path / "rnn.onnx")


def test_multi_head_attention(backend, rng, tmp_path):
    query = unikeras.Input((4, 6))
    value = unikeras.Input((5, 6))
    self_attended = layers.MultiHeadAttention(2, 3)(query, query, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([query, self_attended]))
    cross, scores = layers.MultiHeadAttention(2, 3, value_dim=4, output_shape=5, use_gate=True)(
        x, value, return_attention_scores=True
    )
    keyed = layers.MultiHeadAttention(1, 2, use_bias=False, output_shape=(2, 3))(query, value, value)
    model = unikeras.Model([query, value], [cross, scores, keyed])
    _randomize(model, rng)

    def data(batch):
        return [rng.normal(size=(batch, 4, 6)).astype("float32"), rng.normal(size=(batch, 5, 6)).astype("float32")]

    _check_export(model, data, tmp_path / "mha.onnx")


def test_merging_reshaping_and_recorded_ops(backend, rng, tmp_path):
    a = unikeras.Input((2, 6), name="a")
    b = unikeras.Input((2, 6), name="b")
    merged = [
        layers.Add()([a, b, a]),
        layers.Subtract()([a, b]),
        layers.Multiply()([a, b]),
        layers.Average()([a, b, b]),
        layers.Maximum()([a, b]),
        layers.Minimum()([a, b]),
        a + b,
        a * 2.0 - b / 3.0,
        ops.exp(ops.tanh(a)) + ops.abs(b),
        ops.matmul(ops.transpose(a, (0, 2, 1)), b),  # (batch, 6, 6)
    ]
    x = layers.Concatenate(axis=1)(merged)  # (batch, 24, 6)
    x = layers.Permute((2, 1))(layers.Reshape((12, 12))(x))
    reduced = [ops.mean(x, axis=1), ops.sum(x, axis=2), ops.expand_dims(ops.max(x, axis=(1, 2)), 1)]
    inner = unikeras.Sequential([unikeras.Input((12, 12)), layers.Flatten(), layers.Dense(4, activation="tanh")])
    out = layers.Concatenate()(reduced + [inner(x), ops.min(ops.reshape(x, (-1, 4, 36)), axis=1)])
    model = unikeras.Model([a, b], out)
    _randomize(model, rng)

    def data(batch):
        return [rng.normal(size=(batch, 2, 6)).astype("float32"), rng.normal(size=(batch, 2, 6)).astype("float32")]

    proto = _check_export(model, data, tmp_path / "merge.onnx")
    assert [i.name for i in proto.graph.input] == ["a", "b"]


def test_sequential_models(backend, rng, tmp_path):
    model = unikeras.Sequential(
        [unikeras.Input((8,)), layers.Dense(4, activation=nn_ops.gelu), layers.Dropout(0.5), layers.Dense(2)]
    )
    _randomize(model, rng)
    proto = _check_export(model, _normal(rng, 8), tmp_path / "sequential.onnx")
    assert [o.name for o in proto.graph.output] == [model.layers[-1].name]
    # built by calling it on data (no Input); starting with an Embedding, the input holds int32 indices
    text = unikeras.Sequential([layers.Embedding(7, 3), layers.GlobalAveragePooling1D(), layers.Dense(2)])
    text.predict(np.zeros((1, 4), "int32"), verbose=0)
    _randomize(text, rng)
    _check_export(text, lambda batch: [rng.integers(0, 7, (batch, 4)).astype("int32")], tmp_path / "text.onnx")


def test_opset_18_passes_reduction_axes_as_inputs(backend, rng, tmp_path):
    inputs = unikeras.Input((3, 4))
    x = layers.LayerNormalization()(inputs)
    x = layers.Softmax(axis=(1, 2))(x)
    out = layers.Concatenate()([layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)])
    model = unikeras.Model(inputs, out)
    _randomize(model, rng)
    proto = _check_export(model, _normal(rng, 3, 4), tmp_path / "opset18.onnx", opset=18)
    reduce_mean = next(n for n in proto.graph.node if n.op_type == "ReduceMean")
    assert len(reduce_mean.input) == 2 and not reduce_mean.attribute[1:]


def test_layers_and_arguments_without_rules_raise(backend, tmp_path):
    inputs = unikeras.Input((4,))
    model = unikeras.Model(inputs, layers.Lambda(lambda t: t * 2.0, name="doubler")(inputs))
    with pytest.raises(ValueError, match=r"layer 'doubler' \(class Lambda\) has no ONNX export rule"):
        model.export(str(tmp_path / "bad.onnx"))
    assert not (tmp_path / "bad.onnx").exists()
    with pytest.raises(ValueError, match=r"\(class OpLayer\): op 'get_item' has no ONNX export rule"):
        unikeras.Model(inputs, inputs[:, :2]).export(str(tmp_path / "bad.onnx"))
    model = unikeras.Model(inputs, layers.Dense(2, activation=lambda t: t, name="custom")(inputs))
    with pytest.raises(ValueError, match=r"layer 'custom' \(class Dense\): activation .* has no ONNX export rule"):
        model.export(str(tmp_path / "bad.onnx"))
    tokens = unikeras.Input((3,), dtype="int32")
    masked = unikeras.Model(tokens, layers.Embedding(5, 2, mask_zero=True, name="emb")(tokens))
    with pytest.raises(ValueError, match=r"layer 'emb' \(class Embedding\): `mask_zero=True` is not exported"):
        masked.export(str(tmp_path / "bad.onnx"))
    dense = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"`opset` must be an int from 17 to 21, received 12"):
        dense.export(str(tmp_path / "bad.onnx"), opset=12)
    with pytest.raises(ValueError, match=r"`format` must be 'onnx', received 'tf_saved_model'"):
        dense.export(str(tmp_path / "bad.onnx"), format="tf_saved_model")

    class Custom(unikeras.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match=r"subclassed model: it has no layer graph"):
        Custom(name="sub").export(str(tmp_path / "bad.onnx"))
    with pytest.raises(ValueError, match=r"Sequential model 'empty' is not built"):
        unikeras.Sequential([layers.Dense(2)], name="empty").export(str(tmp_path / "bad.onnx"))
    assert not (tmp_path / "bad.onnx").exists()


def _named_model():
    inputs = unikeras.Input((6, 3), name="x")
    x = layers.Conv1D(4, 3, padding="same", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.LSTM(3, return_sequences=True, name="lstm")(x)
    x = layers.MultiHeadAttention(2, 2, name="mha")(x, x)
    return unikeras.Model(inputs, layers.Dense(2, name="head")(layers.Flatten(name="flat")(x)), name="named")


def test_export_does_not_depend_on_the_backend(tmp_path):
    rng = np.random.default_rng(5)
    weights = None
    files = {}
    for name in BACKENDS:
        load_backend(name)
        with config.use_backend(name):
            model = _named_model()
            if weights is None:
                _randomize(model, rng)
                weights = model.get_weights()
            model.set_weights(weights)
            path = tmp_path / f"{name}.onnx"
            model.export(str(path))
            files[name] = path.read_bytes()
            assert build_onnx_model(model).SerializeToString() == files[name]
    first = files[BACKENDS[0]]
    assert all(content == first for content in files.values()), [len(c) for c in files.values()]
    props = {p.key: p.value for p in onnx.load_from_string(first).metadata_props}
    assert props == {"unikeras.export.opset": "17"}
