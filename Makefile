# Junipeer: `make run` serves the demo with a worker; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export SITE_URL ?= http://127.0.0.1:$(PORT)

# Unset, DJANGO_ENV means production (junipeer/settings.py): every target here says what it runs as.
run migrate seed chaos bench bench-cluster: export DJANGO_ENV = development
test test-services: export DJANGO_ENV = test

.PHONY: run test test-services lint chaos bench bench-cluster chromium install install-dev migrate seed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve the app on 127.0.0.1:$(PORT) with a django-q2 worker, after migrating and seeding the demo.
run: seed
	PORT=$(PORT) BIN=$(BIN) scripts/serve.sh

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

## The whole suite on the embedded default (SQLite + ORM broker), over TEST_WORKERS processes
## (pytest-xdist; each has its own test database and Redis prefix). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: install-dev chromium
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

## The same suite on PostgreSQL + Redis (what a scaled-out install uses).
test-services: install-dev chromium
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/junipeer} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

## Style (ruff) and the layers (import-linter contracts in pyproject.toml).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## The fault-injection suite: real workers against the sandbox under faults; prints figures.
chaos: install-dev
	$(BIN)/python manage.py chaos

## The orders flow measured against the sandbox: Fortnox's ceiling at 300 ms answers, and the engine's
## own cost per invoice (CPU, SQL, HTTP, memory) without limits. N=200 by default; `make bench N=50`.
N ?= 200
bench: install-dev
	$(BIN)/python manage.py bench --n $(N)

## Many shops on a cluster: 4 qcluster workers on PostgreSQL + Redis, 20 sandbox tenants (one
## integration each, shipments seeded); total invoices/s, each tenant's peak against its limit, 429s.
## A database and a Redis db of its own: BENCH_DATABASE_URL, BENCH_REDIS_URL.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/junipeer_bench_cluster
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/3
bench-cluster: install-dev
	-createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_DATABASE_URL)) 2>/dev/null
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python manage.py bench_cluster
