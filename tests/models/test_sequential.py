"""Sequential construction: list and add, Input first, deferred build, pop, weights, summary."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers


def test_list_and_add_give_same_structure(backend):
    a = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(3), layers.Dense(2)])
    b = unikeras.Sequential()
    b.add(unikeras.Input((4,)))
    b.add(layers.Dense(3))
    b.add(layers.Dense(2))
    assert a.built and b.built
    assert [w.shape for w in a.weights] == [w.shape for w in b.weights] == [(4, 3), (3,), (3, 2), (2,)]
    assert a.backend is backend and len(a.layers) == 2


def test_deferred_build_on_first_call(backend, rng):
    model = unikeras.Sequential([layers.Dense(3), layers.Dense(1)])
    assert not model.built and model.weights == []
    out = model(rng.standard_normal((5, 6)).astype("float32"))
    assert unikeras.ops.shape(out) == (5, 1)
    assert model.weights[0].shape == (6, 3)


def test_input_shape_argument_builds_immediately(backend):
    model = unikeras.Sequential([layers.Dense(3, input_shape=(4,))])
    assert model.built and model.count_params() == 15


def test_pop_removes_last_layer(backend):
    model = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(3), layers.Dense(2)])
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and popped.units == 2
    assert len(model.layers) == 1 and model.count_params() == 15


def test_get_set_weights_in_keras_order(backend, rng):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    new = [rng.standard_normal(w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    x = rng.standard_normal((5, 3)).astype("float32")
    expected = (x @ new[0] + new[1]) @ new[2] + new[3]
    np.testing.assert_allclose(unikeras.ops.convert_to_numpy(model(x)), expected, rtol=1e-5, atol=1e-5)


def test_summary_lists_layers_and_params(backend, capsys):
    model = unikeras.Sequential([unikeras.Input((8, 8)), layers.Flatten(), layers.Dense(10, name="out")], name="m")
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "m"' in text and "out (Dense)" in text and "(None, 10)" in text
    assert "Total params: 650" in text and f"Backend: {backend.name}" in text


def test_add_rejects_non_layers(backend):
    with pytest.raises(TypeError, match="expected a Layer, received int"):
        unikeras.Sequential([3])


def test_sequential_config_round_trip(backend):
    model = unikeras.Sequential(
        [unikeras.Input((4,)), layers.Dense(3, activation="relu"), layers.Dropout(0.2), layers.Dense(1)]
    )
    clone = unikeras.Sequential.from_config(model.get_config())
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]


def test_mixing_backends_in_one_model_is_an_error(backend):
    other_name = "jax" if backend.name != "jax" else "torch"
    from tests.conftest import load_backend

    load_backend(other_name)
    with unikeras.config.use_backend(other_name):
        foreign = layers.Dense(2)
        foreign.build((None, 3))
    model = unikeras.Sequential([layers.Dense(3), foreign])
    with pytest.raises(ValueError, match=f"lives on backend '{other_name}'.*cannot mix backends"):
        model.build_for_input_shape((None, 4))


def test_model_keeps_its_backend_when_another_is_selected(backend, rng):
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(2)])
    x = rng.standard_normal((4, 3)).astype("float32")
    expected = model.predict(x, verbose=0)
    other = "jax" if backend.name != "jax" else "torch"
    from tests.conftest import load_backend

    load_backend(other)
    with unikeras.config.use_backend(other):
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
        assert model.backend is backend
