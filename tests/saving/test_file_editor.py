"""KerasFileEditor: read a saved model's weights, edit them, write them back, load the result."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, saving


def _model() -> unikeras.Model:
    return unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2), layers.Dense(1)])


def test_edit_and_reload_on_every_backend(backend, tmp_path, capsys):
    model = _model()
    model.save(tmp_path / "m.ukeras")
    editor = saving.KerasFileEditor(tmp_path / "m.ukeras")
    assert list(editor.weights_dict) == ["dense", "dense_1"]
    np.testing.assert_array_equal(editor.weights_dict["dense"]["kernel"], model.layers[0].kernel.numpy())
    editor.summary()
    assert "dense_1\n  kernel: shape=(2, 1)" in capsys.readouterr().out
    assert editor.compare(_model()) == {"status": "success", "error_count": 0, "match_count": 4}

    new_kernel = np.arange(6, dtype="float32").reshape(3, 2)
    editor.delete_weight("dense", "kernel")
    assert editor.compare(model)["error_count"] == 1
    editor.add_weights("dense", {"kernel": new_kernel})
    editor.rename_object("dense_1", "head")
    result = editor.compare(model)
    assert result == {"status": "error", "error_count": 4, "match_count": 2}
    editor.rename_object("head", "dense_1")
    editor.save(tmp_path / "edited.ukeras")
    editor.resave_weights(tmp_path / "edited.weights.safetensors")

    loaded = saving.load_model(tmp_path / "edited.ukeras")
    np.testing.assert_array_equal(loaded.layers[0].kernel.numpy(), new_kernel)
    fresh = _model()
    fresh.load_weights(tmp_path / "edited.weights.safetensors")
    np.testing.assert_array_equal(fresh.layers[0].kernel.numpy(), new_kernel)
    np.testing.assert_array_equal(fresh.layers[1].kernel.numpy(), model.layers[1].kernel.numpy())


def test_objects_added_deleted_and_errors(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.weights.safetensors")
    editor = saving.KerasFileEditor(tmp_path / "w.weights.safetensors")
    assert editor.config is None
    editor.add_object("extra", {"w": np.ones(2)})
    assert editor.compare(model)["error_count"] == 1
    editor.resave_weights(tmp_path / "x.weights.safetensors")
    with pytest.raises(ValueError, match="no match"):
        model.load_weights(tmp_path / "x.weights.safetensors")
    editor.delete_object("extra")
    assert editor.compare(model)["status"] == "success"
    with pytest.raises(ValueError, match="no object 'nope'"):
        editor.rename_object("nope", "x")
    with pytest.raises(ValueError, match="already exists"):
        editor.rename_object("dense", "dense_1")
    with pytest.raises(ValueError, match="no weight 'gamma'"):
        editor.delete_weight("dense", "gamma")
    with pytest.raises(ValueError, match="already has a weight"):
        editor.add_weights("dense", {"bias": np.zeros(2)})
    with pytest.raises(ValueError, match="no model config"):
        editor.save(tmp_path / "m.ukeras")
    with pytest.raises(ValueError, match="expected a"):
        saving.KerasFileEditor(tmp_path / "model.h5")
