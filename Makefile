# The README's commands. Everything runs from the virtual environment in .venv, which
# these targets create and keep in step with pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test package bench lint typecheck clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Local use: the bot in dev mode (SQLite in ./data, no credentials) plus the Microsoft 365
# Agents Playground, a local Teams client, with a group chat of six colleagues.
run: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m assistant local

test: $(STAMP) $(NODE_STAMP) lint typecheck
	$(BIN)/python -m pytest

# The Teams app package for an admin to upload: build/goedgesprek.zip (settings: .env.example).
package: $(STAMP)
	$(BIN)/python -m assistant package

# Card clicks per second and latency against a stock Teams SDK bot, and memory (not a test).
bench: $(STAMP)
	$(BIN)/python benchmarks/card_clicks.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .mypy_cache .ruff_cache .hypothesis
