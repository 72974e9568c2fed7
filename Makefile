# One entry per job; .ci/run calls `scripts/with-postgres make test`: the README's test command
# with a throwaway PostgreSQL server, so the storage tests run on it as well as on SQLite.
.PHONY: setup test test-pg check lint typecheck pytest selfaudit docs demo bench

VENV ?= .venv
PY := $(VENV)/bin/python

setup:
	./scripts/setup

# Everything CI checks: lint, types, generated docs, tests, and the project auditing itself.
test: setup check

# The same, with the storage tests also run against a throwaway local PostgreSQL server.
test-pg:
	./scripts/with-postgres $(MAKE) test

check: lint typecheck pytest selfaudit

lint:
	$(VENV)/bin/ruff format --check tracker auditors tests benchmarks migrations
	$(VENV)/bin/ruff check tracker auditors tests benchmarks migrations

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(PY) -m pytest -q

selfaudit:
	$(VENV)/bin/tracker audit . --fail-on error
	$(VENV)/bin/tracker audit data/classifier --fail-on warning

docs:
	$(VENV)/bin/tracker rules --format markdown > docs/rules.md
	$(PY) -m tracker.cli.reference > docs/cli.md
	$(PY) -m tracker.views > docs/data-dictionary.md

demo: setup
	$(VENV)/bin/tracker demo --out demo-out

bench:
	$(PY) benchmarks/bench_license_id.py
	$(PY) benchmarks/bench_audit_cold.py
