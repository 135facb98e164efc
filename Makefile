# One set of commands for people and CI. `make run` serves the API; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTHON ?= python3
# PostgreSQL server the tests create their databases on (trust auth on this machine)
TEST_PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
# the Python suite (all but the fault tests) runs in this many pytest-xdist workers
PYTEST_WORKERS ?= 2
export TEST_PG_URL

# `make cluster`: PostgreSQL itself (PgBouncer's server; migrations), Redis, instances; nginx on PORT, the instances
# on the ports after it, PgBouncer on PGBOUNCER_PORT
CLUSTER_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/authgate_cluster
CLUSTER_REDIS_URL ?= redis://127.0.0.1:6379/0
CLUSTER_INSTANCES ?= 2
PGBOUNCER_PORT ?= 6432

.PHONY: help run backend-install dev-secret migrate test test-backend test-faults test-backend-rest test-frontend check bench clean lock cluster cluster-tools

help:
	@echo "make run    - install, migrate and serve the API on SQLite at http://$(HOST):$(PORT)"
	@echo "make test   - install what tests need and run every test (Python on SQLite and PostgreSQL, frontend, browser)"
	@echo "make check  - ruff (lint and format) and mypy"
	@echo "make bench  - benchmarks (PostgreSQL, wrk)"
	@echo "make demo   - the API and the example Docusaurus site"
	@echo "make contract - write the OpenAPI document, the route table and the kit's generated types (docs/contract.md)"
	@echo "make cluster - $(CLUSTER_INSTANCES) instances behind nginx on :$(PORT), PgBouncer, PostgreSQL and Redis (Ctrl-C stops all)"

# the exact versions in backend/uv.lock (`make lock` after changing pyproject.toml), the package itself editable
$(VENV)/.installed: backend/pyproject.toml backend/uv.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv
	cd backend && UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(abspath $(VENV)) \
		$(abspath $(VENV))/bin/uv sync -q --frozen --inexact --extra dev --python $(abspath $(PY))
	touch $@

lock: backend-install
	cd backend && UV_PYTHON_DOWNLOADS=never $(abspath $(VENV))/bin/uv lock --python $(abspath $(PY))

backend-install: $(VENV)/.installed

# `make run` with no configuration: a random local secret is generated once into .env (never committed)
dev-secret:
	@if [ -z "$$JWT_SECRET_KEY" ] && ! grep -qs '^JWT_SECRET_KEY=' .env; then \
		echo "JWT_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))')" >> .env; \
		echo "authgate: generated a local JWT_SECRET_KEY in .env"; \
	fi

migrate: backend-install dev-secret
	$(VENV)/bin/authgate migrate

run: migrate
	exec $(VENV)/bin/authgate serve --host $(HOST) --port $(PORT)

# every Python test (`make test` runs the same tests in two parts: test-faults, then test-backend-rest)
test-backend: backend-install cluster-tools
	cd backend && ../$(VENV)/bin/pytest -q

# the fault tests bound waits in seconds (a 0.5 s Redis call, a 1 s statement): they run alone, not beside a browser
# build that takes both cores (there a Redis call once outlasted its timeout before any fault began)
test-faults: backend-install cluster-tools
	cd backend && ../$(VENV)/bin/pytest -q -m faults

# in pytest-xdist workers, a test file each at a time (module fixtures such as the cluster start once); each worker
# has its own PostgreSQL database, SQLite file and Redis database (tests/conftest.py)
test-backend-rest: backend-install cluster-tools
	cd backend && ../$(VENV)/bin/pytest -q -m "not faults" -n $(PYTEST_WORKERS) --dist loadfile

# the installs first, once; then the fault tests alone; then the rest of the backend suite and the front end's chain
# side by side (ports of their own, databases of their own, no shared Redis keys), the front end's steps one after
# another (the two browser stacks both serve on localhost:8000 and :3000). The two sides are two shell jobs, not
# make's -j2 (under which a CI run once started the Python side 12 minutes after the other); each side's output is
# printed when both have ended, and the run fails if either side failed.
test: backend-install frontend-install e2e-install cluster-tools chromium
	$(MAKE) test-faults
	@logs=$$(mktemp -d); \
	$(MAKE) --no-print-directory test-backend-rest > $$logs/backend.log 2>&1 & backend=$$!; \
	$(MAKE) --no-print-directory test-frontend > $$logs/frontend.log 2>&1; frontend=$$?; \
	wait $$backend; backend=$$?; \
	echo "== front end (exit $$frontend)"; cat $$logs/frontend.log; \
	echo "== Python, all but the fault tests (exit $$backend)"; cat $$logs/backend.log; \
	rm -rf $$logs; test $$frontend -eq 0 && test $$backend -eq 0

test-frontend:
	$(MAKE) -j1 frontend-unit e2e e2e-quickstart pack-test

check: backend-install
	cd backend && ../$(VENV)/bin/ruff check . ../deploy && ../$(VENV)/bin/ruff format --check . ../deploy \
		&& ../$(VENV)/bin/mypy src ../deploy/cluster/cluster.py

bench: backend-install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) backend/.pytest_cache backend/.mypy_cache

# nginx and PgBouncer from Debian, for `make cluster` and its tests (backend/tests/cluster); in CI a missing one fails
cluster-tools:
	@missing=""; [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; [ -x /usr/sbin/pgbouncer ] || missing="$$missing pgbouncer"; \
	if [ -n "$$missing" ]; then \
		echo "missing:$$missing: apt-get install -y$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
			|| { [ "$$CI" = true ] && { echo "FAIL: could not install$$missing"; exit 1; } || echo "not installed:$$missing"; }; \
	fi

# N instances behind nginx (round robin), through PgBouncer (transaction mode) to PostgreSQL, on Redis; foreground
cluster: backend-install dev-secret cluster-tools
	$(PY) deploy/cluster/cluster.py --port $(PORT) --instances $(CLUSTER_INSTANCES) --pgbouncer-port $(PGBOUNCER_PORT) \
		--database-url $(CLUSTER_DATABASE_URL) --redis-url $(CLUSTER_REDIS_URL) --create-database

-include mk/frontend.mk
-include mk/contract.mk

# the quickstart's own AuthContext.tsx and login page, unchanged, in a Docusaurus dev server against this API
e2e-quickstart: backend-install chromium
	bash examples/quickstart-site/run-e2e.sh
