"""tools/api_coverage.py: stub detection, the exclusion cap, the report, and the per-namespace ratchet."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "tools" / "api_coverage.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


cov = _load_tool()

FAKE_UNIKERAS = '''
class NotReady(Exception):
    pass


def real(x):
    return x + 1


def stub(x):
    """Documented, but not written yet."""
    raise NotImplementedError("stub() is not implemented")


def stub_bare(x):
    pass
    raise NotImplementedError


def validates_then_raises(x):
    if x < 0:
        raise ValueError("negative")
    raise NotImplementedError


class StubLayer:
    def __init__(self, units=1):
        self.units = units

    def call(self, x):
        raise NotImplementedError


class StubInit:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("later")


class Base:
    def __call__(self, x):
        raise NotImplementedError


class Concrete(Base):
    def __call__(self, x):
        return x
'''


@pytest.fixture
def fake_unikeras(tmp_path: Path) -> types.ModuleType:
    path = tmp_path / "fake_unikeras_ns.py"
    path.write_text(textwrap.dedent(FAKE_UNIKERAS))
    spec = importlib.util.spec_from_file_location("fake_unikeras_ns", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_keras(*names: str) -> types.ModuleType:
    module = types.ModuleType("keras.fake")
    for name in names:
        setattr(module, name, object())
    module._private = object()  # underscored names are not public API
    return module


def test_a_function_that_only_raises_not_implemented_counts_as_missing(fake_unikeras):
    keras_ns = _fake_keras(
        "real", "stub", "stub_bare", "validates_then_raises", "StubLayer", "StubInit", "Base", "Concrete", "absent"
    )
    report = cov.measure_namespace("keras.fake", keras_ns, fake_unikeras)
    assert report.present == ["Base", "Concrete", "real", "validates_then_raises"]
    assert report.missing == ["StubInit", "StubLayer", "absent", "stub", "stub_bare"]
    assert report.stubs == ["StubInit", "StubLayer", "stub", "stub_bare"]
    assert report.percent == pytest.approx(100 * 4 / 9)
    assert "_private" not in report.present + report.missing


def test_stub_detection_sees_through_wrappers_and_ignores_builtins(fake_unikeras):
    import functools

    @functools.wraps(fake_unikeras.stub)
    def wrapper(*args, **kwargs):
        return fake_unikeras.stub(*args, **kwargs)

    assert cov.is_stub(wrapper)
    assert not cov.is_stub(len)
    assert not cov.is_stub(lambda x: x)
    assert not cov.is_stub(fake_unikeras.NotReady)


def test_a_module_whose_functions_are_all_stubs_is_a_stub(tmp_path: Path):
    path = tmp_path / "stub_dataset.py"
    path.write_text("def load_data(path='x.npz'):\n    raise NotImplementedError\n")
    spec = importlib.util.spec_from_file_location("stub_dataset", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert cov.is_stub(module)
    path.write_text("import os\n\ndef load_data(path='x.npz'):\n    return os.path.exists(path)\n")
    spec.loader.exec_module(module)
    assert not cov.is_stub(module)


def test_the_exclusion_cap_is_enforced(fake_unikeras):
    names = [f"name{i}" for i in range(40)]
    keras_ns = _fake_keras(*names)
    report = cov.measure_namespace("keras.fake", keras_ns, fake_unikeras, {"name0": "why", "name1": "why"})
    assert report.counted == 38 and report.excluded == {"name0": "why", "name1": "why"}
    with pytest.raises(ValueError, match="3 excluded names, more than 5% of its 40 names"):
        cov.measure_namespace("keras.fake", keras_ns, fake_unikeras, {n: "why" for n in names[:3]})
    with pytest.raises(ValueError, match="keras does not have"):
        cov.measure_namespace("keras.fake", keras_ns, fake_unikeras, {"nonexistent": "why"})


def test_the_tool_s_own_exclusions_respect_the_cap():
    keras = cov.import_keras()
    for namespace, exclusions in cov.EXCLUSIONS.items():
        module = importlib.import_module(namespace)
        assert module.__name__.startswith(keras.__name__)
        cov.check_exclusions(namespace, cov.public_names(module), exclusions)
        assert all(reason.strip() for reason in exclusions.values())


def test_the_report_lists_a_namespace_s_missing_names(fake_unikeras, tmp_path: Path):
    report = cov.measure_namespace(
        "keras.fake", _fake_keras("real", "stub", "absent", "excluded"), fake_unikeras, {}, target=95.0
    )
    report_excl = cov.measure_namespace("keras.other", _fake_keras(*[f"n{i}" for i in range(20)]), None, {"n0": "why"})
    text = cov.render_markdown([report, report_excl], "3.x")
    assert "### `keras.fake`" in text
    assert "Missing: `absent`, `excluded`, `stub`." in text
    assert "(counted missing): `stub`." in text
    assert "| `keras.fake` | 1 | 4 | 0 | 25.0 % (below) | 95 % |" in text
    assert "| `keras.other` | `n0` | why |" in text
    assert "below" in cov.render_table([report])

    # the generated block is replaced; hand-written text around it stays
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\nintro\n\n" + cov.GENERATED_BEGIN + "\nold\n" + cov.GENERATED_END + "\n\n## Hand\n\nkept\n"
    )
    cov.write_markdown(page, text)
    written = page.read_text()
    assert (
        "old" not in written and "intro" in written and "## Hand\n\nkept" in written and "### `keras.fake`" in written
    )


def test_check_exits_non_zero_below_target_and_names_the_namespace(fake_unikeras, monkeypatch, capsys):
    low = cov.measure_namespace("keras.fake", _fake_keras("real", "absent"), fake_unikeras, target=95.0)
    high = cov.measure_namespace("keras.full", _fake_keras("real"), fake_unikeras, target=95.0)
    monkeypatch.setattr(cov, "measure", lambda: [low, high])
    monkeypatch.setitem(sys.modules, "keras", types.SimpleNamespace(__version__="3.x"))
    assert cov.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "keras.fake 50.0 % < 95 %" in err and "keras.full" not in err
    monkeypatch.setattr(cov, "measure", lambda: [high])
    assert cov.main(["--check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["percent"] == 100.0


def test_below_floor_flags_a_drop(fake_unikeras):
    report = cov.measure_namespace("keras.fake", _fake_keras("real", "absent"), fake_unikeras)
    assert cov.floor_of([report]) == {"keras.fake": 50.0}
    assert cov.below_floor([report], {"keras.fake": 50.0}) == []
    assert "keras.fake: 50.0 % < floor 60.0 %" in cov.below_floor([report], {"keras.fake": 60.0})[0]
    assert "not measured" in cov.below_floor([report], {"keras.gone": 1.0})[0]


def test_no_namespace_drops_below_its_recorded_floor():
    """The ratchet: tools/api_coverage_floor.json holds each namespace's measured percentage; raise
    it (``python tools/api_coverage.py --write-floor``) when coverage grows, never lower it."""
    floor = json.loads(cov.FLOOR_PATH.read_text())
    assert set(floor) == set(cov.NAMESPACES)
    reports = cov.measure()
    assert cov.below_floor(reports, floor) == []
