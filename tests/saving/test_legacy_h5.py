"""Legacy Keras HDF5 files (``.h5``): models and weights written by the installed Keras 3's
``model.save("m.h5")`` (it still writes the legacy format), and files in the Keras 2 / tf.keras
dialect written by hand with h5py, checked against Keras's predictions and NumPy references."""

from __future__ import annotations

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import unikeras  # noqa: E402
from unikeras import layers, saving  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _close(actual, expected):
    actual = actual if isinstance(actual, (list, tuple)) else [actual]
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=RTOL, atol=ATOL)


def _keras_models():
    rng = np.random.default_rng(0)
    L = keras.layers  # noqa: N806
    out = {}
    out["mlp"] = (
        keras.Sequential([keras.Input((4,)), L.Dense(6, activation="relu"), L.Dropout(0.3), L.Dense(3)]),
        rng.standard_normal((5, 4)).astype("float32"),
    )
    inp = keras.Input((6, 6, 2))
    x = L.Conv2D(3, 3, padding="same", activation="relu")(inp)
    x = L.BatchNormalization()(x)
    x = L.AveragePooling2D(2)(x)
    x = L.Flatten()(x)
    out["convnet"] = (keras.Model(inp, L.Dense(2)(x)), rng.standard_normal((3, 6, 6, 2)).astype("float32"))
    tokens = keras.Input((5,), dtype="int32")
    h = L.Embedding(12, 3)(tokens)
    h = L.LSTM(4, return_sequences=True)(h)
    h = L.SimpleRNN(3)(h)
    out["lstm"] = (keras.Model(tokens, L.Dense(1)(h)), rng.integers(0, 12, (4, 5)).astype("int32"))
    seq = keras.Input((5, 3))
    h = L.Bidirectional(L.GRU(3), merge_mode="sum")(seq)
    out["gru"] = (keras.Model(seq, L.Activation("tanh")(h)), rng.standard_normal((3, 5, 3)).astype("float32"))
    a = keras.Input((4,))
    b = keras.Input((4,))
    s = L.Add()([L.Dense(3)(a), L.Dense(3)(b)])
    m = L.Multiply()([s, L.Dense(3)(a)])
    out["merge"] = (
        keras.Model([a, b], [m, L.Concatenate()([s, m])]),
        [rng.standard_normal((2, 4)).astype("float32"), rng.standard_normal((2, 4)).astype("float32")],
    )
    return out


@pytest.fixture(scope="module")
def legacy_files(tmp_path_factory):
    """Keras 3 models saved once as legacy ``.h5`` model files and as weights-only ``.h5`` files."""
    from keras.src.legacy.saving import legacy_h5_format

    folder = tmp_path_factory.mktemp("legacy")
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(3)
    files = {}
    for name, (model, x) in _keras_models().items():
        weights = [rng.uniform(-0.6, 0.6, w.shape).astype(w.dtype) for w in model.get_weights()]
        if name == "convnet":  # conv kernel, bias; BatchNormalization gamma, beta, moving_mean, moving_variance
            weights[5] = np.abs(weights[5]) + 0.5
        model.set_weights(weights)
        if name == "mlp":
            model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="mse")
        model.save(folder / f"{name}.h5")
        with h5py.File(folder / f"{name}_weights.h5", "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
        files[name] = (folder / f"{name}.h5", folder / f"{name}_weights.h5", x, model.predict(x, verbose=0))
    return files


def test_keras_h5_model_files_load_on_every_backend(backend, legacy_files):
    for name, (path, _, x, expected) in legacy_files.items():
        model = saving.load_model(path)
        assert model.backend is backend, name
        _close(model.predict(x, verbose=0), expected)
    mlp = saving.load_model(legacy_files["mlp"][0])
    assert mlp.compiled and isinstance(mlp.optimizer, unikeras.optimizers.SGD)
    assert mlp.optimizer.get_config()["momentum"] == pytest.approx(0.5)


def test_legacy_weight_files_load_into_unikeras_models(backend, legacy_files):
    _, weights_path, x, expected = legacy_files["gru"]
    seq = unikeras.Input((5, 3))
    h = layers.Bidirectional(layers.GRU(3), merge_mode="sum")(seq)
    model = unikeras.Model(seq, layers.Activation("tanh")(h))  # other layer names: matched by order
    model.load_weights(weights_path)
    _close(model.predict(x, verbose=0), expected)
    _, weights_path, x, expected = legacy_files["convnet"]
    inp = unikeras.Input((6, 6, 2))
    y = layers.Conv2D(3, 3, padding="same", activation="relu")(inp)
    y = layers.BatchNormalization()(y)
    y = layers.Flatten()(layers.AveragePooling2D(2)(y))
    model = unikeras.Model(inp, layers.Dense(2)(y))
    model.load_weights(weights_path)
    _close(model.predict(x, verbose=0), expected)
    wrong = unikeras.Model(inp, layers.Dense(5)(y))
    before = [w.copy() for w in wrong.get_weights()]
    with pytest.raises(ValueError, match=r"(?s)convnet_weights\.h5: the weights do not match.*expects shape \(27, 5\)"):
        wrong.load_weights(weights_path)
    for a, b in zip(wrong.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # nothing changed


# ---------------------------------------------------------------------- the Keras 2 dialect, by hand
def _dense_config(name, units, activation, **extra):
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
            **extra,
        },
    }


def _write_weights(group, weights: dict[str, list[tuple[str, np.ndarray]]], order: list[str]):
    group.attrs["layer_names"] = [n.encode() for n in order]
    for layer_name in order:
        g = group.create_group(layer_name)
        entries = weights.get(layer_name, [])
        g.attrs["weight_names"] = [f"{layer_name}/{w}:0".encode() for w, _ in entries]
        for w, value in entries:
            g.create_dataset(f"{layer_name}/{w}:0", data=value)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _lstm_reference(x, kernel, recurrent, bias):
    """Keras's LSTM (gates i, f, c, o; sigmoid and tanh), the last output, in float64."""
    units = recurrent.shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros((x.shape[0], units))
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    return h


@pytest.fixture(scope="module")
def keras2_files(tmp_path_factory):
    """A Sequential and a functional model in the Keras 2 dialect, with NumPy reference outputs."""
    folder = tmp_path_factory.mktemp("keras2")
    rng = np.random.default_rng(11)
    f64 = lambda *shape: rng.uniform(-0.7, 0.7, shape)  # noqa: E731
    # Sequential: Keras < 2.4 style, the input shape on the first layer.
    w1, b1, w2, b2 = f64(4, 5), f64(5), f64(5, 3), f64(3)
    seq_config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                _dense_config("dense", 5, "relu", batch_input_shape=[None, 4]),
                {
                    "class_name": "Dropout",
                    "config": {
                        "name": "dropout",
                        "trainable": True,
                        "dtype": "float32",
                        "rate": 0.5,
                        "noise_shape": None,
                        "seed": None,
                    },
                },
                _dense_config("dense_1", 3, "softmax"),
            ],
        },
    }
    training = {
        "loss": "categorical_crossentropy",
        "metrics": [
            [
                {
                    "class_name": "MeanMetricWrapper",
                    "config": {"name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"},
                }
            ]
        ],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {
            "class_name": "Adam",
            "config": {
                "name": "Adam",
                "learning_rate": 0.003,
                "decay": 0.0,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-07,
                "amsgrad": False,
            },
        },
    }
    seq_path = folder / "keras2_sequential.h5"
    with h5py.File(seq_path, "w") as f:
        f.attrs["keras_version"] = b"2.11.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(seq_config).encode()
        f.attrs["training_config"] = json.dumps(training).encode()
        _write_weights(
            f.create_group("model_weights"),
            {"dense": [("kernel", w1), ("bias", b1)], "dense_1": [("kernel", w2), ("bias", b2)]},
            ["dense", "dropout", "dense_1"],
        )
    x_seq = rng.standard_normal((4, 4))
    logits = np.maximum(x_seq @ w1 + b1, 0) @ w2 + b2
    seq_expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)

    # Functional: inbound nodes as lists, an InputLayer with batch_input_shape, a merge layer, an
    # LSTM with Keras 2's extra options and BatchNormalization with its axis as a list.
    kernel, recurrent, lstm_bias = f64(3, 16), f64(4, 16), f64(16)
    wa, ba, wo, bo = f64(2, 4), f64(4), f64(4, 2), f64(2)
    gamma, beta, mean, var = f64(4) + 1.0, f64(4), f64(4), np.abs(f64(4)) + 0.5
    lstm_config = {
        "name": "lstm",
        "trainable": True,
        "dtype": "float32",
        "return_sequences": False,
        "return_state": False,
        "go_backwards": False,
        "stateful": False,
        "unroll": False,
        "time_major": False,
        "units": 4,
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "unit_forget_bias": True,
        "kernel_regularizer": None,
        "recurrent_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "recurrent_constraint": None,
        "bias_constraint": None,
        "dropout": 0.0,
        "recurrent_dropout": 0.0,
        "implementation": 2,
    }
    bn_config = {
        "name": "batch_normalization",
        "trainable": True,
        "dtype": "float32",
        "axis": [1],
        "momentum": 0.99,
        "epsilon": 0.001,
        "center": True,
        "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
    }

    def input_layer(name, shape):
        return {
            "class_name": "InputLayer",
            "name": name,
            "inbound_nodes": [],
            "config": {
                "batch_input_shape": [None, *shape],
                "dtype": "float32",
                "sparse": False,
                "ragged": False,
                "name": name,
            },
        }

    functional_config = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                input_layer("sequence", (5, 3)),
                input_layer("features", (2,)),
                {
                    "class_name": "LSTM",
                    "name": "lstm",
                    "config": lstm_config,
                    "inbound_nodes": [[["sequence", 0, 0, {}]]],
                },
                {**_dense_config("dense_a", 4, "tanh"), "name": "dense_a", "inbound_nodes": [[["features", 0, 0, {}]]]},
                {
                    "class_name": "Add",
                    "name": "add",
                    "config": {"name": "add", "trainable": True, "dtype": "float32"},
                    "inbound_nodes": [[["lstm", 0, 0, {}], ["dense_a", 0, 0, {}]]],
                },
                {
                    "class_name": "BatchNormalization",
                    "name": "batch_normalization",
                    "config": bn_config,
                    "inbound_nodes": [[["add", 0, 0, {}]]],
                },
                {
                    **_dense_config("out", 2, "linear"),
                    "name": "out",
                    "inbound_nodes": [[["batch_normalization", 0, 0, {}]]],
                },
            ],
            "input_layers": [["sequence", 0, 0], ["features", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    func_path = folder / "keras2_functional.h5"
    weights = {
        "lstm": [
            ("lstm_cell/kernel", kernel),
            ("lstm_cell/recurrent_kernel", recurrent),
            ("lstm_cell/bias", lstm_bias),
        ],
        "dense_a": [("kernel", wa), ("bias", ba)],
        "batch_normalization": [("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var)],
        "out": [("kernel", wo), ("bias", bo)],
    }
    order = ["sequence", "features", "lstm", "dense_a", "add", "batch_normalization", "out"]
    with h5py.File(func_path, "w") as f:
        f.attrs["keras_version"] = b"2.11.0"
        f.attrs["model_config"] = json.dumps(functional_config).encode()
        _write_weights(f.create_group("model_weights"), weights, order)
    weights_path = folder / "keras2_functional_weights.h5"
    with h5py.File(weights_path, "w") as f:
        _write_weights(f, weights, order)
    xs, xf = rng.standard_normal((3, 5, 3)), rng.standard_normal((3, 2))
    s = _lstm_reference(xs, kernel, recurrent, lstm_bias) + np.tanh(xf @ wa + ba)
    s = (s - mean) / np.sqrt(var + 0.001) * gamma + beta
    func_expected = s @ wo + bo
    f32 = lambda a: a.astype("float32")  # noqa: E731
    return {
        "sequential": (seq_path, f32(x_seq), seq_expected),
        "functional": (func_path, [f32(xs), f32(xf)], func_expected),
        "weights": weights_path,
    }


def test_keras2_dialect_files_load_on_every_backend(backend, keras2_files):
    path, x, expected = keras2_files["sequential"]
    model = saving.load_model(path)
    _close(model.predict(x, verbose=0), expected)
    assert model.compiled and isinstance(model.optimizer, unikeras.optimizers.Adam)
    assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.003)
    path, x, expected = keras2_files["functional"]
    model = saving.load_model(path)
    assert [layer.name for layer in model.layers if layer.weights] == ["lstm", "dense_a", "batch_normalization", "out"]
    _close(model.predict(x, verbose=0), expected)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(keras2_files["weights"])  # the weights-only file, matched by layer name
    _close(model.predict(x, verbose=0), expected)


def test_bad_legacy_files(keras2_files, tmp_path):
    with pytest.raises(ValueError, match=r"keras2_functional_weights\.h5: no model config in the file"):
        saving.load_model(keras2_files["weights"])
    broken = tmp_path / "broken.h5"
    broken.write_bytes(keras2_files["sequential"][0].read_bytes()[:700])
    with pytest.raises(ValueError, match=r"broken\.h5: not a readable HDF5 file"):
        saving.load_model(broken)
    bad_json = tmp_path / "bad_json.h5"
    with h5py.File(bad_json, "w") as f:
        f.attrs["model_config"] = b"{not json"
    with pytest.raises(ValueError, match=r"bad_json\.h5: the model_config attribute is not valid JSON"):
        saving.load_model(bad_json)
    unknown = tmp_path / "unknown.h5"
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {"class_name": "CuDNNLSTM", "config": {"name": "x", "units": 3, "batch_input_shape": [None, 2, 3]}}
            ],
        },
    }
    with h5py.File(unknown, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match=r"unknown\.h5: unknown layer class 'CuDNNLSTM'"):
        saving.load_model(unknown)
    time_major = tmp_path / "time_major.h5"
    config["config"]["layers"][0] = {
        "class_name": "SimpleRNN",
        "config": {"name": "rnn", "units": 3, "time_major": True, "batch_input_shape": [None, 2, 3]},
    }
    with h5py.File(time_major, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(
        ValueError, match=r"time_major\.h5: layer 'rnn' \(SimpleRNN\) uses the Keras option time_major=True"
    ):
        saving.load_model(time_major)
