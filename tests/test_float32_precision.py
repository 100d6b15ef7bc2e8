"""float32 matmul precision: one setting, applied to each framework's own TensorFloat-32 switch.

No GPU runs here, so these check that every backend sets its framework's switch; the numbers
it changes were checked on an H100 (docs/performance.md, "GPU").
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from unikeras import config


def framework_switch(name: str) -> object:
    """What the framework itself reports for its TensorFloat-32 switch."""
    if name == "torch":
        import torch

        return (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    if name == "jax":
        import jax

        return jax.config.jax_default_matmul_precision
    if name == "tensorflow":
        import tensorflow as tf

        return tf.config.experimental.tensor_float_32_execution_enabled()
    return os.environ.get("NVIDIA_TF32_OVERRIDE")


EXPECTED = {
    "torch": {"highest": (False, False), "high": (True, True)},
    "jax": {"highest": "highest", "high": "tensorfloat32"},
    "tensorflow": {"highest": False, "high": True},
}


def test_default_is_full_float32_and_bad_values_are_named():
    assert config.float32_matmul_precision() == "highest"
    with pytest.raises(ValueError, match=r"float32_matmul_precision must be one of .*'highest'.*received 'tf32'"):
        config.set_float32_matmul_precision("tf32")
    assert config.float32_matmul_precision() == "highest"


def test_setting_reaches_the_framework_switch(backend):
    expected = EXPECTED.get(backend.name)
    if expected is None:  # mxnet: read at import; a change later warns and changes nothing
        before = framework_switch(backend.name)
        with pytest.warns(UserWarning, match="backend 'mxnet'.*new process"):
            config.set_float32_matmul_precision("high")
        config.set_float32_matmul_precision("highest")
        assert framework_switch(backend.name) == before
        return
    assert framework_switch(backend.name) == expected["highest"]
    try:
        config.set_float32_matmul_precision("high")
        assert framework_switch(backend.name) == expected["high"]
    finally:
        config.set_float32_matmul_precision("highest")
    assert framework_switch(backend.name) == expected["highest"]


@pytest.mark.parametrize(("precision", "variable"), [("highest", "0"), ("high", None)])
def test_mxnet_reads_the_precision_at_import(precision, variable):
    code = (
        "import os, unikeras\n"
        f"unikeras.config.set_float32_matmul_precision({precision!r})\n"
        "unikeras.config.set_backend('mxnet')\n"
        "unikeras.ops.ones((2,))\n"
        "print(os.environ.get('NVIDIA_TF32_OVERRIDE'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NVIDIA_TF32_OVERRIDE"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == str(variable)
