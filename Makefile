# Keepflow: `make run` starts everything locally; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint bench frontend install install-dev services clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Keepflow needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Stamps: a second run reuses what the first installed, until pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --progress-bar on -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

frontend:
	@scripts/build-frontend.sh

run: install frontend
	@mkdir -p var
	$(BIN)/python manage.py setup_demo
	@exec $(BIN)/honcho -f Procfile.dev start -p $(PORT)

services:
	@scripts/ensure-services.sh

lint: install-dev
	$(BIN)/ruff check .
	DJANGO_SETTINGS_MODULE=apps.config.settings.dev DATABASE_URL=sqlite:///:memory: \
		$(BIN)/python manage.py makemigrations --check --dry-run

test: install-dev services frontend lint
	@scripts/run-tests.sh

bench: install-dev frontend services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var frontend/node_modules static/app
