"""DTypePolicy, dtype_policies.get / serialize / deserialize, the global policy in unikeras.config and
the dtype attributes and config of layers, checked against Keras 3's."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from unikeras import config, dtype_policies, layers
from unikeras.dtype_policies import DTypePolicy, FloatDTypePolicy

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

NAMES = ["float32", "float64", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16"]


@pytest.mark.parametrize("name", NAMES)
def test_policy_dtypes_match_keras(name):
    ours, theirs = DTypePolicy(name), keras.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (
        theirs.name,
        theirs.compute_dtype,
        theirs.variable_dtype,
    )
    assert repr(ours) == repr(theirs)
    assert ours.quantization_mode is None and ours.get_config() == theirs.get_config() == {"name": name}
    assert DTypePolicy.from_config(ours.get_config()) == ours
    assert FloatDTypePolicy(name) == ours
    assert (DTypePolicy("float32") == ours) == (name == "float32")


def test_bad_policy_names_raise():
    with pytest.raises(TypeError, match="`name` must be a string.*received 16"):
        DTypePolicy(16)
    with pytest.raises(ValueError, match="cannot convert 'float17' to a dtype policy.*'mixed_float16'"):
        DTypePolicy("float17")
    with pytest.raises(ValueError, match="quantized policies such as 'int8_from_float32' are not supported"):
        DTypePolicy("int8_from_float32")
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument.*received <object"):
        dtype_policies.get(object())
    with pytest.raises(ValueError, match="unknown dtype policy class 'Int4DTypePolicy'"):
        dtype_policies.deserialize({"class_name": "Int4DTypePolicy", "config": {}})
    with pytest.raises(ValueError, match="expected a dict with 'class_name'"):
        dtype_policies.deserialize("float32")
    with pytest.raises(TypeError, match="expected a DTypePolicy, received 'float32'"):
        dtype_policies.serialize("float32")


def test_get_accepts_what_keras_accepts():
    assert dtype_policies.get(None) is config.dtype_policy()
    policy = DTypePolicy("mixed_float16")
    assert dtype_policies.get(policy) is policy
    assert dtype_policies.get("mixed_bfloat16") == DTypePolicy("mixed_bfloat16")
    assert dtype_policies.get(np.float64).name == keras.dtype_policies.get(np.float64).name == "float64"
    assert dtype_policies.get(np.dtype("float16")).name == "float16"
    serialized = keras.dtype_policies.serialize(keras.DTypePolicy("mixed_float16"))
    assert dtype_policies.get(serialized) == policy


@pytest.mark.parametrize("name", ["float32", "mixed_float16"])
def test_serialize_matches_keras(name):
    ours = dtype_policies.serialize(DTypePolicy(name))
    theirs = keras.dtype_policies.serialize(keras.DTypePolicy(name))
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(theirs))
    assert dtype_policies.deserialize(json.loads(json.dumps(ours))) == DTypePolicy(name)


def test_global_policy_follows_floatx_until_set():
    assert config.dtype_policy() == DTypePolicy("float32")
    config.set_floatx("float64")
    assert config.dtype_policy() == DTypePolicy("float64")
    assert layers.Dense(2).dtype == "float64"
    config.set_floatx("float32")
    config.set_dtype_policy("mixed_float16")
    config.set_floatx("float64")  # a policy set explicitly stays
    assert config.dtype_policy() == DTypePolicy("mixed_float16")
    config.set_dtype_policy(DTypePolicy("float16"))
    assert config.dtype_policy().name == "float16"
    with pytest.raises(ValueError, match="set_dtype_policy\\(\\): expected the name of a policy.*received None"):
        config.set_dtype_policy(None)
    with pytest.raises(ValueError, match="cannot convert 'mixed_float8'"):
        config.set_dtype_policy("mixed_float8")


def test_layers_take_the_global_policy_unless_given_one():
    """The same sequence in unikeras and Keras gives the same layer dtypes."""
    seen = []
    for module, set_policy in ((layers, config.set_dtype_policy), (keras.layers, keras.config.set_dtype_policy)):
        before = module.Dense(2)
        set_policy("mixed_float16")
        after, own = module.Dense(2), module.Dense(2, dtype="float32")
        by_object = module.Dense(2, dtype=(DTypePolicy if module is layers else keras.DTypePolicy)("mixed_bfloat16"))
        seen.append(
            [(x.dtype_policy.name, x.dtype, x.compute_dtype, x.variable_dtype) for x in (before, after, own, by_object)]
        )
        set_policy("float32")
    assert seen[0] == seen[1]
    assert seen[0][1] == ("mixed_float16", "float32", "float16", "float32")


@pytest.mark.parametrize("name", ["float64", "mixed_float16"])
def test_layer_config_holds_the_policy_as_keras_does(name):
    ours, theirs = layers.Dense(3, dtype=name), keras.layers.Dense(3, dtype=name)
    config_ = json.loads(json.dumps(ours.get_config()))
    assert config_["dtype"] == json.loads(json.dumps(theirs.get_config()["dtype"]))
    clone = layers.Dense.from_config(config_)
    assert clone.dtype_policy == DTypePolicy(name) and clone.get_config() == ours.get_config()
    # the policy as Keras writes it loads too
    from_keras = layers.Dense.from_config({**config_, "name": "from_keras", "dtype": theirs.get_config()["dtype"]})
    assert from_keras.dtype_policy == DTypePolicy(name)


def test_dtype_policy_setter_and_autocast_flag():
    layer = layers.Dense(2)
    layer.dtype_policy = "mixed_bfloat16"
    assert (layer.compute_dtype, layer.variable_dtype, layer.input_dtype) == ("bfloat16", "float32", "bfloat16")
    assert layer.autocast is True and layers.Dense(2, autocast=False).autocast is False
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        layers.Dense(2, dtype=[1])
