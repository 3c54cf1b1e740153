# Two commands a person needs: `make lab` (open the lessons) and `make test` (run every test).
# Each creates .venv and installs the pinned dependencies (constraints.txt) on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lab test matrix notebooks bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[lab,test]'
	touch $(STAMP)

# Jupyter refuses to run as root unless told to; containers and some course machines run
# everything as root, so say so there (the token and 127.0.0.1 stay as they are).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True,)

lab: install
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ALLOW_ROOT) $(LAB_ARGS)

test: install
	$(BIN)/python -m pytest

# The tested matrix (tools/matrix.py): the unit tests and every lesson in learner and
# solution mode on Python 3.12 and 3.13 with the pins, and on 3.12 with the oldest releases
# pyproject.toml allows. Each leg makes its own venv in .matrix/; LEGS=py313 runs one,
# MATRIX_ARGS=--jobs=3 runs the legs at once.
matrix:
	$(PYTHON) tools/matrix.py $(MATRIX_ARGS) $(LEGS)

notebooks: install
	$(BIN)/python -m tools.execute_notebooks

bench: install
	$(BIN)/python -m tools.bench

.PHONY: screenshot
screenshot: install
	$(BIN)/python -m tools.screenshot

lint: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check kit tests tools

clean:
	rm -rf $(VENV)
