# Two commands do all the set-up on a fresh machine with Python 3.11: `make demo`, `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Re-install whenever pyproject.toml changes.
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

MANIFEST := sql/dbt/target/manifest.json

.PHONY: demo test dev dashboard lint format bench clean-state help manifest browser

help:
	@echo "make demo   - install, start the embedded PostgreSQL, migrate, run the main job"
	@echo "make test   - install with test extras and run the test suite"
	@echo "make dev    - open the Dagster UI on the same embedded PostgreSQL"
	@echo "make dashboard - the KPI dashboard on the marts (after make demo)"
	@echo "make docs   - generate and serve dbt's documentation site"
	@echo "make lint   - ruff check + format check"
	@echo "make bench  - run the benchmarks (bench/), results in docs/benchmarks.md"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BASE_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BASE_STAMP) $@

# The dbt manifest Dagster loads the models from; parsing needs no database.
$(MANIFEST): $(BASE_STAMP) $(shell find sql/dbt/models sql/dbt/macros sql/dbt/tests -type f 2>/dev/null) sql/dbt/dbt_project.yml
	cd sql/dbt && DO_NOT_TRACK=1 ../../$(BIN)/dbt parse --profiles-dir . --quiet

manifest: $(MANIFEST)

demo: $(BASE_STAMP) $(MANIFEST)
	$(BIN)/phc-analytics run

# PYTEST_ARGS narrows a run, e.g. make test PYTEST_ARGS='-m "not slow"'. TEST_WORKERS=0 runs
# in one process; groups of tests that share a session fixture stay on one worker
# (docs/testing.md). The workers keep both cores busy, so each dbt invocation builds two models
# at a time, not four: more threads would only add lock contention.
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
TEST_DBT_THREADS ?= 2
test: $(TEST_STAMP) $(MANIFEST) browser
	PHC_DBT_THREADS=$(TEST_DBT_THREADS) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup \
	  --no-loadscope-reorder $(PYTEST_ARGS)

# The UI test drives a headless Chromium: Debian's chromium and chromium-driver, installed once.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  echo "installing chromium and chromium-driver (Debian packages) for the UI test"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    --no-install-recommends chromium chromium-driver >/dev/null; \
	fi

dev: $(BASE_STAMP) $(MANIFEST)
	$(BIN)/phc-analytics dev

# The KPI dashboard on the marts `make demo` built (http://127.0.0.1:8501).
dashboard: $(BASE_STAMP)
	$(BIN)/phc-analytics dashboard

# dbt's documentation site, generated into .phc/dbt_docs and served on http://127.0.0.1:8080.
.PHONY: docs
docs: $(BASE_STAMP) $(MANIFEST)
	$(BIN)/phc-analytics docs

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BENCH_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BASE_STAMP) $(TEST_STAMP) $@

bench: $(BENCH_STAMP) $(MANIFEST)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.many_shops

# Stops the embedded server and deletes every local state file (.phc/).
clean-state: $(BASE_STAMP)
	-$(BIN)/phc-analytics db stop
	rm -rf .phc .env
