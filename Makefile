# The two front-door commands (see README.md):
#   make serve   Voilà serving workbooks/ on data/ccm.sqlite (demo meeting if empty), with links
#   make test    everything CI runs: set-up, lint, types, unit, workbook and browser tests
# Both do their own set-up on a fresh machine: .venv, packages, Debian's Chromium (and, for
# the tests, Debian's PostgreSQL, which the tests start themselves on 127.0.0.1, and
# JupyterHub's proxy from the npm registry, for the test of the JupyterHub deployment, and
# Debian's nginx, for the test of the TLS proxy's sample configuration).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8866
IP ?= 127.0.0.1

.PHONY: serve test lint bench setup chromium postgres hub-proxy nginx clean

$(STAMP): pyproject.toml setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# setuptools installs no data files in editable mode: link them where a wheel puts them
	@# (pyproject.toml's data-files; tests/test_package.py checks the two agree), so that
	@# Jupyter finds the ccm template and the server extension, and edits show at once.
	@mkdir -p $(VENV)/share/jupyter/voila/templates $(VENV)/etc/jupyter/jupyter_server_config.d
	@rm -rf $(VENV)/share/jupyter/voila/templates/ccm  # a copy an earlier pip install . left
	@ln -s $(CURDIR)/ccm_widgets/templates/voila/templates/ccm $(VENV)/share/jupyter/voila/templates/ccm
	@ln -sf $(CURDIR)/jupyter-config/jupyter_server_config.d/ccm_widgets.json $(VENV)/etc/jupyter/jupyter_server_config.d/
	@touch $(STAMP)

setup: $(STAMP) chromium

chromium:
	@./scripts/ensure-chromium

postgres:
	@./scripts/ensure-postgres

hub-proxy:
	@./scripts/ensure-hub-proxy

nginx:
	@./scripts/ensure-nginx

serve: setup
	$(BIN)/ccm serve --ip $(IP) --port $(PORT) $(if $(PUBLIC_URL),--public-url $(PUBLIC_URL))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup postgres hub-proxy nginx lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
