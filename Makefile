# The newcomer's two commands: `make run` and `make test`. Both start from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint format install install-test browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	SCHOOL_ENV=$${SCHOOL_ENV:-development} $(BIN)/flask db upgrade
	SCHOOL_ENV=$${SCHOOL_ENV:-development} $(BIN)/flask demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops)"
	SCHOOL_ENV=$${SCHOOL_ENV:-development} $(BIN)/flask run --host $(HOST) --port $(PORT)

# Installs Debian's headless Chromium for the browser tests when it is missing and we can.
browser:
	@bash scripts/ensure-chromium

test: install-test browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
