"""Shared fixtures: every test that takes ``backend`` runs once per built-in backend.

A backend whose framework is not installed is skipped, unless
``UNIKERAS_REQUIRE_ALL_BACKENDS=1`` (CI), which turns that into a failure.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import unikeras
from unikeras import backends, config

BACKENDS = ["torch", "tensorflow", "jax", "mxnet"]
REQUIRE_ALL = os.environ.get("UNIKERAS_REQUIRE_ALL_BACKENDS") == "1"


def load_backend(name: str) -> backends.Backend:
    """The adapter for ``name``; skips (or fails under REQUIRE_ALL) when it cannot load."""
    try:
        return backends.get(name)
    except ImportError as err:
        if REQUIRE_ALL:
            pytest.fail(f"backend {name!r} is required (UNIKERAS_REQUIRE_ALL_BACKENDS=1) but failed: {err}")
        pytest.skip(f"backend {name!r} not installed: {err}")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest):
    """The adapter, made the configured backend for the duration of the test."""
    adapter = load_backend(request.param)
    with config.use_backend(request.param):
        unikeras.utils.set_random_seed(1234)
        yield adapter


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
