# The newcomer's two commands: `make run` and `make test`. Both start from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run test lint format install install-test browser clean

# Debian's own python3 needs the python3-venv package for `-m venv`; install it when we can.
$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing python3-venv..."; \
	    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; \
	    $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "Python cannot create a virtual environment: install python3-venv" >&2; exit 1; \
	  fi; }
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
	SCHOOL_ENV=$${SCHOOL_ENV:-development} SCHOOL_HOST=$(HOST) SCHOOL_PORT=$(PORT) \
	  $(BIN)/flask demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops)"
	SCHOOL_ENV=$${SCHOOL_ENV:-development} SCHOOL_HOST=$(HOST) SCHOOL_PORT=$(PORT) \
	  $(BIN)/flask run --host $(HOST) --port $(PORT)

# Installs Debian's headless Chromium for the browser tests, and the PDF tools (qpdf,
# pdftoppm, zbarimg) for the document tests, when they are missing and we can.
browser:
	@bash scripts/ensure-chromium
	@bash scripts/ensure-pdf-tools

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
