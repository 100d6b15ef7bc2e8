"""What MXNet lacks raises an error naming the backend and the operation, never a wrong result."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import load_backend
from unikeras.backends import BackendError


@pytest.fixture
def mxnet_backend():
    return load_backend("mxnet")


@pytest.mark.parametrize("dtype", ["int16", "bfloat16"])
def test_missing_dtypes_are_named(mxnet_backend, dtype):
    with pytest.raises(BackendError, match=f"backend 'mxnet' does not support dtype {dtype}"):
        mxnet_backend.zeros((2,), dtype)
    with pytest.raises(BackendError, match=f"'mxnet'.*{dtype}"):
        mxnet_backend.convert_to_tensor(np.zeros(2), dtype)


def test_integer_average_pooling_is_refused(mxnet_backend):
    x = mxnet_backend.convert_to_tensor(np.arange(16, dtype="int32").reshape(1, 4, 4, 1))
    with pytest.raises(BackendError, match="backend 'mxnet' does not support avg_pool: of int32 input"):
        mxnet_backend.avg_pool(x, (2, 2), (2, 2), "valid", "channels_last")


def test_loading_the_adapter_warns_nothing(mxnet_backend):
    """The NumPy shim (``numpy.bool``) and MXNet's import run clean even with warnings as errors."""
    import subprocess
    import sys

    code = "import unikeras.backends as b; b.get('mxnet').zeros((2,))"
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
