"""unikeras.backend's dtype and naming helpers against keras.backend (the oracle) on every backend."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

import unikeras
from unikeras import backend as kb
from unikeras import config
from unikeras.dtype_policies.dtype_policy import DTYPE_NAMES

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

WEAK = (int, float)


def test_standardize_dtype_reads_native_dtypes_of_every_backend(backend):
    for name in DTYPE_NAMES:
        if backend.name == "mxnet" and name in ("bfloat16", "int16"):
            continue  # MXNet has neither (its adapter says so)
        x = backend.zeros((2,), name)
        assert kb.standardize_dtype(x.dtype) == name
        assert kb.standardize_dtype(backend.dtype_name(x)) == name
    assert kb.standardize_dtype(np.float64) == "float64"
    assert kb.standardize_dtype(np.dtype("int16")) == "int16"
    assert kb.standardize_dtype(None) == config.floatx()
    for python_type in (float, int, bool):
        assert kb.standardize_dtype(python_type) == {float: "float32", int: "int32", bool: "bool"}[python_type]


def test_standardize_dtype_rejects_what_keras_rejects():
    for bad in ("floaty", "int3", object):
        with pytest.raises(ValueError):
            keras.backend.standardize_dtype(bad)
        with pytest.raises(ValueError, match="Invalid dtype"):
            kb.standardize_dtype(bad)


def test_is_float_and_is_int_dtype_match_keras():
    for name in DTYPE_NAMES:
        assert kb.is_float_dtype(name) == keras.backend.is_float_dtype(name), name
        assert kb.is_int_dtype(name) == keras.backend.is_int_dtype(name), name
        assert kb.is_float_dtype(np.dtype(name) if name != "bfloat16" else name) == keras.backend.is_float_dtype(name)


@pytest.mark.parametrize("floatx", ["float32", "float16"])
def test_result_type_matches_keras_promotion(floatx):
    # keras on tensorflow keeps 64-bit results, as unikeras does on every backend
    candidates = [*DTYPE_NAMES, *WEAK]
    previous = config.floatx(), keras.config.floatx()
    config.set_floatx(floatx)
    keras.config.set_floatx(floatx)
    try:
        cases = [()] + [(a,) for a in candidates] + list(itertools.product(candidates, repeat=2))
        cases += [("int8", "uint8", float), ("bfloat16", "float16", int), (None, "int32"), (bool, int, "uint8")]
        for args in cases:
            assert kb.result_type(*args) == keras.backend.result_type(*args), args
    finally:
        config.set_floatx(previous[0])
        keras.config.set_floatx(previous[1])


def test_get_uid_counts_per_prefix_and_shares_layer_names(backend):
    kb.clear_session()
    assert [kb.get_uid("thing"), kb.get_uid("thing"), kb.get_uid("other")] == [1, 2, 1]
    assert unikeras.layers.Dense(2).name == "dense"
    assert kb.get_uid("dense") == 2
    assert unikeras.layers.Dense(2).name == "dense_2"
    kb.clear_session()
    assert kb.get_uid("thing") == 1
    assert kb.get_uid() == 1


def test_is_keras_tensor(backend):
    inputs = unikeras.Input((3,))
    assert kb.is_keras_tensor(inputs)
    assert kb.is_keras_tensor(unikeras.layers.Dense(2)(inputs))
    assert not kb.is_keras_tensor(backend.ones((2, 3), "float32"))
    assert not kb.is_keras_tensor(np.ones(3))
    assert keras.backend.is_keras_tensor(keras.Input((3,)))
