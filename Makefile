# Every target creates .venv and installs what is missing, so each works as the first command on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# `make run` needs only the package and its own dependencies (what `pip install` of the project brings), so a
# first run on a fresh machine is quick; everything else (tests, linters, moto, boto3) comes with the dev extra.
RUN_STAMP := $(VENV)/.installed-run
STAMP     := $(VENV)/.installed

.PHONY: run test check lint typecheck bench clean package skill-package template-check model corpus

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/muscle-coach chat

test: $(STAMP) node_modules
	$(BIN)/python -m pytest

# virtual-alexa for the end-to-end tests, exactly as locked.
node_modules: package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules

lint: $(STAMP)
	$(BIN)/ruff check skill tests lambda benchmarks scripts
	$(BIN)/ruff format --check skill tests lambda benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy skill
	MYPYPATH=scripts:tests/functional $(BIN)/mypy scripts benchmarks/cold_start.py tests/functional/test_package.py

check: lint typecheck template-check test

bench: $(STAMP)
	$(BIN)/python benchmarks/engine_bench.py
	$(BIN)/python benchmarks/resolver_bench.py
	$(BIN)/python benchmarks/cold_start.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	rm -rf $(TOOLS) skill-package/interactionModels

# The AWS SAM CLI conflicts with the dev dependencies, so it gets its own venv, created on first use.
TOOLS       := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed

$(TOOLS_STAMP):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet 'aws-sam-cli>=1.170,<2'
	touch $(TOOLS_STAMP)

# The SAM template, linted by cfn-lint and validated and linted by SAM itself; both work offline.
template-check: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(TOOLS)/bin/sam validate --lint --template template.yaml --region us-east-1

# The Lambda zip template.yaml deploys (build/muscle-coach.zip), and its unpacked form (build/package/).
package: $(STAMP)
	$(BIN)/python scripts/build_package.py

# The phrasing corpus (tests/corpus/) through virtual-alexa and the chat resolver: both understanding rates, the misses.
corpus: $(STAMP) node_modules
	$(BIN)/python tests/e2e/phrasing_corpus.py

# The interaction models, one per locale, generated from their grammar (interaction_models/source/en-US.yaml, and each
# locale's overlay on it) and the knowledge base's lexicon; a test fails when interaction_models/<locale>.json is
# stale or was edited by hand.
model: $(STAMP)
	$(BIN)/python scripts/generate_model.py

# The interaction models, copied to where the ASK CLI deploys them from.
skill-package:
	mkdir -p skill-package/interactionModels/custom
	cp interaction_models/*.json skill-package/interactionModels/custom/
