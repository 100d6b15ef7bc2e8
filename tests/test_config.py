"""Choosing the backend: environment, config file, default, set_backend, use_backend, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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
