"""keras.config switches: interactive logging, traceback filtering, unsafe deserialization, flash attention, nnx."""

from __future__ import annotations

import logging
import traceback

import pytest

from unikeras import config, utils
from unikeras.utils import io_utils, traceback_utils


@pytest.fixture
def restore_switches():
    saved = (config._interactive_logging, config._traceback_filtering, config._safe_mode, config._flash_attention)
    yield
    config._interactive_logging, config._traceback_filtering, config._safe_mode, config._flash_attention = saved


def test_interactive_logging_routes_messages(capsys, caplog, restore_switches):
    assert config.is_interactive_logging_enabled() and utils.is_interactive_logging_enabled()
    io_utils.print_msg("to stdout")
    assert capsys.readouterr().out == "to stdout\n"
    utils.disable_interactive_logging()
    assert not config.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="unikeras"):
        io_utils.print_msg("to the log")
    assert capsys.readouterr().out == "" and "to the log" in caplog.messages
    config.enable_interactive_logging()
    io_utils.print_msg("again", line_break=False)
    assert capsys.readouterr().out == "again"


def _frames(err: BaseException) -> list[str]:
    return [frame.filename for frame in traceback.extract_tb(err.__traceback__)]


def test_traceback_filtering_drops_unikeras_frames(restore_switches):
    def fail_inside_unikeras():
        return config.set_floatx("float8")  # raises from unikeras/config.py

    wrapped = traceback_utils.filter_traceback(fail_inside_unikeras)
    with pytest.raises(ValueError) as filtered:
        wrapped()
    assert not any(name.endswith("unikeras/config.py") for name in _frames(filtered.value))
    assert any(name.endswith("test_config_switches.py") for name in _frames(filtered.value))
    config.disable_traceback_filtering()
    assert not config.is_traceback_filtering_enabled()
    with pytest.raises(ValueError) as full:
        wrapped()
    assert any(name.endswith("unikeras/config.py") for name in _frames(full.value))
    config.enable_traceback_filtering()
    assert config.is_traceback_filtering_enabled()


def test_unsafe_deserialization_flash_attention_and_nnx(restore_switches):
    assert config.in_safe_mode()
    config.enable_unsafe_deserialization()
    assert not config.in_safe_mode()
    assert config.is_flash_attention_enabled() is None  # keras's default: may be used where supported
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None
    assert config.is_nnx_enabled() is False


def _double(t):
    return t * 2


def test_unsafe_deserialization_lets_load_model_read_lambda_layers(tmp_path, restore_switches):
    import numpy as np

    import unikeras
    from unikeras import layers, saving

    model = unikeras.Sequential([unikeras.Input((3,)), layers.Lambda(_double, name="twice")])
    path = tmp_path / "lambda.ukeras"
    model.save(path)
    with pytest.raises(ValueError, match="Lambda layer 'twice'.*safe_mode=False"):
        saving.load_model(path)
    config.enable_unsafe_deserialization()
    loaded = saving.load_model(path)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), 2 * x)


def test_fit_progress_goes_to_the_log_without_interactive_logging(capsys, caplog, restore_switches):
    import numpy as np

    import unikeras
    from unikeras import layers

    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    model.fit(x, y, epochs=2, batch_size=4, verbose=1)
    assert "Epoch 2/2" in capsys.readouterr().out
    config.disable_interactive_logging()
    with caplog.at_level(logging.INFO, logger="unikeras"):
        model.fit(x, y, epochs=2, batch_size=4, verbose=1)
        model.evaluate(x, y, batch_size=4, verbose=2)
    assert capsys.readouterr().out == ""
    assert "Epoch 2/2" in caplog.messages
    assert any(m.startswith("2/2") and "loss" in m for m in caplog.messages), caplog.messages
