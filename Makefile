# The commands a newcomer needs: `make run` and `make test`. Each installs what it needs.
# `make check` is the fast loop (no server, under a minute); `make generate` rewrites every
# generated file. The same fast checks before each commit, from .pre-commit-config.yaml:
#   pip install pre-commit && pre-commit install
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What the app needs, and what its tests need too; versions pinned by requirements.lock.
APP := $(VENV)/.installed-app
INSTALLED := $(VENV)/.installed-dev
# checkov pins old packages of its own: it lives in a virtual environment of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := 3.3.30
PIP_INSTALL := $(BIN)/pip install --quiet --constraint requirements.lock
# Without bytecode caches each pytest process re-compiles and re-rewrites ~500 modules (10 s CPU).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test check lint typecheck imports generated web-lint unit pytest generate format \
	clean lock web web-check

# Parallel test processes: on 2 cores, 2 to 4 take the same time (CPU-bound); 6 is slower.
PYTEST_WORKERS ?= 3
# More pytest options for every run, e.g. PYTEST_ARGS=--durations=30.
PYTEST_ARGS ?=
# The tests `make check` runs: they need no server (tests/conftest.py holds them to that).
CHECK_TESTS := tests/unit

# The web app (web/): installed from its lock file, rebuilt when a source changes.
WEB_MODULES := web/node_modules/.package-lock.json
WEB_BUILD := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
	web/index.html web/package.json web/vite.config.ts web/tsconfig.app.json

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(APP): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $(APP)

$(CHECKOV):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==$(CHECKOV_VERSION)

$(INSTALLED): $(APP)
	$(PIP_INSTALL) -e '.[dev]'
	touch $(INSTALLED)

$(WEB_MODULES): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_BUILD): $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run build

web: $(WEB_BUILD)

# `make run` builds the web app when Node.js is there; without it the API still runs.
run: $(APP)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web; \
	else echo "make: npm not found; serving the API without the web app (install Node.js 20)"; fi
	$(BIN)/taskflow dev --port $${PORT:-8000}

# Lint, types, import layers, generated files, web lint and format, the server-free tests.
CHECKS := lint typecheck imports generated web-lint unit

# Two at a time (most are one single-threaded process), each one's output printed whole.
check:
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(CHECKS)

# The checks beside web-check, then the pytest phases less the tests the checks ran.
test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(CHECKS) web-check
	@$(MAKE) --no-print-directory pytest PYTEST_SKIP="$(CHECK_TESTS)"

# Every generated file, then the web app's TypeScript client from the new web/openapi.json.
generate: $(INSTALLED) $(WEB_MODULES)
	$(BIN)/taskflow generate
	cd web && npm run api:generate

# Types, the generated client's freshness, component tests, the build and its size budget.
web-check: $(WEB_BUILD)
	cd web && npm run typecheck && npm run api:check && npm test && npm run size

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy functions events

imports: $(INSTALLED)
	$(BIN)/lint-imports

generated: $(INSTALLED)
	$(BIN)/taskflow generate --check

web-lint: $(WEB_MODULES)
	cd web && npm run lint && npm run format:check

unit: $(INSTALLED)
	$(BIN)/pytest $(PYTEST_ARGS) $(CHECK_TESTS)

# Parallel processes (each its own database, Redis prefix, vhost; the tests of one `xdist_group`
# in one of them), then one process alone for the tests that stop a server (`exclusive`) and
# those sharing one `taskflow cluster` (`cluster`).
pytest: $(INSTALLED) $(CHECKOV) $(WEB_BUILD)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not exclusive and not cluster" \
		$(addprefix --ignore=,$(PYTEST_SKIP)) $(PYTEST_ARGS)
	$(BIN)/pytest -m "exclusive or cluster" $(PYTEST_ARGS)

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .taskflow .pytest_cache .mypy_cache .ruff_cache

# Re-pin every package after changing pyproject.toml's dependencies.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet '.[dev]'
	{ sed -n '1,2p' requirements.lock; .lock-venv/bin/pip freeze --exclude taskflow; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .lock-venv

# Longer runs than `make test` makes; each needs the real PostgreSQL, Redis and RabbitMQ on loopback.
.PHONY: bench fuzz soak
FUZZ_EXAMPLES ?= 300
# Inputs per codec and edge fuzz test (tests/unit/test_fuzz_*.py; `make check` runs 150).
FUZZ_INPUT_EXAMPLES ?= 20000
# Inputs atheris (libFuzzer) tries on the codec; what it finds goes to a temporary folder.
ATHERIS_RUNS ?= 2000000

# Every benchmark in one run: one table of figures beside their floors, saved under bench/results/.
bench: $(INSTALLED)
	$(BIN)/python -m bench.all

fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/e2e/test_fuzz_openapi.py --hypothesis-show-statistics
	FUZZ_INPUT_EXAMPLES=$(FUZZ_INPUT_EXAMPLES) $(BIN)/pytest tests/unit/test_fuzz_codec.py \
		tests/unit/test_fuzz_edge.py --hypothesis-show-statistics
	$(BIN)/python -m tests.fuzz.atheris_codec -runs=$(ATHERIS_RUNS) "$$(mktemp -d)" \
		tests/fuzz/corpus/http tests/fuzz/corpus/amqp

# The chaos soak (tests/soak): people at work while the servers are restarted and the pipeline's
# processes killed, then every operation looked for. `make test` runs one minute of it.
SOAK_SECONDS ?= 600
soak: $(INSTALLED)
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/pytest tests/soak -s -o faulthandler_timeout=0
