# Two commands a person needs: `make lab` (open the lessons) and `make test` (run every test).
# Each creates .venv and installs the pinned dependencies on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lab test notebooks bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Jupyter refuses to run as root unless told to; containers and some course machines run
# everything as root, so say so there (the token and 127.0.0.1 stay as they are).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

lab: install
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT) $(LAB_ARGS)

test: install
	$(BIN)/python -m pytest

notebooks: install
	$(BIN)/python tools/execute_notebooks.py

bench: install
	$(BIN)/python tools/bench.py

.PHONY: screenshot
screenshot: install
	$(BIN)/python tools/screenshot.py

lint: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check kit tests tools

clean:
	rm -rf $(VENV)
