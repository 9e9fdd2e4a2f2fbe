# The two commands: `make run` (a working CRM on http://127.0.0.1:8000) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install run test test-fast lint format migrate users seed chromium bench ci clean

# The settings default to the production profile; the laptop commands choose development explicitly (the tests
# choose crm.settings.test through pyproject.toml).
run migrate users seed: export DJANGO_ENV = development

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

users: install
	$(PY) manage.py create_demo_users --reset

seed: migrate
	$(PY) manage.py seed_demo

run: migrate
	$(PY) manage.py create_demo_users
	$(PY) manage.py seed_demo
	$(PY) manage.py runstack

# Debian's Chromium for the browser tests (never a browser download). Needs root; skipped quietly otherwise,
# and then the browser tests are skipped too (outside CI, where they are required).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium: install failed; browser tests will be skipped"; \
	  else echo "chromium: not installed and not root; browser tests will be skipped"; fi; \
	fi

test: install chromium
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -q -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	@echo "See bench/README.md: bench scripts run against PostgreSQL with 100,000 clients."

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var db.sqlite3*
