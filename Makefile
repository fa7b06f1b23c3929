# Two entry points for a fresh machine: `make run` (the app) and `make test` (the tests).
# Each creates its own virtual environment in .venv and installs the exact versions locked
# in requirements/ (app.txt, test.txt), compiled from the ranges in setup.cfg by `make lock`.
# On a closed intranet: `make wheelhouse` on a machine with internet, carry the folder
# over, and `make run` installs from it with no network at all.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 5000
WHEELHOUSE ?= wheelhouse
BIN = $(VENV)/bin
LOCK_VENV ?= .venv-lock
APP_LOCK = requirements/app.txt
TEST_LOCK = requirements/test.txt

# A wheelhouse beside the Makefile means: install from it only, never from an index.
ifneq ($(wildcard $(WHEELHOUSE)/*.whl),)
PIP_FROM = --no-index --find-links $(WHEELHOUSE)
endif

.PHONY: run test bench browser-deps lock wheelhouse clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(PIP_FROM) --upgrade pip

$(VENV)/.app: $(BIN)/python setup.cfg pyproject.toml $(APP_LOCK)
	$(BIN)/pip install -q $(PIP_FROM) -r $(APP_LOCK) -e .
	touch $@

$(VENV)/.test: $(BIN)/python setup.cfg pyproject.toml $(TEST_LOCK)
	$(BIN)/pip install -q $(PIP_FROM) -r $(TEST_LOCK) -e .
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

# Recompile the locks after a dependency is added to (or changed in) setup.cfg.
# Versions already locked are kept; `make lock UPGRADE=1` moves every pin to the newest
# release the ranges allow. Commit requirements/*.txt together with setup.cfg.
LOCK_FLAGS = -q --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
	$(if $(UPGRADE),--upgrade)
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install -q --upgrade pip pip-tools; }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) \
		-o $(APP_LOCK) setup.cfg
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) \
		--extra test -c $(APP_LOCK) -o $(TEST_LOCK) setup.cfg

# Every wheel `make run` needs (the locked app, plus pip, setuptools and wheel to install
# plankb itself), built for this machine's Python and OS: make it on a machine like the
# intranet server (same Python minor version, Linux x86-64). Sdist-only packages (jieba)
# are built into wheels here, so the intranet needs no compiler and no index.
wheelhouse: $(BIN)/python
	mkdir -p $(WHEELHOUSE)
	$(BIN)/pip wheel -q -w $(WHEELHOUSE) -r $(APP_LOCK) pip 'setuptools>=64' wheel

clean:
	rm -rf $(VENV) $(LOCK_VENV) build *.egg-info
