"""The shipped example reaches the accuracy the README promises, on every backend."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, load_backend

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "digits_mlp.py"


def _example_module():
    spec = importlib.util.spec_from_file_location("digits_mlp", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", BACKENDS)
def test_digits_mlp_reaches_95_percent(name):
    load_backend(name)
    seconds, accuracy = _example_module().train(name)
    assert accuracy >= 0.95, f"{name}: test accuracy {accuracy:.4f} after {seconds:.1f}s"
