# Two commands on a fresh machine (Python >= 3.11 and make):
#   make review   set up .venv, import decks/ and open today's review
#   make test     set up .venv with the test extras and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
MUTATE_STAMP := $(VENV)/.installed-mutate

.PHONY: review test lint install install-test bench mutate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

review: $(STAMP)
	$(BIN)/srs import
	$(BIN)/srs review

# The linters (CONTRIBUTING.md): ruff (lint and import order), mypy against its baseline that
# only shrinks (tools/mypy-baseline.txt), the layer contracts (import-linter, pyproject.toml);
# the house rules (sizes, imports inside functions) are tests/test_house.py, run with the suite.
lint: $(TEST_STAMP)
	$(BIN)/ruff check srs tests bench tools
	$(BIN)/python tools/mypy_ratchet.py
	$(BIN)/lint-imports

# The linters first, then the suite runs twice: on SQLite, then on a PostgreSQL server the fixtures start themselves
# (tests/postgres.py), when the server binaries are installed (.ci/run installs them).
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if $(BIN)/python tests/postgres.py >/dev/null; then \
		echo "== the suite again on PostgreSQL (SRS_TEST_BACKEND=postgresql) =="; \
		SRS_TEST_BACKEND=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS); \
	else \
		echo "== PostgreSQL server binaries not found: PostgreSQL run skipped (apt-get install postgresql) =="; \
	fi

# The benchmark (BENCHMARKS.md): full sizes by default, e.g. BENCH_ARGS=--quick for a small run.
# It needs nothing beyond the test extra (numpy and fsrs-rs-python are dependencies of srs).
bench: $(TEST_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

$(MUTATE_STAMP): pyproject.toml $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,mutate]"
	touch $@

# Mutation testing with mutmut (tools/mutate.py; the areas are [tool.srs.mutate.*] in pyproject.toml):
# one small bug at a time in the parser, identity, scheduling, review queue, JSON transfer and stats
# modules, each area run against its own tests in .mutate/AREA/. Never part of make test: all areas
# take hours on 2 cores, so AREA picks some (parser identity scheduling queue transfer stats) and
# MUTANTS some mutants of one area, e.g. make mutate AREA=transfer MUTANTS='srs.domain.transfer_values*'.
# Prints the surviving mutants and, per area, the counts, the score and the time taken.
AREA ?=
MUTANTS ?=
MUTATE_CHILDREN ?= 2
mutate: $(MUTATE_STAMP)
	$(BIN)/python tools/mutate.py $(AREA) --max-children $(MUTATE_CHILDREN) $(if $(MUTANTS),--mutants $(foreach m,$(MUTANTS),'$(m)'))

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info mutants .mutate
