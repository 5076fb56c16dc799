# The commands a newcomer needs: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint typecheck pytest format clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/taskflow dev --port $${PORT:-8000}

test: lint typecheck pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy functions events

pytest: $(INSTALLED)
	$(BIN)/pytest

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .taskflow .pytest_cache .mypy_cache .ruff_cache

# Longer runs than `make test` makes; each needs the real PostgreSQL and Redis on loopback.
.PHONY: bench fuzz
FUZZ_EXAMPLES ?= 300

bench: $(INSTALLED)
	$(BIN)/python -m bench.cold_start
	$(BIN)/python -m bench.list_tasks

fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/e2e/test_fuzz_openapi.py --hypothesis-show-statistics
