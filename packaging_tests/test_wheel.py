"""Packaging: build the sdist and wheel, install the wheel with one backend extra in a clean venv, train there.

Run by ``make package-check`` (not by ``make test``: it builds, creates a venv and installs from the
package registry, a few minutes). The venv gets ``unikeras[jax,datasets]`` with NumPy 2 (MXNet, which
needs NumPy 1, is absent) and pinned versions so the run repeats; the digits example is copied out
of the source tree first, so the installed wheel, not the checkout, is what runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The jax extra's framework at the tested version, with NumPy 2 and the data-set extra's scikit-learn.
PINS = [
    "jax==0.7.1",
    "jaxlib==0.7.1",
    "ml_dtypes==0.5.4",
    "numpy==2.4.6",
    "scikit-learn==1.9.1",
    "scipy==1.17.1",
]


def _run(cmd: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(cmd)} exited with {result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n"
        f"--- stderr\n{result.stderr[-4000:]}"
    )
    return result


def _clean_env(home: Path) -> dict[str, str]:
    """The environment for the venv's processes: no backend chosen, no config file, nothing from the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("UNIKERAS_BACKEND", "PYTHONPATH", "VIRTUAL_ENV")}
    env["UNIKERAS_HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], timeout=600)
    return out


@pytest.fixture(scope="module")
def venv_python(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(root)], timeout=300)
    python = root / "bin" / "python"
    wheel = next(dist.glob("unikeras-*.whl"))
    _run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[jax,datasets]", *PINS], timeout=900)
    return python


def _package_files() -> set[str]:
    """Every file of the unikeras package in the checkout (tracked or new, not ignored), as wheel paths."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "unikeras"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {name for name in listed if (REPO / name).is_file()}


def test_sdist_and_wheel_hold_the_package(dist: Path) -> None:
    wheels, sdists = list(dist.glob("unikeras-*.whl")), list(dist.glob("unikeras-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in dist.iterdir())
    package = _package_files()
    assert "unikeras/__init__.py" in package
    with zipfile.ZipFile(wheels[0]) as wheel:
        in_wheel = set(wheel.namelist())
        entry_points = next(n for n in in_wheel if n.endswith(".dist-info/entry_points.txt"))
        scripts = wheel.read(entry_points).decode()
    missing = sorted(package - in_wheel)
    assert not missing, f"package files missing from the wheel (package data?): {missing}"
    assert re.search(r"^unikeras\s*=\s*unikeras\.__main__:main$", scripts, re.M), scripts
    with tarfile.open(sdists[0]) as sdist:
        top = sdist.getnames()[0].split("/")[0]
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = sorted(({"pyproject.toml", "README.md"} | package) - in_sdist)
    assert not missing, f"files missing from the sdist {top}: {missing}"


def test_import_without_a_backend_installed_for_the_default(venv_python: Path, tmp_path: Path) -> None:
    """With no backend chosen the default is torch, which this venv lacks: the import works and imports
    no framework; the first op fails with an ImportError that says what to install."""
    probe = (
        "import json, sys\n"
        "import numpy, unikeras\n"
        "info = {'file': unikeras.__file__, 'numpy': numpy.__version__, 'backend': unikeras.config.backend(),\n"
        "        'available': unikeras.backends.available(),\n"
        "        'frameworks': sorted(m for m in ('torch', 'tensorflow', 'jax', 'mxnet') if m in sys.modules)}\n"
        "try:\n"
        "    unikeras.ops.ones((2,))\n"
        "    info['error'] = None\n"
        "except ImportError as err:\n"
        "    info['error'] = str(err)\n"
        "print(json.dumps(info))\n"
    )
    out = _run([str(venv_python), "-c", probe], timeout=300, cwd=tmp_path, env=_clean_env(tmp_path))
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(info["file"]).is_relative_to(venv_python.parents[1]), info["file"]  # the wheel, not the checkout
    assert info["numpy"].startswith("2."), info["numpy"]
    assert info["backend"] == "torch" and info["frameworks"] == [], info
    assert info["available"] == ["jax"], info
    assert info["error"] is not None and "unikeras[torch]" in info["error"], info["error"]


def test_console_script_runs(venv_python: Path, tmp_path: Path) -> None:
    out = _run(
        [str(venv_python.parent / "unikeras"), "compare", "--help"], timeout=300, cwd=tmp_path, env=_clean_env(tmp_path)
    )
    assert "--backends" in out.stdout, out.stdout


def test_digits_example_trains_from_the_wheel(venv_python: Path, tmp_path: Path) -> None:
    script = tmp_path / "digits_mlp.py"
    shutil.copy(REPO / "examples" / "digits_mlp.py", script)
    out = _run(
        [str(venv_python), str(script), "--backends", "jax", "--epochs", "3"],
        timeout=600,
        cwd=tmp_path,
        env=_clean_env(tmp_path),
    )
    rows = re.findall(r"^jax\s+(\d+\.\d+)\s+(\d\.\d+)\s*$", out.stdout, re.M)
    assert len(rows) == 1, out.stdout
    seconds, accuracy = map(float, rows[0])
    assert accuracy > 0.5, out.stdout  # 10 classes: chance is 0.1; 3 epochs reach about 0.87
