# Every target creates .venv and installs what is missing, so each works as the first command on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test check lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/muscle-coach chat

test: $(STAMP) node_modules
	$(BIN)/python -m pytest

# virtual-alexa for the end-to-end tests, exactly as locked.
node_modules: package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules

lint: $(STAMP)
	$(BIN)/ruff check skill tests lambda benchmarks
	$(BIN)/ruff format --check skill tests lambda benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy skill

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python benchmarks/engine_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
