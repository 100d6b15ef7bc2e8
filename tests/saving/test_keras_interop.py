"""Keras 3 ``.keras`` and ``.weights.h5`` files, both ways, against the installed keras package:
Keras saves -> unikeras loads on every backend, and unikeras saves on every backend -> Keras loads,
with predictions within rtol 1e-4, atol 1e-5."""

from __future__ import annotations

import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import unikeras  # noqa: E402
from unikeras import layers, saving  # noqa: E402

RTOL, ATOL = 1e-4, 1e-5


def _models(lib, L):  # noqa: N803 - the layers module of either library
    """The same six architectures in keras (``lib=keras``) or unikeras, with their inputs."""
    rng = np.random.default_rng(0)
    out = {}
    out["mlp"] = (
        lib.Sequential(
            [lib.Input((4,)), L.Dense(6, activation="relu"), L.Dropout(0.3), L.Dense(3, activation="softmax")]
        ),
        rng.standard_normal((5, 4)).astype("float32"),
    )
    inp = lib.Input((8, 8, 3))
    x = L.Conv2D(4, 3, padding="same")(inp)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    x = L.MaxPooling2D()(x)
    x = L.Conv2D(2, 3)(x)
    x = L.GlobalAveragePooling2D()(x)
    out["convnet"] = (lib.Model(inp, L.Dense(2)(x)), rng.standard_normal((3, 8, 8, 3)).astype("float32"))
    tokens = lib.Input((6,), dtype="int32")
    h = L.Embedding(20, 4, mask_zero=True)(tokens)
    h = L.LSTM(5)(h)
    ids = rng.integers(1, 20, (4, 6)).astype("int32")
    ids[0, 3:] = 0
    out["lstm"] = (lib.Model(tokens, L.Dense(1, activation="sigmoid")(h)), ids)
    seq = lib.Input((5, 3))
    h = L.GRU(4, return_sequences=True)(seq)
    h = L.Bidirectional(L.GRU(3))(h)
    out["gru"] = (lib.Model(seq, L.Dense(2)(h)), rng.standard_normal((3, 5, 3)).astype("float32"))
    q = lib.Input((4, 6))
    v = lib.Input((3, 6))
    y = L.MultiHeadAttention(2, 3)(q, v)
    y = L.LayerNormalization()(L.Add()([q, y]))
    out["mha"] = (
        lib.Model([q, v], L.GlobalAveragePooling1D()(y)),
        [rng.standard_normal((2, 4, 6)).astype("float32"), rng.standard_normal((2, 3, 6)).astype("float32")],
    )
    inp = lib.Input((5,))
    shared = L.Dense(8, activation="tanh")(inp)
    a = L.Dense(3, activation="softmax", name="class_out")(shared)
    b = L.Dense(1, name="value_out")(L.Concatenate()([shared, inp]))
    out["multi_output"] = (lib.Model(inp, [a, b]), rng.standard_normal((4, 5)).astype("float32"))
    return out


def _close(actual, expected):
    actual = actual if isinstance(actual, (list, tuple)) else [actual]
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), rtol=RTOL, atol=ATOL)


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    """Each Keras model saved once as ``.keras`` (the MLP compiled), with its inputs and predictions."""
    folder = tmp_path_factory.mktemp("keras_files")
    keras.utils.set_random_seed(5)
    rng = np.random.default_rng(1)
    files = {}
    for name, (model, x) in _models(keras, keras.layers).items():
        model.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(w.dtype) for w in model.get_weights()])
        if name == "mlp":
            model.compile(optimizer=keras.optimizers.Adam(0.005), loss="categorical_crossentropy", metrics=["mae"])
        if name == "convnet":  # moving variance must stay positive
            bn = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)][0]
            gamma, beta, mean, var = bn.get_weights()
            bn.set_weights([gamma, beta, mean, np.abs(var) + 0.5])
        path = folder / f"{name}.keras"
        model.save(path)
        files[name] = (path, x, model.predict(x, verbose=0), model.get_weights())
    return files


def test_keras_files_load_on_every_backend(backend, keras_files):
    for name, (path, x, expected, weights) in keras_files.items():
        model = saving.load_model(path)
        assert model.backend is backend
        got = model.get_weights()
        assert [w.shape for w in got] == [w.shape for w in weights], name
        for a, e in zip(got, weights):
            np.testing.assert_array_equal(a, e)
        _close(model.predict(x, verbose=0), expected)
    mlp = saving.load_model(keras_files["mlp"][0])
    assert mlp.compiled and isinstance(mlp.optimizer, unikeras.optimizers.Adam)
    assert mlp.optimizer.get_config()["learning_rate"] == pytest.approx(0.005)


def _trained_unikeras_models():
    rng = np.random.default_rng(2)
    unikeras.utils.set_random_seed(3)
    models = _models(unikeras, layers)
    for name, (model, _) in models.items():
        weights = [rng.uniform(-0.6, 0.6, w.shape).astype(w.dtype) for w in model.get_weights()]
        if name == "convnet":  # conv kernel, bias; BatchNormalization gamma, beta, moving_mean, moving_variance
            weights[5] = np.abs(weights[5]) + 0.5
        model.set_weights(weights)
    return models


def test_unikeras_saves_keras_files_that_keras_loads(backend, tmp_path):
    models = _trained_unikeras_models()
    mlp = models["mlp"][0]
    mlp.compile(optimizer=unikeras.optimizers.Adam(0.002), loss="categorical_crossentropy", metrics=["mae"])
    mlp.fit(models["mlp"][1], np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]], epochs=1, verbose=0)
    for name, (model, x) in models.items():
        path = tmp_path / f"{name}.keras"
        model.save(path)
        assert zipfile.ZipFile(path).namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        loaded = keras.saving.load_model(path)
        for a, e in zip(loaded.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, e)
        _close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    keras_mlp = keras.saving.load_model(tmp_path / "mlp.keras")
    assert isinstance(keras_mlp.optimizer, keras.optimizers.Adam)
    assert float(keras_mlp.optimizer.learning_rate) == pytest.approx(0.002)


def test_keras_weights_h5_both_ways(backend, tmp_path):
    keras.utils.set_random_seed(4)
    keras_model, x = _models(keras, keras.layers)["gru"]
    keras_model.save_weights(tmp_path / "k.weights.h5")
    model, _ = _models(unikeras, layers)["gru"]
    model.load_weights(tmp_path / "k.weights.h5")
    _close(model.predict(x, verbose=0), keras_model.predict(x, verbose=0))
    rng = np.random.default_rng(6)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    model.save_weights(tmp_path / "u.weights.h5")
    keras_model.load_weights(tmp_path / "u.weights.h5")
    _close(keras_model.predict(x, verbose=0), model.predict(x, verbose=0))
    # The weights inside a .keras file load the same way.
    keras_model.save(tmp_path / "k.keras")
    other, _ = _models(unikeras, layers)["gru"]
    other.load_weights(tmp_path / "k.keras")
    _close(other.predict(x, verbose=0), keras_model.predict(x, verbose=0))


def test_nested_sequential_and_layer_order(tmp_path):
    """Keras numbers weight groups per class in its own layer order; a functional model holding a
    Sequential, with Dense layers created out of call order, round-trips both ways."""
    keras.utils.set_random_seed(8)
    late = keras.layers.Dense(3, name="late")
    inner = keras.Sequential([keras.layers.Dense(4, activation="relu"), keras.layers.Dense(4)], name="inner")
    inp = keras.Input((3,))
    out = late(keras.layers.Dense(3, name="early")(inner(inp)))
    model = keras.Model(inp, out)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    model.save(tmp_path / "nested.keras")
    loaded = saving.load_model(tmp_path / "nested.keras")
    _close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    loaded.save(tmp_path / "back.keras")
    _close(keras.saving.load_model(tmp_path / "back.keras").predict(x, verbose=0), model.predict(x, verbose=0))


# ---------------------------------------------------------------------- safety and bad files
@pytest.fixture(scope="module")
def lambda_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lambda") / "lambda.keras"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda z: z * 2.0, name="double")])
    model.save(path)
    return path


def test_lambda_layers_are_refused_and_never_executed(lambda_file):
    with pytest.raises(ValueError, match=r"lambda\.keras: .*Lambda layer 'double'.*refused in safe mode"):
        saving.load_model(lambda_file)
    with pytest.raises(ValueError, match=r"Lambda layer 'double': its function is not executed from the file"):
        saving.load_model(lambda_file, safe_mode=False)
    # With safe_mode=False the function comes from custom_objects, never from the file's bytecode.
    model = saving.load_model(lambda_file, safe_mode=False, custom_objects={"double": lambda z: z * 3.0})
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), 3 * x)


def _rewrite(src, dst, edit_config=None, weights=None):
    with zipfile.ZipFile(src) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    if edit_config is not None:
        config = json.loads(members["config.json"])
        edit_config(config)
        members["config.json"] = json.dumps(config).encode()
    if weights is not None:
        members["model.weights.h5"] = weights
    with zipfile.ZipFile(dst, "w") as archive:
        for n, data in members.items():
            archive.writestr(n, data)


def test_bad_keras_files_raise_errors_naming_the_file(keras_files, tmp_path):
    src = keras_files["mlp"][0]
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"truncated\.keras: not a valid `\.keras` file"):
        saving.load_model(truncated)
    notzip = tmp_path / "text.keras"
    notzip.write_text("hello")
    with pytest.raises(ValueError, match=r"text\.keras: not a valid `\.keras` file"):
        saving.load_model(notzip)

    def rename(config):
        config["config"]["layers"][1]["class_name"] = "FancyDense"

    unknown = tmp_path / "unknown.keras"
    _rewrite(src, unknown, rename)
    with pytest.raises(ValueError, match=r"unknown\.keras: unknown layer class 'FancyDense'"):
        saving.load_model(unknown)

    def custom(config):
        config["config"]["layers"][1].update(module="my_package.layers", registered_name="MyPackage>MyDense")

    custom_file = tmp_path / "custom.keras"
    _rewrite(src, custom_file, custom)
    with pytest.raises(ValueError, match=r"custom\.keras: layer class 'MyPackage>MyDense'.*custom_objects"):
        saving.load_model(custom_file)

    def widen(config):
        config["config"]["layers"][1]["config"]["units"] = 7

    mismatch = tmp_path / "mismatch.keras"
    _rewrite(src, mismatch, widen)
    with pytest.raises(ValueError, match=r"(?s)mismatch\.keras \(model\.weights\.h5\): .*expects shape \(4, 7\)"):
        saving.load_model(mismatch)

    broken = tmp_path / "broken_h5.keras"
    _rewrite(src, broken, weights=b"not an hdf5 file")
    with pytest.raises(ValueError, match=r"broken_h5\.keras \(model\.weights\.h5\): not a readable HDF5 file"):
        saving.load_model(broken)

    def future(config):
        config["config"]["layers"][1]["config"]["quantization_config"] = {"mode": "int8"}

    quantized = tmp_path / "quantized.keras"
    _rewrite(src, quantized, future)
    with pytest.raises(ValueError, match=r"quantization_config=.*not support"):
        saving.load_model(quantized)


def test_saving_a_keras_file_is_atomic_and_refuses_lambda(tmp_path, backend):
    path = tmp_path / "m.keras"
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    model.save(path)
    before = path.read_bytes()
    bad = unikeras.Sequential([unikeras.Input((3,)), layers.Lambda(lambda z: z + 1.0)])
    with pytest.raises(ValueError, match=r"Lambda '.*' cannot be written to a Keras file"):
        bad.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]  # no temporary file left behind
    with pytest.raises(ValueError, match=r"legacy HDF5 model files .* not supported"):
        model.save(tmp_path / "m.h5")
