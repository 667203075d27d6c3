# MemberOps Copilot — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install fonts run test lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) fonts

## fonts: a CJK font for the charts' Chinese labels (installs fonts-wqy-microhei where it may)
fonts:
	@sh scripts/ensure-cjk-font

## run: create the venv if needed, load demo data into an empty database, start the service
run: install
	$(BIN)/memberops init --demo
	$(BIN)/memberops serve

## test: ruff, then the whole test suite (storage tests on SQLite and PostgreSQL)
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: every script in bench/, in its own venv with the anchors (pysyncon, statsforecast: they pin pandas < 3)
BENCH_VENV ?= .venv-bench
bench:
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e '.[dev,bench]'
	@for script in bench/*.py; do echo "== $$script"; $(BENCH_VENV)/bin/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .ruff_cache
