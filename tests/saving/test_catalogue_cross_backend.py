"""Every layer of the catalogue, saved inside a model on one backend, loads on another with the same
weights and the same inference output.

Each layer gets one (source, target) pair, rotating through the twelve ordered pairs of backends, so
that every pair is exercised and the test stays cheap.
"""

from __future__ import annotations

import itertools
import zlib

import numpy as np
import pytest

import unikeras
from tests.conftest import BACKENDS, load_backend
from tests.layers.catalogue_table import CATALOGUE, build_catalogue_layer
from unikeras import config, saving

# Lambda holds code, which a model file refuses to store in safe mode (tests/saving/test_model_file.py).
NAMES = sorted(name for name, entry in CATALOGUE.items() if entry.round_trip)
PAIRS = [(s, t) for s, t in itertools.product(BACKENDS, BACKENDS) if s != t]


def _outputs(value):
    items = value if isinstance(value, list | tuple) else [value]
    return [np.asarray(unikeras.ops.convert_to_numpy(v)) for v in items]


def _symbolic_inputs(x):
    if isinstance(x, list):
        return [unikeras.Input(v.shape[1:], dtype=str(v.dtype)) for v in x]
    return unikeras.Input(x.shape[1:], dtype=str(x.dtype))


@pytest.mark.parametrize("name", NAMES)
def test_layer_saved_on_one_backend_loads_on_another(name, tmp_path):
    source, target = PAIRS[NAMES.index(name) % len(PAIRS)]
    entry = CATALOGUE[name]
    load_backend(source)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    with config.use_backend(source):
        unikeras.utils.set_random_seed(5)
        layer, x = build_catalogue_layer(entry, rng)
        inputs = _symbolic_inputs(x)
        model = unikeras.Model(inputs, layer(inputs))
        expected = _outputs(model(x, training=False))
        weights = model.get_weights()
        path = tmp_path / f"{name}.ukeras"
        model.save(path)
    load_backend(target)
    with config.use_backend(target):
        loaded = saving.load_model(path)
        assert type(loaded.layers[-1]).__name__ == entry.cls
        restored = loaded.get_weights()
        assert len(restored) == len(weights)
        for saved, got in zip(weights, restored):
            np.testing.assert_array_equal(got, saved)
        got = _outputs(loaded(x, training=False))
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
