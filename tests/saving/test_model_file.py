"""``.ukeras`` files: Sequential, functional and registered subclassed models come back with the
same predictions, compile settings and optimizer state (training resumes exactly); custom
classes, Lambda layers and safe mode; damaged files fail clearly and change nothing on disk."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops, saving


@saving.register_serializable(package="saving_tests")
class Scale(layers.Layer):
    """A registered custom layer with a weight: ``x * w``."""

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), initializer="random_normal", name="w")

    def call(self, inputs):
        return ops.multiply(inputs, self.w)


class Shift(layers.Layer):
    """An unregistered custom layer: ``x + offset``."""

    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, inputs):
        return ops.add(inputs, self.offset)

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


@saving.register_serializable(package="saving_tests")
class TwoLayer(unikeras.Model):
    """A registered subclassed model with dropout."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(8, activation="relu")
        self.dropout = layers.Dropout(0.25)
        self.out = layers.Dense(units)

    def call(self, x, training=None):
        return self.out(self.dropout(self.hidden(x), training=training))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def double(x):
    return ops.multiply(x, 2.0)


def my_loss(y_true, y_pred):
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def _data(rng, n=24, features=6, units=3):
    return rng.standard_normal((n, features)).astype("float32"), rng.standard_normal((n, units)).astype("float32")


def _sequential():
    return unikeras.Sequential(
        [unikeras.Input((6,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(), layers.Dense(3)]
    )


def test_sequential_round_trip(backend, tmp_path, rng):
    x, y = _data(rng)
    model = _sequential()
    model.compile(optimizer=unikeras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    path = tmp_path / "m.ukeras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "model.weights.safetensors"]
        config = json.loads(archive.read("config.json"))
    assert config["format"] == "unikeras.model" and config["format_version"] == 1
    assert config["backend"] == backend.name and config["unikeras_version"] == unikeras.__version__
    assert config["model"]["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "mse" and config["compile_config"]["metrics"] == ["mae"]

    loaded = saving.load_model(path)
    assert type(loaded) is unikeras.Sequential and loaded.backend is backend
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.compiled and type(loaded.optimizer) is unikeras.optimizers.Adam
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert loaded.metrics_names == model.metrics_names


def test_functional_round_trip_with_nested_and_custom_layers(backend, tmp_path, rng):
    a, b = unikeras.Input((4,), name="a"), unikeras.Input((2,), name="b")
    merged = layers.Concatenate()([layers.Dense(5, activation="tanh")(a), b])
    inner = unikeras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    outputs = Scale()(inner(merged))
    model = unikeras.Model([a, b], outputs)
    xa, xb = rng.standard_normal((5, 4)).astype("float32"), rng.standard_normal((5, 2)).astype("float32")
    expected = model.predict([xa, xb], verbose=0)
    path = tmp_path / "f.ukeras"
    model.save(path)
    loaded = saving.load_model(path)
    assert type(loaded).__name__ == "Functional" and [layer.name for layer in loaded.layers] == [
        layer.name for layer in model.layers
    ]
    assert isinstance(loaded.layers[-1], Scale) and not loaded.compiled
    np.testing.assert_array_equal(loaded.predict([xa, xb], verbose=0), expected)


def test_subclassed_model_resumes_training_exactly(backend, tmp_path, rng):
    """Dropout included: the seed generator's stream is saved with the weights."""
    x, y = _data(rng)
    model = TwoLayer(units=3, name="two_layer")
    model.compile(optimizer=unikeras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / "s.ukeras"
    model.save(path)
    loaded = saving.load_model(path)
    assert type(loaded) is TwoLayer and loaded.units == 3 and loaded.name == "two_layer"
    assert int(loaded.optimizer.iterations.numpy()) == 3
    for expected, restored in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(restored, expected)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # straight through
    loaded.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # resumed
    for expected, resumed in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(resumed, expected, rtol=0, atol=1e-6)


def test_include_optimizer_false_and_compile_false(tmp_path, rng):
    x, y = _data(rng, n=8)
    model = _sequential()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.ukeras"
    model.save(path, include_optimizer=False)
    loaded = saving.load_model(path)
    assert loaded.compiled and not loaded.optimizer.built  # fresh optimizer state
    assert not saving.load_model(path, compile=False).compiled


def test_custom_classes_need_registration_custom_objects_or_safe_mode_false(tmp_path, rng):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2), Shift(offset=0.5)])
    path = tmp_path / "c.ukeras"
    model.save(path)
    x = rng.standard_normal((4, 3)).astype("float32")
    with pytest.raises(ValueError, match=r"layer class 'Shift' \(module '.*test_model_file'\) is not a unikeras"):
        saving.load_model(path)
    for loaded in (
        saving.load_model(path, custom_objects={"Shift": Shift}),
        saving.load_model(path, safe_mode=False),  # imports the class from the module the file names
    ):
        assert isinstance(loaded.layers[1], Shift) and loaded.layers[1].offset == 0.5
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with saving.custom_object_scope({"Shift": Shift}):
        assert isinstance(saving.load_model(path).layers[1], Shift)


def test_lambda_layers_are_refused_in_safe_mode(tmp_path, rng):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2), layers.Lambda(double, name="twice")])
    path = tmp_path / "l.ukeras"
    model.save(path)
    with pytest.raises(ValueError, match="Lambda layer 'twice', whose function is Python code.*safe_mode=False"):
        saving.load_model(path)
    x = rng.standard_normal((4, 3)).astype("float32")
    for loaded in (
        saving.load_model(path, safe_mode=False, custom_objects={"double": double}),
        saving.load_model(path, safe_mode=False),
    ):
        assert loaded.layers[1].function is double
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    anonymous = unikeras.Sequential([unikeras.Input((3,)), layers.Lambda(lambda t: t)])
    anonymous.save(path)
    with pytest.raises(ValueError, match="Lambda function '.*<lambda>' cannot be found: pass it in custom_objects"):
        saving.load_model(path, safe_mode=False)


def test_custom_loss_functions_in_the_compile_config(tmp_path, rng):
    x, y = _data(rng, n=8)
    model = _sequential()
    model.compile(optimizer="sgd", loss=my_loss)
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.ukeras"
    model.save(path)
    with pytest.warns(UserWarning, match="loaded but not compiled: .*compile function 'my_loss'"):
        loaded = saving.load_model(path)
    assert not loaded.compiled
    loaded = saving.load_model(path, custom_objects={"my_loss": my_loss})
    assert loaded.compiled and loaded.optimizer.built
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)


def test_registration():
    assert saving.get_registered_object("saving_tests>Scale") is Scale
    assert saving.get_registered_name(Scale) == "saving_tests>Scale"
    assert saving.get_registered_name(Shift) == "Shift"
    assert saving.get_custom_objects()["saving_tests>TwoLayer"] is TwoLayer
    assert saving.get_registered_object("Nope", custom_objects={"Nope": Shift}) is Shift
    with saving.custom_object_scope({"Nope": Scale}):
        assert saving.get_registered_object("Nope", custom_objects={"Nope": Shift}) is Scale
    assert saving.get_registered_object("Nope") is None

    @saving.register_serializable("saving_tests", name="renamed")
    def fn(x):
        return x

    assert saving.get_registered_object("saving_tests>renamed") is fn
    with pytest.raises(ValueError, match="Cannot register class NoConfig: it has no get_config"):
        saving.register_serializable()(type("NoConfig", (), {}))


# ---------------------------------------------------------------------- damaged files
def _rewrite(path, config=None, weights=None, drop=None):
    """A copy of the archive at ``path`` with its config / weights replaced or a member dropped."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    if config is not None:
        members["config.json"] = json.dumps(config).encode()
    if weights is not None:
        members["model.weights.safetensors"] = weights
    members.pop(drop, None)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_damaged_and_incompatible_files_fail_clearly_and_change_nothing(tmp_path):
    model = _sequential()
    good = tmp_path / "good.ukeras"
    model.save(good)
    data = good.read_bytes()
    with zipfile.ZipFile(good) as archive:
        config = json.loads(archive.read("config.json"))
    offset = data.find(b"dense/kernel") + 400  # inside the stored (uncompressed) weight bytes
    corrupted = data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1 :]
    newer = {**config, "format_version": 2}
    unknown = json.loads(json.dumps(config))
    unknown["model"]["config"]["layers"][1]["class_name"] = "NoSuchLayer"
    other = unikeras.Sequential([unikeras.Input((6,)), layers.Dense(8), layers.BatchNormalization(), layers.Dense(4)])
    other_path = tmp_path / "other.ukeras"
    other.save(other_path)
    with zipfile.ZipFile(other_path) as archive:
        other_weights = archive.read("model.weights.safetensors")
    other_path.unlink()
    cases = {
        "text.ukeras": (b"not a zip at all", "not a zip archive, or it is truncated or corrupted"),
        "truncated.ukeras": (data[: len(data) // 2], "not a zip archive, or it is truncated or corrupted"),
        "corrupted.ukeras": (corrupted, "the archive is corrupted .*CRC"),
        "no_weights.ukeras": (_rewrite(good, drop="model.weights.safetensors"), "has no model.weights.safetensors"),
        "newer.ukeras": (_rewrite(good, config=newer), "format version 2, written by a newer unikeras"),
        "unknown.ukeras": (_rewrite(good, config=unknown), "unknown layer class 'NoSuchLayer'"),
        "shapes.ukeras": (
            _rewrite(good, weights=other_weights),
            r"weight 'dense_1/kernel': the model expects shape \(8, 3\), the file has \(8, 4\)",
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("config.json", "{oops")
        archive.writestr("model.weights.safetensors", b"")
    cases["bad_json.ukeras"] = (buffer.getvalue(), "config.json is not valid JSON")
    for name, (content, _) in cases.items():
        (tmp_path / name).write_bytes(content)
    listing = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for name, (_, problem) in cases.items():
        with pytest.raises(ValueError, match=f"(?s){name}.*{problem}"):
            saving.load_model(tmp_path / name)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == listing  # nothing on disk changed


def test_file_name_errors(tmp_path):
    model = _sequential()
    with pytest.raises(ValueError, match=r"must end in `\.ukeras`. Received: filepath=.*m\.zip"):
        model.save(tmp_path / "m.zip")
    with pytest.raises(ValueError, match=r"legacy HDF5 model files .* not supported"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(FileNotFoundError, match="File not found: filepath=.*nope.ukeras"):
        saving.load_model(tmp_path / "nope.ukeras")
    (tmp_path / "m.bin").write_bytes(b"")
    with pytest.raises(ValueError, match="File format not supported: filepath=.*m.bin"):
        saving.load_model(tmp_path / "m.bin")
    model.save(tmp_path / "m.ukeras")
    with pytest.raises(FileExistsError, match="m.ukeras already exists and overwrite=False"):
        model.save(tmp_path / "m.ukeras", overwrite=False)
    with pytest.raises(TypeError, match="expected a unikeras Model, received Dense"):
        saving.save_model(layers.Dense(2), tmp_path / "d.ukeras")


def test_loading_never_unpickles(tmp_path, monkeypatch, rng):
    import pickle

    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2), Scale()])
    model.compile(optimizer="adam", loss="mse")
    model.fit(rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), epochs=1, verbose=0)
    path = tmp_path / "m.ukeras"
    model.save(path)

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    loaded = saving.load_model(path)
    loaded.load_weights(path)
    assert loaded.optimizer.built and len(loaded.get_weights()) == 3
