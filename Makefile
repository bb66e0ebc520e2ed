# The two commands a new user needs (README): `make demo` and `make test`.
# Both build the environment from the package registry first, so they work on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
export IMDI_HOME ?= $(CURDIR)/var
export DAGSTER_HOME ?= $(IMDI_HOME)/dagster

.PHONY: demo test test-deep test-spark lint env manifest dev portal bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

env: $(STAMP)

# dagster-dbt needs dbt's manifest; it is prepared here, never at import time.
manifest: env
	$(BIN)/imdi prepare

# Main job on the bundled demo data: generate -> land -> ingest -> validate -> dbt build ->
# checks -> publish -> quarterly report. Prints where the results are.
demo: manifest
	$(BIN)/imdi demo

lint: env
	$(BIN)/ruff check pipelines benchmarks tests
	$(BIN)/ruff format --check pipelines benchmarks tests
	$(BIN)/lint-imports
	$(BIN)/sqlfluff lint dbt_project/models --disable-progress-bar

test: manifest lint
	$(BIN)/pytest -q

# The `spark` extra (dbt-spark, pyspark), kept out of `make test`'s environment.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,spark]'
	touch $(SPARK_STAMP)

# The dbt project on Apache Spark (local[2], needs Java 17): demo data -> DuckDB, raw tables ->
# Parquet, `dbt build` on both engines, every mart compared (tests/spark, docs/SCALING.md).
test-spark: manifest $(SPARK_STAMP)
	$(BIN)/pytest -q -s -m spark tests/spark

# The scenario property test with 200 generated scenarios (Hypothesis profile "deep", random
# seed; `make test` runs 16 derandomized ones besides the 9 named cases). See docs/testing.md.
test-deep: manifest
	$(BIN)/pytest -q --hypothesis-profile=deep --hypothesis-show-statistics \
		tests/integration/test_scenarios_property.py

# The Dagster UI with the asset graph, sensor and quarterly schedule.
dev: manifest
	$(BIN)/dagster dev -w workspace.yaml

# The programme leaders' upload portal (http://127.0.0.1:8000); tokens: `.venv/bin/imdi token issue`.
portal: manifest
	$(BIN)/imdi portal

# Benchmarks at 10 k, 100 k and 1 M participants (see docs/benchmarks.md).
bench: manifest
	$(BIN)/imdi bench

clean:
	rm -rf var dbt_project/target dbt_project/logs
