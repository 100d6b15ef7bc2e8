"""A backend registered at run time trains through the generic step (value_and_grad + optimizer)."""

from __future__ import annotations

import numpy as np

import unikeras
from tests.conftest import load_backend
from unikeras import backends, layers
from unikeras.backends.base import Backend


def test_runtime_registered_backend_trains_through_the_fallback_step(rng):
    torch_adapter = type(load_backend("torch"))
    calls = []

    class EagerFallback(torch_adapter):
        """The torch adapter without its own step: ``make_step`` is the contract's fallback."""

        name = "torch-fallback"

        def make_step(self, fn, state, jit_compile="auto"):
            calls.append(len(state))
            return Backend.make_step(self, fn, state, jit_compile)

    backends.register("torch-fallback", EagerFallback, framework="torch")
    try:
        assert "torch-fallback" in backends.available()
        x = rng.standard_normal((64, 3)).astype("float32")
        y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")
        with unikeras.config.use_backend("torch-fallback"):
            unikeras.utils.set_random_seed(0)
            model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
            model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
            history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
        assert model.backend.name == "torch-fallback" and calls
        assert history.history["loss"][-1] < 1e-3 < history.history["loss"][0]
        kernel, bias = model.get_weights()
        np.testing.assert_allclose(kernel[:, 0], [1.0, -2.0, 0.5], atol=0.02)
    finally:
        backends._factories.pop("torch-fallback")
        backends._loaded.pop("torch-fallback", None)
