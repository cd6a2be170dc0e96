# Keepflow: `make run` starts everything locally; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint typecheck bench frontend install install-dev clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Keepflow needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Stamps: a second run reuses what the first installed, until pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --progress-bar on -e .
	@touch $@

# The example block package (entry point keepflow.blocks) is part of the dev install: the
# suite checks that package blocks load, validate and run (tests/blocks/test_packages.py).
$(VENV)/.installed-dev: pyproject.toml examples/keepflow-blocks-example/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --progress-bar on -e '.[dev]' -e examples/keepflow-blocks-example
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

frontend:
	@scripts/build-frontend.sh

# PostgreSQL and Redis embedded (from their wheels) unless DATABASE_URL / REDIS_URL are set;
# then gunicorn, a Celery worker and beat from the Procfile. Ctrl-C stops all of them.
run: install frontend
	@exec $(BIN)/python -m apps.config.embedded run

lint: install-dev
	$(BIN)/ruff check .

# mypy with the Django, DRF and pydantic plugins: strict on blocks/ and apps/engine/
# (see [tool.mypy] in pyproject.toml for what is checked how).
typecheck: install-dev
	$(BIN)/mypy

# The machine's PostgreSQL and Redis where they answer, embedded ones where not.
test: install-dev frontend lint typecheck
	@scripts/run-tests.sh

bench: install-dev frontend
	@scripts/with-services.sh $(BIN)/python -m bench

clean:
	rm -rf $(VENV) var frontend/node_modules static/app .mypy_cache
