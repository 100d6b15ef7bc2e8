"""Top-level scopes: StatelessScope (Keras's constructor), SymbolicScope, name_scope; module aliases."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops, scopes
from unikeras.variables import Variable


def test_stateless_scope_reads_mapped_values_and_records_assigns(backend):
    v = Variable(np.ones((2,), "float32"), name="v")
    with unikeras.StatelessScope([(v, np.array([3.0, 4.0]))]) as scope:
        np.testing.assert_allclose(ops.convert_to_numpy(ops.add(v, 1.0)), [4.0, 5.0])
        v.assign(np.array([7.0, 8.0], "float32"))
        np.testing.assert_allclose(ops.convert_to_numpy(scope.get_current_value(v)), [7.0, 8.0])
        np.testing.assert_allclose(ops.convert_to_numpy(ops.multiply(v, 1.0)), [7.0, 8.0])
    np.testing.assert_allclose(v.numpy(), [1.0, 1.0])  # the variable itself never changed
    assert unikeras.StatelessScope({v: np.zeros(2)}).get_current_value(v) is not None
    with pytest.raises(ValueError, match="shape"):
        unikeras.StatelessScope([(v, np.zeros(3))])
    with pytest.raises(ValueError, match="Variable"):
        unikeras.StatelessScope([("v", np.zeros(2))])


def test_name_scope_paths_and_symbolic_scope():
    assert scopes.current_path() == ""
    owner = object()
    with unikeras.name_scope("outer"):
        with unikeras.name_scope("inner", caller=owner):
            with unikeras.name_scope("inner", caller=owner):  # deduplicated: no new level
                assert scopes.current_path() == "outer/inner"
            with unikeras.name_scope("x", override_parent="root/a"):
                assert scopes.current_path() == "root/a/x"
        assert scopes.current_path() == "outer"
    assert scopes.current_path() == ""
    with pytest.raises(ValueError, match="without '/'"):
        unikeras.name_scope("a/b")
    assert not scopes.in_symbolic_scope()
    with unikeras.SymbolicScope() as scope:
        assert scopes.in_symbolic_scope() and scopes.get_symbolic_scope() is scope
    assert scopes.get_symbolic_scope() is None


def test_mixed_precision_and_preprocessing_aliases():
    from unikeras import config

    try:
        unikeras.mixed_precision.set_global_policy("mixed_float16")
        policy = unikeras.mixed_precision.global_policy()
        assert isinstance(policy, unikeras.mixed_precision.Policy)
        assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    finally:
        config._dtype_policy = None
    x = np.arange(24, dtype="float32").reshape(1, 4, 6, 1)
    out = unikeras.preprocessing.image.smart_resize(x, (2, 2), interpolation="nearest")
    # the centered 4x4 crop (columns 1..4), then nearest: rows 1, 3 and columns 2, 4 of the image
    np.testing.assert_array_equal(out[0, :, :, 0], [[8.0, 10.0], [20.0, 22.0]])
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    y = np.random.default_rng(0).uniform(0, 255, (2, 5, 7, 3)).astype("float32")
    for interpolation in ("nearest", "bilinear"):
        ours = unikeras.preprocessing.image.smart_resize(y, (3, 4), interpolation=interpolation)
        theirs = np.asarray(keras.preprocessing.image.smart_resize(y, (3, 4), interpolation=interpolation))
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)
    assert unikeras.preprocessing.sequence.pad_sequences([[1]], maxlen=2).tolist() == [[0, 1]]


def _placement(tensor) -> str:
    """Where a backend-native tensor lives, as "<kind>:<index>"."""
    if hasattr(tensor, "devices"):  # jax
        (d,) = tensor.devices()
        return f"{d.platform}:{d.id}"
    if hasattr(tensor, "ctx"):  # mxnet
        return f"{tensor.ctx.device_type}:{tensor.ctx.device_id}"
    device = tensor.device
    if isinstance(device, str):  # tensorflow: /job:localhost/replica:0/task:0/device:CPU:0
        return device.split("device:")[-1].lower()
    return f"{device.type}:{device.index or 0}"  # torch


def test_device_places_new_tensors(backend):
    with unikeras.device("cpu:0"):
        tensor = ops.convert_to_tensor(np.ones((2,), "float32"))
    assert _placement(tensor) == "cpu:0"
    with unikeras.device("CPU"):  # the index defaults to 0
        pass
    with pytest.raises(ValueError, match="has no device 'tpu:3'"):
        unikeras.device("tpu:3")
    gpus = [d for d in backend.list_devices() if d.startswith(("gpu", "cuda"))]
    if not gpus:
        with pytest.raises(ValueError, match="its devices are"):
            unikeras.device("gpu:0")
