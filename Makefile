# The two set-up commands of README.md. Both create .venv if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-test run test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,spark,dagster]'
	@# the quality report is checked in a real headless browser (Debian chromium)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "install Debian's chromium (apt-get install chromium) for the report test"; exit 1; }

# Build every model, seed and test on the bundled sample.
run: install
	$(BIN)/dbt build
	@echo
	@echo "Outputs: $${CREDITMART_DUCKDB_PATH:-creditmart.duckdb} (DuckDB). Public models in schema main:"
	@echo "  fct_account_months, submission_account_records, submission_person_records,"
	@echo "  fct_rule_violations, rpt_submission_reconciliation, rpt_consent_coverage"
	@echo "  e.g. $(BIN)/python -c \"import duckdb; print(duckdb.connect('creditmart.duckdb').sql('select * from rpt_submission_reconciliation order by 1'))\""
	@echo "dbt run results: target/run_results.json"

# Every test: lint, then dbt unit/data/singular tests (inside the pytest builds) and pytest scenarios.
test: install-test
	$(BIN)/ruff check src tests bench deploy
	$(BIN)/ruff format --check src tests bench deploy
	$(BIN)/python -m pytest

clean:
	rm -rf target logs creditmart.duckdb creditmart.duckdb.wal
