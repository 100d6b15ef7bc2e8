"""The functional API: Model(inputs, outputs) with several inputs/outputs, shared layers,
nested models, fit/predict, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import layers, ops


class Sum(layers.Layer):
    """A custom merge layer: adds its list of inputs."""

    def call(self, inputs):
        total = inputs[0]
        for x in inputs[1:]:
            total = ops.add(total, x)
        return total

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def test_functional_equals_sequential_with_the_same_weights(backend, rng):
    inputs = unikeras.Input((4,), name="features")
    hidden = layers.Dense(8, activation="relu")(inputs)
    outputs = layers.Dense(3)(hidden)
    model = unikeras.Model(inputs, outputs, name="f")
    sequential = unikeras.Sequential([unikeras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    sequential.set_weights(model.get_weights())
    x = rng.standard_normal((10, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), sequential.predict(x, verbose=0), rtol=1e-6)
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 3)
    assert [layer.name for layer in model.layers] == [model.get_layer(index=i).name for i in range(2)]


def test_multi_input_model_trains(backend, rng):
    a, b = unikeras.Input((3,), name="a"), unikeras.Input((2,), name="b")
    merged = Sum()([layers.Dense(4)(a), layers.Dense(4)(b)])
    model = unikeras.Model([a, b], layers.Dense(1)(merged))
    xa = rng.standard_normal((64, 3)).astype("float32")
    xb = rng.standard_normal((64, 2)).astype("float32")
    y = (xa.sum(1, keepdims=True) - 2 * xb[:, :1]).astype("float32")
    model.compile(optimizer=unikeras.optimizers.Adam(0.05), loss="mse")
    history = model.fit([xa, xb], y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    assert model.predict([xa, xb], verbose=0).shape == (64, 1)
    assert model.evaluate([xa, xb], y, verbose=0) < 0.1


def test_multi_output_predict_and_shared_layer(backend, rng):
    inputs = unikeras.Input((5,))
    shared = layers.Dense(4, name="shared")
    first = shared(inputs)
    second = shared(layers.Dense(5)(first))
    model = unikeras.Model(inputs, [first, second])
    assert [layer.name for layer in model.layers].count("shared") == 1
    assert model.count_params() == (5 * 4 + 4) + (4 * 5 + 5)
    x = rng.standard_normal((7, 5)).astype("float32")
    out_first, out_second = model.predict(x, verbose=0)
    kernel, bias, k2, b2 = model.get_weights()
    np.testing.assert_allclose(out_first, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out_second, (out_first @ k2 + b2) @ kernel + bias, rtol=1e-5, atol=1e-5)


def test_models_nest_as_layers(backend, rng):
    inner_in = unikeras.Input((3,))
    inner = unikeras.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    outer_in = unikeras.Input((3,))
    outer = unikeras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    assert outer.get_layer("inner") is inner
    x = rng.standard_normal((4, 3)).astype("float32")
    k1, b1, k2, b2 = outer.get_weights()
    np.testing.assert_allclose(outer.predict(x, verbose=0), (x @ k1 + b1) @ k2 + b2, rtol=1e-5, atol=1e-6)


def test_disconnected_graph_and_wrong_data_are_named(backend):
    a, b = unikeras.Input((3,), name="a"), unikeras.Input((3,), name="b")
    out = Sum()([layers.Dense(2)(a), layers.Dense(2)(b)])
    with pytest.raises(ValueError, match="graph disconnected.*'b'"):
        unikeras.Model(a, out)
    model = unikeras.Model(a, layers.Dense(1)(a))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"shape \(batch, 3\) \(its Input 'a'.*`x` has shape \(8, 4\)"):
        model.fit(np.zeros((8, 4)), np.zeros((8, 1)), verbose=0)


class _Mix(layers.Layer):
    """``x + scale * y``: a custom layer taking two tensors as positional arguments."""

    def call(self, x, y, scale=1.0):
        return ops.add(x, ops.multiply(y, scale))


class _Linear(layers.Layer):
    """A custom layer without compute_output_shape: its symbolic shape is found by running it."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], self.units), "ones")

    def call(self, inputs):
        return ops.argmax(ops.matmul(inputs, self.w), axis=-1), ops.matmul(inputs, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_positional_tensor_arguments_are_node_inputs(backend, rng):
    a, b = unikeras.Input((3,)), unikeras.Input((3,))
    mixed = _Mix()(a, b, scale=2.0)
    model = unikeras.Model([a, b], layers.Dense(2)(mixed))
    x, y = rng.standard_normal((4, 3)).astype("float32"), rng.standard_normal((4, 3)).astype("float32")
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(ops.convert_to_numpy(model([x, y])), (x + 2 * y) @ kernel + bias, rtol=1e-5, atol=1e-6)
    config = model.get_config()
    call = next(spec for spec in config["layers"] if spec["class_name"] == "_Mix")["inbound_nodes"][0]
    assert [t["config"]["keras_history"][0] for t in call["args"]] == [a.layer.name, b.layer.name]  # Keras's layout
    assert call["kwargs"] == {"scale": 2.0}
    clone = unikeras.Model.from_config(config, custom_objects={"_Mix": _Mix})
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(ops.convert_to_numpy(clone([x, y])), ops.convert_to_numpy(model([x, y])), rtol=1e-6)


def test_custom_layer_without_compute_output_shape_gets_real_shapes(backend, rng):
    inputs = unikeras.Input((5,))
    layer = _Linear(4)
    labels, scores = layer(inputs)
    assert (labels.shape, labels.dtype, scores.shape, scores.dtype) == ((None,), "int32", (None, 4), "float32")
    model = unikeras.Model(inputs, layers.Dense(1)(scores))  # the next layer is built on (None, 4)
    assert model.layers[-1].get_weights()[0].shape == (4, 1)
    x = rng.standard_normal((3, 5)).astype("float32")
    assert ops.convert_to_numpy(model(x)).shape == (3, 1)
