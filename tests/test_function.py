"""keras.Function: a callable graph between symbolic inputs and outputs, on every backend."""

from __future__ import annotations

import numpy as np

import unikeras
from unikeras import layers, ops


def test_function_runs_the_graph(backend):
    a, b = unikeras.Input((3,)), unikeras.Input((3,))
    dense = layers.Dense(2)
    fn = unikeras.Function([a, b], {"sum": ops.add(a, b), "proj": dense(ops.multiply(a, 2.0))}, name="f")
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    y = np.ones((4, 3), "float32")
    out = fn([x, y])
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(ops.convert_to_numpy(out["sum"]), x + y, rtol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(out["proj"]), (2 * x) @ kernel + bias, rtol=1e-4, atol=1e-5)
    assert fn.name == "f" and len(fn.inputs) == 2 and len(fn.outputs) == 2
    assert any(op is dense for op in fn.operations)
    assert fn.compute_output_shape([(None, 3), (None, 3)]) == {"sum": (None, 3), "proj": (None, 2)}
    spec = fn.compute_output_spec([unikeras.Input((3,)), unikeras.Input((3,))])
    assert tuple(spec["proj"].shape) == (None, 2)
