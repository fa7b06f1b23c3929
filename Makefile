# Two entry points for a fresh machine: `make run` (the app) and `make test` (the tests).
# Each creates its own virtual environment in .venv and installs what it needs.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 5000
BIN = $(VENV)/bin

.PHONY: run test bench browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.app

run: $(VENV)/.app
	$(BIN)/plankb serve --host $(HOST) --port $(PORT)

browser-deps:
	bash scripts/install-browser-deps.sh

test: $(VENV)/.test browser-deps
	$(BIN)/python -m pytest

bench: $(VENV)/.test
	$(BIN)/python bench/run.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/graph.py

clean:
	rm -rf $(VENV) build *.egg-info
