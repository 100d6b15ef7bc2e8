"""The shipped example reaches the accuracy the README promises, on every backend; every example
follows the examples' conventions (CI's ``make examples`` runs them all, ``tools/run_examples.py``)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, load_backend

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "digits_mlp.py"


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


def test_every_example_says_what_it_teaches_has_a_quick_mode_and_is_listed_by_the_runner():
    examples = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))
    assert len(examples) >= 12, [p.name for p in examples]
    for path in examples:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        docstring = ast.get_docstring(tree) or ""
        assert "Teaches" in docstring and f"examples/{path.name}" in docstring, f"{path.name}: docstring"
        for flag in ('"--quick"', '"--backend"', '"UNIKERAS_EXAMPLES_QUICK"', '__name__ == "__main__"'):
            assert flag in source, f"{path.name} lacks {flag}"
        assert any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body), path.name
    listing = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "run_examples.py"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [line.split()[0] for line in listing] == [p.stem for p in examples]
    for line, path in zip(listing, examples):
        assert line.split(maxsplit=1)[1] == ast.get_docstring(ast.parse(path.read_text())).splitlines()[0]
