# The verbs people use. `make run` and `make test` work on a fresh clone with only python3 ≥ 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres lint format e2e messages clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Migrate, load the demo offices if the database is empty, and serve on http://127.0.0.1:$(PORT)
run: install
	$(PY) manage.py serve --port $(PORT)

## The whole suite: SQLite, then PostgreSQL when one is reachable (DATABASE_URL or 127.0.0.1:5432)
test: install
	scripts/test

test-sqlite: install
	scripts/test --sqlite-only

test-postgres: install
	scripts/test --postgres-only

## Browser journeys only (Playwright + Debian Chromium)
e2e: install
	$(VENV)/bin/pytest -m browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Rebuild the message catalogues (needs GNU gettext)
messages: install
	cd antrean && ../$(PY) ../manage.py makemessages -l en --no-location --ignore 'testing/*'
	cd antrean && ../$(PY) ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var/test*.sqlite3 .pytest_cache .ruff_cache
