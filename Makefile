# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint clean

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

bench: install
	$(BIN)/python -m compileall -q unikeras  # fresh bytecode for the import-time figures
	$(BIN)/python benchmarks/suite.py
	$(BIN)/python benchmarks/import_time.py
	$(BIN)/python benchmarks/compiled_steps.py

lint: install
	$(BIN)/ruff check unikeras tests examples benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
