"""Choosing the backend: environment, config file, default, set_backend, use_backend, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import unikeras
from unikeras import backends, config


def _backend_in_subprocess(env_backend: str | None, home: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "UNIKERAS_BACKEND"}
    env["UNIKERAS_HOME"] = home
    if env_backend:
        env["UNIKERAS_BACKEND"] = env_backend
    code = "import unikeras; print(unikeras.config.backend())"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_default_file_and_environment_order(tmp_path):
    assert _backend_in_subprocess(None, str(tmp_path)) == "torch"
    (tmp_path / "unikeras.json").write_text(json.dumps({"backend": "jax"}))
    assert _backend_in_subprocess(None, str(tmp_path)) == "jax"
    assert _backend_in_subprocess("mxnet", str(tmp_path)) == "mxnet"


def test_unknown_backend_in_environment_lists_valid_names(tmp_path):
    env = dict(os.environ, UNIKERAS_BACKEND="caffe", UNIKERAS_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import unikeras"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "Unknown backend 'caffe'. Valid backends: jax, mxnet, tensorflow, torch" in result.stderr


def test_set_backend_and_use_backend_switch_in_process():
    before = config.backend()
    with config.use_backend("jax"):
        assert config.backend() == "jax"
        with config.use_backend("torch"):
            assert unikeras.backend.backend() == "torch"
        assert config.backend() == "jax"
    assert config.backend() == before
    with pytest.raises(ValueError, match="Unknown backend 'theano'. Valid backends: .*tensorflow"):
        config.set_backend("theano")
    assert config.backend() == before


def test_missing_framework_names_the_pip_extra():
    def load_missing():
        import a_framework_that_is_not_installed  # noqa: F401

    backends.register("missing", load_missing, framework="a_framework_that_is_not_installed", pip_extra="missing")
    try:
        assert "missing" in backends.registered() and "missing" not in backends.available()
        wanted = r"needs the .*a_framework_that_is_not_installed.*unikeras\[missing\]"
        with pytest.raises(ImportError, match=wanted) as err:
            backends.get("missing")
        # it also names the backends that are installed, and how to pick one
        installed = backends.available()
        assert f"Or pick an installed backend ({', '.join(installed)})" in str(err.value)
        assert f"UNIKERAS_BACKEND={installed[0]}" in str(err.value)
    finally:
        backends._factories.pop("missing")


def test_settings_validate_their_values():
    with pytest.raises(ValueError, match="floatx"):
        config.set_floatx("float8")
    with pytest.raises(ValueError, match="image_data_format"):
        config.set_image_data_format("nhwc")
    assert unikeras.backend.epsilon() == 1e-7 and unikeras.backend.floatx() == "float32"
    assert unikeras.backend.image_data_format() == "channels_last"


@pytest.fixture
def no_limits():
    yield
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)


def test_max_epochs_and_max_steps_per_epoch_cap_fit_evaluate_and_predict(backend, no_limits):
    x = np.arange(40, dtype="float32").reshape(20, 2) / 40
    y = x.sum(axis=1, keepdims=True)
    model = unikeras.Sequential([unikeras.Input((2,)), unikeras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    batches = []

    class CountBatches(unikeras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            batches.append(0)

        def on_train_batch_end(self, batch, logs=None):
            batches[-1] += 1

    assert config.max_epochs() is None and config.max_steps_per_epoch() is None
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    assert (config.max_epochs(), config.max_steps_per_epoch()) == (2, 3)
    with pytest.warns(UserWarning) as caught:
        history = model.fit(x, y, batch_size=4, epochs=5, verbose=0, callbacks=[CountBatches()])
    messages = " ".join(str(w.message) for w in caught)
    assert "Limiting epochs to 2" in messages and "Limiting steps_per_epoch to 3" in messages
    # (with steps per epoch, an epoch goes on where the last stopped: batches 1-3, then 4-5)
    assert len(history.history["loss"]) == 2 and batches == [3, 2]
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        assert model.predict(x, batch_size=4, verbose=0).shape == (12, 1)  # 3 batches of the 5
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    batches.clear()
    assert len(model.fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[CountBatches()]).history["loss"]) == 2
    assert batches == [5, 5]


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "3"])
def test_debug_limits_must_be_positive_ints(value, no_limits):
    with pytest.raises(ValueError, match="max_epochs"):
        config.set_max_epochs(value)
    with pytest.raises(ValueError, match="max_steps_per_epoch"):
        config.set_max_steps_per_epoch(value)


def test_debug_limits_read_kerass_environment_variables(monkeypatch):
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "4")
    assert config._limit_from_environment("KERAS_MAX_EPOCHS") == 4
    monkeypatch.setenv("KERAS_MAX_EPOCHS", "four")
    with pytest.raises(ValueError, match="KERAS_MAX_EPOCHS must be a positive int, received 'four'"):
        config._limit_from_environment("KERAS_MAX_EPOCHS")
    monkeypatch.delenv("KERAS_MAX_EPOCHS")
    assert config._limit_from_environment("KERAS_MAX_EPOCHS") is None
