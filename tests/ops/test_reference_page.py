"""``docs/ops.md`` documents every public op and is regenerated when ops change."""

from __future__ import annotations

import importlib.util
import pathlib

import unikeras.ops as ops

BUILDER = pathlib.Path(__file__).resolve().parents[2] / "docs" / "build_ops_reference.py"


def _builder():
    spec = importlib.util.spec_from_file_location("build_ops_reference", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_op_has_a_docstring():
    missing = [name for name in ops.__all__ if not (getattr(ops, name).__doc__ or "").strip()]
    assert missing == []


def test_reference_page_is_current():
    builder = _builder()
    page = builder.PAGE.read_text()
    assert page == builder.render(), "docs/ops.md is stale: run `python docs/build_ops_reference.py`"
    assert all(f"| `{name}` |" in page for name in ops.__all__)
