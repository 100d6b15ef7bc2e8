"""How much of the Keras 3 public API unikeras offers, namespace by namespace.

For each public namespace of the installed ``keras`` package (the oracle: unikeras itself never
imports keras), lists the public names keras has, which of them resolve under the same path in
unikeras (``keras.ops.nn.relu`` -> ``unikeras.ops.nn.relu``), which are missing, and the share
present. A name whose implementation only raises ``NotImplementedError`` (a function, or a class
whose ``__init__``, ``__call__`` or ``call`` does) counts as missing. ``EXCLUSIONS`` leaves out,
with a reason each, names that mean nothing in a multi-backend library: at most 5 % of a namespace.

    python tools/api_coverage.py                 # the table
    python tools/api_coverage.py --check         # exit 1 when a namespace is below its target
    python tools/api_coverage.py --markdown docs/keras-compatibility.md
    python tools/api_coverage.py --json          # the measurements as JSON on stdout
    python tools/api_coverage.py --write-floor   # record today's percentages as the ratchet floor
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import inspect
import json
import math
import os
import sys
import textwrap
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLOOR_PATH = Path(__file__).resolve().parent / "api_coverage_floor.json"

DEFAULT_TARGET = 95.0
OPS_TARGET = 90.0
EXCLUSION_CAP = 0.05  # excluded names may be at most this share of a namespace's names

NAMESPACES = (
    "keras",
    "keras.layers",
    "keras.ops",
    "keras.ops.nn",
    "keras.ops.image",
    "keras.ops.linalg",
    "keras.ops.numpy",
    "keras.activations",
    "keras.losses",
    "keras.metrics",
    "keras.optimizers",
    "keras.optimizers.schedules",
    "keras.callbacks",
    "keras.initializers",
    "keras.regularizers",
    "keras.constraints",
    "keras.models",
    "keras.saving",
    "keras.utils",
    "keras.random",
    "keras.datasets",
    "keras.backend",
    "keras.config",
)

_FRAMEWORK_WRAPPER = "wraps a model of one framework; unikeras bridges its own backends instead"

# namespace -> {name: reason}; every entry must be a name keras has, and a namespace's entries may
# not pass EXCLUSION_CAP of its names (checked by `check_exclusions`).
EXCLUSIONS: dict[str, dict[str, str]] = {
    "keras": {
        "src": "keras's implementation package, not public API (`keras.src.*` paths change between releases)",
        "applications": "pretrained model zoo: out of the scope of issue 10, which excludes keras.applications",
    },
    "keras.layers": {
        "TFSMLayer": "loads a TensorFlow SavedModel as a layer: " + _FRAMEWORK_WRAPPER,
        "JaxLayer": "wraps a JAX function as a keras layer: " + _FRAMEWORK_WRAPPER,
        "FlaxLayer": "wraps a Flax module as a keras layer: " + _FRAMEWORK_WRAPPER,
        "TorchModuleWrapper": "wraps a torch.nn.Module as a keras layer: " + _FRAMEWORK_WRAPPER,
    },
}


def target_for(namespace: str) -> float:
    """The share of non-excluded names a namespace must reach: 90 % for ops, 95 % elsewhere."""
    return OPS_TARGET if namespace == "keras.ops" or namespace.startswith("keras.ops.") else DEFAULT_TARGET


def unikeras_path(namespace: str) -> str:
    """``keras.ops.nn`` -> ``unikeras.ops.nn``."""
    head, _, rest = namespace.partition(".")
    if head != "keras":
        raise ValueError(f"not a keras namespace: {namespace!r}")
    return "unikeras" + ("." + rest if rest else "")


def public_names(module: types.ModuleType) -> list[str]:
    """``dir(module)`` without the names starting with an underscore (submodules included)."""
    return sorted(name for name in dir(module) if not name.startswith("_"))


# --- stub detection ---------------------------------------------------------------------------------


def _is_not_implemented_raise(node: ast.stmt) -> bool:
    if not isinstance(node, ast.Raise) or node.exc is None:
        return False
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return (isinstance(exc, ast.Name) and exc.id == "NotImplementedError") or (
        isinstance(exc, ast.Attribute) and exc.attr == "NotImplementedError"
    )


def _is_filler(node: ast.stmt) -> bool:
    """A docstring, ``pass`` or ``...``: statements that do nothing."""
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))


def function_is_stub(fn: Any) -> bool:
    """Whether ``fn``'s body, docstring and ``pass`` aside, is one ``raise NotImplementedError``.

    Objects without Python source (builtins, C extensions) are not stubs.
    """
    fn = inspect.unwrap(fn)
    if isinstance(fn, (staticmethod, classmethod)):
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        return False
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return False
    defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    if not defs or isinstance(defs[0], ast.Lambda):
        return False
    body = [stmt for stmt in defs[0].body if not _is_filler(stmt)]
    return len(body) == 1 and _is_not_implemented_raise(body[0])


_CLASS_METHODS = ("__init__", "__call__", "call")


def _subclasses(cls: type) -> list[type]:
    try:
        direct = type.__subclasses__(cls)
    except TypeError:
        return []
    return [c for sub in direct for c in (sub, *_subclasses(sub))]


def _overridden_below(cls: type, method: str) -> bool:
    """Whether a subclass gives ``method`` a real body: ``cls`` is an abstract base, not a stub."""
    return any(method in sub.__dict__ and not function_is_stub(sub.__dict__[method]) for sub in _subclasses(cls))


def is_stub(obj: Any) -> bool:
    """Whether ``obj`` only raises NotImplementedError.

    A function: its body. A class: any of ``__init__``, ``__call__``, ``call`` that the class
    itself defines (methods inherited from a base are the base's business), unless a subclass
    overrides it with a real body (an abstract base such as ``Layer.call``). A module: every
    function and class defined in it is a stub (and there is at least one).
    """
    if isinstance(obj, type):
        return any(
            function_is_stub(obj.__dict__[m]) and not _overridden_below(obj, m)
            for m in _CLASS_METHODS
            if m in obj.__dict__
        )
    if isinstance(obj, types.ModuleType):
        members = [
            v
            for k, v in vars(obj).items()
            if not k.startswith("_")
            and isinstance(v, (type, types.FunctionType))
            and getattr(v, "__module__", None) == obj.__name__
        ]
        return bool(members) and all(is_stub(v) for v in members)
    if callable(obj):
        return function_is_stub(obj)
    return False


# --- measuring --------------------------------------------------------------------------------------


_MISSING = object()


def resolve(module: types.ModuleType | None, name: str) -> Any:
    """``module.<name>``, or its submodule ``name``; ``_MISSING`` when neither exists."""
    if module is None:
        return _MISSING
    try:
        return getattr(module, name)
    except Exception:  # noqa: BLE001 - a module __getattr__ may raise anything
        pass
    if hasattr(module, "__path__"):
        try:
            return importlib.import_module(f"{module.__name__}.{name}")
        except ImportError:
            pass
    return _MISSING


def check_exclusions(namespace: str, names: Iterable[str], exclusions: dict[str, str]) -> None:
    """ValueError when an exclusion is not a keras name or the exclusions pass the cap."""
    names = set(names)
    unknown = sorted(set(exclusions) - names)
    if unknown:
        raise ValueError(f"{namespace}: excluded names that keras does not have: {unknown}")
    cap = math.floor(EXCLUSION_CAP * len(names))
    if len(exclusions) > cap:
        raise ValueError(
            f"{namespace}: {len(exclusions)} excluded names, more than {EXCLUSION_CAP:.0%} of its "
            f"{len(names)} names (at most {cap})."
        )


@dataclasses.dataclass
class NamespaceReport:
    namespace: str
    unikeras_path: str
    present: list[str]
    missing: list[str]
    stubs: list[str]  # resolve in unikeras but only raise NotImplementedError (also in `missing`)
    excluded: dict[str, str]
    target: float

    @property
    def counted(self) -> int:
        return len(self.present) + len(self.missing)

    @property
    def percent(self) -> float:
        return 100.0 * len(self.present) / self.counted if self.counted else 100.0

    @property
    def meets_target(self) -> bool:
        return self.percent >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "unikeras_path": self.unikeras_path,
            "percent": round(self.percent, 1),
            "target": self.target,
            "present": self.present,
            "missing": self.missing,
            "stubs": self.stubs,
            "excluded": self.excluded,
        }


def measure_namespace(
    namespace: str,
    keras_module: types.ModuleType,
    unikeras_module: types.ModuleType | None,
    exclusions: dict[str, str] | None = None,
    target: float | None = None,
) -> NamespaceReport:
    """Compare one keras namespace with its unikeras counterpart (``None``: the namespace is absent)."""
    names = public_names(keras_module)
    exclusions = dict(exclusions or {})
    check_exclusions(namespace, names, exclusions)
    present, missing, stubs = [], [], []
    for name in names:
        if name in exclusions:
            continue
        obj = resolve(unikeras_module, name)
        if obj is _MISSING:
            missing.append(name)
        elif is_stub(obj):
            missing.append(name)
            stubs.append(name)
        else:
            present.append(name)
    return NamespaceReport(
        namespace=namespace,
        unikeras_path=unikeras_path(namespace),
        present=present,
        missing=missing,
        stubs=stubs,
        excluded={k: exclusions[k] for k in sorted(exclusions)},
        target=target_for(namespace) if target is None else target,
    )


def import_keras() -> types.ModuleType:
    """keras, on its TensorFlow backend (the oracle's names do not depend on the backend)."""
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    return keras


def _import_or_none(path: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(path)
    except ImportError:
        return None


def measure(namespaces: Iterable[str] = NAMESPACES) -> list[NamespaceReport]:
    """Every namespace of the installed keras against unikeras."""
    import_keras()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    reports = []
    for namespace in namespaces:
        keras_module = importlib.import_module(namespace)
        unikeras_module = _import_or_none(unikeras_path(namespace))
        reports.append(measure_namespace(namespace, keras_module, unikeras_module, EXCLUSIONS.get(namespace, {})))
    return reports


# --- output -----------------------------------------------------------------------------------------


def render_table(reports: list[NamespaceReport]) -> str:
    width = max(len(r.namespace) for r in reports)
    lines = [f"{'namespace':<{width}}  present/counted  excluded      %  target"]
    for r in reports:
        flag = "" if r.meets_target else "  below"
        lines.append(
            f"{r.namespace:<{width}}  {len(r.present):>7}/{r.counted:<7}  {len(r.excluded):>8}  "
            f"{r.percent:5.1f}  {r.target:5.0f}{flag}"
        )
    total_present = sum(len(r.present) for r in reports)
    total = sum(r.counted for r in reports)
    lines.append(f"{'all':<{width}}  {total_present:>7}/{total:<7}  {'':>8}  {100 * total_present / total:5.1f}")
    return "\n".join(lines)


def _code_list(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "none"


def render_markdown(reports: list[NamespaceReport], keras_version: str = "") -> str:
    """The generated part of docs/keras-compatibility.md."""
    out = [
        "## Coverage by namespace",
        "",
        f"Measured against keras {keras_version} by `tools/api_coverage.py` (`make coverage`). A name counts "
        "as present when it resolves under the same path in unikeras (`keras.ops.nn.relu` -> "
        "`unikeras.ops.nn.relu`) and its implementation is not a stub that only raises "
        "`NotImplementedError`. Excluded names are left out of the percentage. The target is 95 % of the "
        "counted names in every namespace (90 % for the `ops` namespaces).",
        "",
        "| Namespace | Present | Counted | Excluded | Coverage | Target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in reports:
        mark = "" if r.meets_target else " (below)"
        out.append(
            f"| `{r.namespace}` | {len(r.present)} | {r.counted} | {len(r.excluded)} | "
            f"{r.percent:.1f} %{mark} | {r.target:.0f} % |"
        )
    total_present = sum(len(r.present) for r in reports)
    total = sum(r.counted for r in reports)
    out += [f"| all | {total_present} | {total} | | {100 * total_present / total:.1f} % | |", ""]
    out += ["## Missing names", ""]
    for r in reports:
        out += [f"### `{r.namespace}`", ""]
        out.append(f"{r.percent:.1f} % ({len(r.present)} of {r.counted}); unikeras path `{r.unikeras_path}`.")
        out.append("")
        if r.missing:
            out.append(f"Missing: {_code_list(r.missing)}.")
        else:
            out.append("Missing: none.")
        if r.stubs:
            out += [
                "",
                f"Present only as stubs raising `NotImplementedError` (counted missing): {_code_list(r.stubs)}.",
            ]
        out.append("")
    out += ["## Exclusions", "", "| Namespace | Name | Reason |", "|---|---|---|"]
    for r in reports:
        for name, reason in r.excluded.items():
            out.append(f"| `{r.namespace}` | `{name}` | {reason} |")
    out.append("")
    return "\n".join(out)


GENERATED_BEGIN = "<!-- BEGIN GENERATED by tools/api_coverage.py --markdown: do not edit by hand -->"
GENERATED_END = "<!-- END GENERATED -->"

_DEFAULT_PAGE_HEAD = "# Keras compatibility\n\n"


def write_markdown(path: Path, generated: str) -> None:
    """Replace the generated block of ``path`` (hand-written text around it stays); a new file gets a heading."""
    block = f"{GENERATED_BEGIN}\n\n{generated.rstrip()}\n\n{GENERATED_END}"
    if path.is_file():
        text = path.read_text()
        start, end = text.find(GENERATED_BEGIN), text.find(GENERATED_END)
        if start != -1 and end != -1:
            text = text[:start] + block + text[end + len(GENERATED_END) :]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        text = _DEFAULT_PAGE_HEAD + block + "\n"
    path.write_text(text)


def floor_of(reports: list[NamespaceReport]) -> dict[str, float]:
    """Each namespace's percentage, rounded down to 0.1: the ratchet floor."""
    return {r.namespace: math.floor(r.percent * 10 + 1e-9) / 10 for r in reports}


def below_floor(reports: list[NamespaceReport], floor: dict[str, float]) -> list[str]:
    """Lines naming each namespace below its recorded floor (or missing from the measurement)."""
    by_name = {r.namespace: r for r in reports}
    problems = []
    for namespace, minimum in floor.items():
        r = by_name.get(namespace)
        if r is None:
            problems.append(f"{namespace}: not measured (floor {minimum} %)")
        elif r.percent + 1e-9 < minimum:
            problems.append(f"{namespace}: {r.percent:.1f} % < floor {minimum} %; missing {r.missing}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", metavar="PATH", help="write the report into this markdown file")
    parser.add_argument("--check", action="store_true", help="exit 1 when a namespace is below its target")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    parser.add_argument("--write-floor", action="store_true", help=f"record the percentages in {FLOOR_PATH.name}")
    args = parser.parse_args(argv)

    reports = measure()
    keras = sys.modules["keras"]
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        print(render_table(reports))
    if args.markdown:
        write_markdown(Path(args.markdown), render_markdown(reports, keras.__version__))
    if args.write_floor:
        FLOOR_PATH.write_text(json.dumps(floor_of(reports), indent=2) + "\n")
    if args.check:
        below = [r for r in reports if not r.meets_target]
        for r in below:
            print(f"below target: {r.namespace} {r.percent:.1f} % < {r.target:.0f} %", file=sys.stderr)
        if below:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
