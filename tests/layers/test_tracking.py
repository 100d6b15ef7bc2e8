"""Sub-layers kept in list, tuple or dict attributes are tracked: they train, and their weights
are the model's, in the order the containers list them."""

from __future__ import annotations

import numpy as np

import unikeras as keras
from unikeras import layers
from unikeras.layers.tracking import TrackedDict, TrackedList


class Blocks(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = [(layers.Dense(4, name="a0"), layers.Dense(4, name="b0"))]
        self.heads = {"out": layers.Dense(2, name="head")}
        self.extra = []
        self.extra.append(layers.Dense(2, name="late"))
        self.sizes = (4, 2)  # plain data stays exactly what was assigned

    def call(self, x):
        for first, second in self.blocks:
            x = second(first(x))
        return self.heads["out"](x) + self.extra[0](x)


def test_layers_in_containers_are_tracked_in_order(backend, rng):
    model = Blocks()
    x = rng.normal(size=(6, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(model(x))
    assert [layer.name for layer in model.layers] == ["a0", "b0", "head", "late"]
    assert [w.shape for w in model.get_weights()] == [(3, 4), (4,), (4, 4), (4,), (4, 2), (2,), (4, 2), (2,)]
    assert type(model.sizes) is tuple and model.sizes == (4, 2)
    assert isinstance(model.blocks, TrackedList) and isinstance(model.heads, TrackedDict)
    # the forward pass is the composition the weights say, in NumPy
    w = model.get_weights()
    h = (x @ w[0] + w[1]) @ w[2] + w[3]
    np.testing.assert_allclose(out, h @ w[4] + w[5] + h @ w[6] + w[7], rtol=1e-4, atol=1e-5)


def test_every_tracked_weight_trains(backend, rng):
    model = Blocks()
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model(x)
    before = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    after = model.get_weights()
    assert len(model.trainable_weights) == 8
    for old, new in zip(before, after, strict=True):
        assert not np.allclose(old, new), "a weight held in a container did not train"


def test_later_changes_to_a_tracked_container_are_tracked():
    parent = layers.Layer()
    parent.children_list = []
    parent.children_list += [layers.Dense(1, name="x1")]
    parent.children_list.insert(0, layers.Dense(1, name="x0"))
    parent.children_list[1] = layers.Dense(1, name="x2")
    parent.children_dict = {}
    parent.children_dict.update(k=layers.Dense(1, name="x3"))
    parent.children_dict.setdefault("j", layers.Dense(1, name="x4"))
    assert [layer.name for layer in parent._layers] == ["x1", "x0", "x2", "x3", "x4"]
    # a copy is a plain container again (nothing refers back to the parent)
    import copy

    assert type(copy.deepcopy(parent.children_list)) is list
