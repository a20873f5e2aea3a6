# The verbs people use. `make run` and `make test` work on a fresh clone with only python3 ≥ 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: install dev-env run test test-sqlite test-postgres lint format e2e bench rush probe messages clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Development keys in .env (production sets its own; see .env.example)
dev-env:
	@$(PYTHON) scripts/dev_env.py

## Migrate, load the demo offices if the database is empty, and serve on http://127.0.0.1:$(PORT)
run: install dev-env
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

## Measured figures against the database's own limit (printed, and written as JSON under
## var/bench/); needs PostgreSQL as for make test. See docs/benchmarks.md
bench: install dev-env
	scripts/bench

## Quota rush, crash rush and scalper simulation on PostgreSQL; exits non-zero on any failed
## check. See docs/rush.md
rush: install dev-env
	scripts/rush

## The outside security probe of issue 11, repeated over HTTP against a real `manage.py serve`
## (SQLite; PROBE_DATABASE_URL=postgres://…/<name> for PostgreSQL, created and dropped); prints
## a table and exits non-zero on any FAIL. See docs/security-notes/probe.md
probe: install
	$(PY) scripts/security_probe.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Rebuild the English catalogue from the Indonesian msgids, then compile it (needs GNU gettext).
## Runs inside antrean/: from the root, compilemessages would also recompile every installed
## package's catalogue under .venv, and makemessages would scan var/ and scripts/. Tests and
## test helpers are skipped.
## The last line counts what is left: translate any untranslated or fuzzy entry in $(MESSAGES_PO).
MESSAGES_IGNORE := --ignore 'testing/*' --ignore 'tests/*' --ignore 'test_*.py' --ignore 'conftest.py'
MESSAGES_PO := antrean/locale/en/LC_MESSAGES/django.po
messages: install dev-env
	cd antrean && $(abspath $(PY)) ../manage.py makemessages -l en --add-location=file \
		--no-obsolete $(MESSAGES_IGNORE)
	cd antrean && $(abspath $(PY)) ../manage.py compilemessages -l en
	msgfmt --check --statistics -o /dev/null $(MESSAGES_PO)

clean:
	rm -rf $(VENV) var/test*.sqlite3 .pytest_cache .ruff_cache
