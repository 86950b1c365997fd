# The everyday commands. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: setup browser test-tools stack-deps run test test-pg test-stack lint format schema check bench ci clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

## Debian's Chromium for the browser tests (tests/e2e); installs only when missing.
browser:
	ops/install-browser.sh

## Debian's shellcheck, python3-websocket and systemd-analyze for tests/ops; only when missing.
test-tools:
	ops/install-test-tools.sh

## Debian's nginx (and its brotli module) for tests/stack; installs only when missing.
stack-deps:
	ops/install-proxy.sh

## Set up and start everything (SQLite, in-memory channel layer, Huey, demo data).
run: setup
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py serve

## Set up and run the whole suite on the embedded default (SQLite).
test: setup browser test-tools
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

## The same suite against PostgreSQL and Redis.
test-pg: setup browser test-tools
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) $(BIN)/pytest -n auto $(PYTEST_ARGS)

## The production stack end to end (tests/stack: ops/entrypoint.sh, two web processes and a
## worker behind nginx over https) on PostgreSQL + Redis; `make test` leaves it out.
test-stack: setup stack-deps
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) $(BIN)/pytest -m stack tests/stack $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check backend schema tests ops
	$(BIN)/mypy backend schema
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format backend schema tests ops

## Write schema/schema.graphql from the code (a test fails when it drifts).
schema: setup
	$(BIN)/python manage.py export_schema schema.build:schema --path schema/schema.graphql

check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

bench: setup
	$(BIN)/python ops/bench/availability.py
	$(BIN)/python ops/bench/booking.py

ci:
	.ci/run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
