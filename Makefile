# The two front-door commands (see README.md):
#   make serve   Voilà serving workbooks/ on data/ccm.sqlite (demo meeting if empty), with links
#   make test    everything CI runs: set-up, lint, types, unit, workbook and browser tests
# Both do their own set-up on a fresh machine: .venv, packages, Debian's Chromium (and, for
# the tests, Debian's PostgreSQL, which the tests start themselves on 127.0.0.1).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8866
IP ?= 127.0.0.1

.PHONY: serve test lint bench setup chromium postgres clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP) chromium

chromium:
	@./scripts/ensure-chromium

postgres:
	@./scripts/ensure-postgres

serve: setup
	$(BIN)/ccm serve --ip $(IP) --port $(PORT) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup postgres lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
