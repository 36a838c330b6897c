# Two commands on a fresh machine: `make run` and `make test`. Both install into .venv first
# (from the locked requirements) when it is missing or older than the dependency files.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck layers pytest bench crawl install clean axe

# axe-core (the accessibility checker the browser tests run in each page), from the npm registry.
AXE_VERSION := 4.14.1
AXE := .cache/axe/node_modules/axe-core/axe.min.js

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# The daemon and, beside it, the review UI (a second process, which prints its URL); when the
# daemon stops (Ctrl-C), the UI is stopped too. `migrate` first brings the archive's schema up
# to date, so the UI never meets an archive older than itself.
run: $(STAMP)
	$(BIN)/newswatch migrate
	$(BIN)/newswatch serve & ui=$$!; trap 'kill $$ui 2>/dev/null; wait $$ui 2>/dev/null' EXIT; $(BIN)/newswatch run

crawl: $(STAMP)
	$(BIN)/newswatch crawl

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

layers: $(STAMP)
	$(BIN)/lint-imports

$(AXE):
	@if command -v npm >/dev/null; then \
		npm install --silent --prefix .cache/axe --no-audit --no-fund axe-core@$(AXE_VERSION); \
	else echo "no npm: the accessibility test will say so"; fi

axe: $(AXE)

pytest: $(STAMP) axe
	$(BIN)/pytest

test: lint typecheck layers pytest

bench: $(STAMP)
	$(BIN)/python bench/crawl_corpus.py
	$(BIN)/python bench/poll_cost.py
	$(BIN)/python bench/rule_eval.py
	$(BIN)/python bench/dedup_choice.py
	$(BIN)/python bench/dedup_cost.py
	$(BIN)/python bench/review_search.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
