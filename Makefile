# Anxin: the two commands a newcomer needs.
#   make demo   build the environment, migrate an embedded SQLite database, load the demo city, serve
#   make test   build the environment and run the whole suite (and again on PostgreSQL when
#               ANXIN_TEST_POSTGRES_URL names one, as CI does)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/anxin demo

# One pytest worker per core (pytest-xdist), each on a database of its own; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal

test: $(STAMP)
	$(PYTEST)
	@if [ -n "$$ANXIN_TEST_POSTGRES_URL" ]; then \
		echo "== the same suite on PostgreSQL"; \
		ANXIN_TEST_DATABASE_URL="$$ANXIN_TEST_POSTGRES_URL" $(PYTEST); \
	fi

screenshots: $(STAMP)
	ANXIN_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q
	$(BIN)/python docs/screenshots/demo_city.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks migrations
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache
