"""``import unikeras`` loads no framework; using a backend loads only what its framework loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import BACKENDS, load_backend

FRAMEWORKS = ("torch", "tensorflow", "jax", "jaxlib", "mxnet", "keras")


def _loaded_frameworks(code: str, backend: str | None = None) -> set[str]:
    env = dict(os.environ)
    if backend:
        env["UNIKERAS_BACKEND"] = backend
    names = set(FRAMEWORKS)
    probe = (
        code + f"\nimport sys, json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {names!r})))"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_unikeras_loads_no_framework():
    assert _loaded_frameworks("import unikeras") == set()
    assert _loaded_frameworks("import unikeras; unikeras.Sequential; unikeras.layers.Dense", backend="jax") == set()


@pytest.mark.parametrize("name", BACKENDS)
def test_using_a_backend_loads_nothing_beyond_its_framework(name):
    load_backend(name)
    framework = name  # each built-in backend is named after its framework's module
    prelude = "import numpy\nif 'bool' not in numpy.__dict__: numpy.bool = bool\n" if name == "mxnet" else ""
    baseline = _loaded_frameworks(prelude + f"import {framework}")
    script = (
        "import numpy, unikeras\n"
        "model = unikeras.Sequential([unikeras.Input((3,)), unikeras.layers.Dense(2)])\n"
        "model.predict(numpy.zeros((1, 3)), verbose=0)"
    )
    used = _loaded_frameworks(script, backend=name)
    assert framework in used
    assert used <= baseline, f"unikeras on {name} loaded {used - baseline} beyond what `import {framework}` loads"
