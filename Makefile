# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test docs examples package-check bench lint coverage clean

install: $(STAMP)

# Reinstall whenever the pinned set or the package metadata changes.
$(STAMP): constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	# an editable install is not byte-compiled; without this every process compiles unikeras anew
	# (over half a second), and not at all where PYTHONDONTWRITEBYTECODE is set
	$(BIN)/python -m compileall -q unikeras
	$(BIN)/python -c "import unikeras.backends as b; [b.get(n) for n in ('torch', 'tensorflow', 'jax', 'mxnet')]"
	touch $(STAMP)

demo: install
	$(BIN)/python examples/digits_mlp.py

test: install
	UNIKERAS_REQUIRE_ALL_BACKENDS=$${UNIKERAS_REQUIRE_ALL_BACKENDS:-0} $(BIN)/python -m pytest -q -n auto --maxprocesses=4 tests

# The documentation site (MkDocs, material theme) into build/site; any warning fails the build.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

# Every example in its quick mode on every installed backend, each in its own process.
examples: install
	$(BIN)/python tools/run_examples.py

# Build the sdist and wheel, install the wheel in a clean venv with one backend extra, train there
# (needs the package registry; a few minutes).
package-check: install
	$(BIN)/python -m pytest -q packaging_tests

bench: install
	$(BIN)/python -m compileall -q unikeras  # fresh bytecode for the import-time figures
	$(BIN)/python benchmarks/suite.py
	$(BIN)/python benchmarks/import_time.py
	$(BIN)/python benchmarks/compiled_steps.py
	$(BIN)/python benchmarks/distributed_scaling.py

# The Keras 3 API coverage per namespace (tools/api_coverage.py; --markdown docs/keras-compatibility.md rewrites the page).
coverage: install
	$(BIN)/python tools/api_coverage.py

lint: install
	$(BIN)/ruff check unikeras tests examples benchmarks tools packaging_tests docs/*.py

clean:
	rm -rf $(VENV) build dist site *.egg-info
