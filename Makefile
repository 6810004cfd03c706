# Everything the project needs, installed by the project: `make run` and `make test` are all
# the set-up a fresh machine with Python 3.11 and make needs.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Reinstalled whenever the declared dependencies change.
INSTALLED := $(VENV)/.installed
# The same, with the bench's extra (bench/README.md).
BENCH_INSTALLED := $(VENV)/.installed-bench

.PHONY: install run test lint format migrate rollback migrations bench clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(INSTALLED)  ## serve the API (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/python -m socialproof serve

test: $(INSTALLED)  ## lint, then the whole suite (embedded PostgreSQL unless TEST_DATABASE_URL is set)
	$(BIN)/ruff check socialproof tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check socialproof tests bench
	$(BIN)/ruff format --check socialproof tests bench

format: $(INSTALLED)
	$(BIN)/ruff format socialproof tests bench
	$(BIN)/ruff check --fix socialproof tests bench

migrate: $(INSTALLED)  ## apply pending migrations to DATABASE_URL (or the embedded server)
	$(BIN)/python -m socialproof migrate apply

rollback: $(INSTALLED)  ## roll back the last migration (COUNT=n for more, COUNT=0 for all)
	$(BIN)/python -m socialproof migrate rollback --count $(or $(COUNT),1)

migrations: $(INSTALLED)  ## list migrations, applied and pending
	$(BIN)/python -m socialproof migrate list

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# The benchmark (bench/README.md): the service under wrk next to its floors, a report in
# bench/results/. Arguments through BENCH_ARGS, e.g. make bench BENCH_ARGS="endpoints".
.PHONY: bench-smoke wrk

$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# wrk drives the load: Debian's package, installed when missing and run as root (the bench
# says how otherwise).
wrk:
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || { apt-get install -y -qq wrk \
		|| { apt-get update -qq && apt-get install -y -qq wrk; }; } >/dev/null 2>&1 || true

bench: $(BENCH_INSTALLED) wrk  ## every route next to its floors, then known wins and scaling (~10 min)
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-smoke: $(BENCH_INSTALLED) wrk  ## the bench in seconds, as CI runs it: fails on errors, times nothing
	$(BIN)/python -m bench --smoke $(BENCH_ARGS)
