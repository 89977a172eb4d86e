# «Выпускник» — the two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DB := data/demo.duckdb
PORT ?= 8501

.PHONY: run test lint typecheck demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(DEMO_DB): | $(STAMP)
	$(VENV)/bin/vypusk init --sample --db $(DEMO_DB)

demo: $(DEMO_DB)

run: $(STAMP) $(DEMO_DB)
	VYPUSK_DB=$(DEMO_DB) $(VENV)/bin/streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy app.py data_layer metrics pages

test: $(STAMP)
	$(MAKE) lint typecheck
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run.py --graduates 100000 --json benchmarks/out/bench_100k.json

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
