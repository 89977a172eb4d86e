# «Выпускник» — the two set-up commands of the README: `make run` and `make test`.
# Both work on a fresh machine with only Python 3.11+ and make: they create .venv and install the
# project (runtime dependencies for `run`, plus the dev extra for `test`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
DEMO_DB := data/demo.duckdb
PORT ?= 8501

.PHONY: run test lint typecheck demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

# Built once; a failed build leaves no file behind (vypusk init builds into a temporary file).
$(DEMO_DB): | $(RUN_STAMP)
	$(VENV)/bin/vypusk init --sample --db $(DEMO_DB)

demo: $(DEMO_DB)

run: $(RUN_STAMP) $(DEMO_DB)
	@echo "«Выпускник»: http://localhost:$(PORT)  (демо: demo_ministry, demo_territory, demo_base, demo_college; пароль demo)"
	MALLOC_ARENA_MAX=2 VYPUSK_DB=$(DEMO_DB) $(VENV)/bin/streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy app.py data_layer metrics ops reports cli demo ui pages benchmarks

test: $(DEV_STAMP)
	$(MAKE) lint typecheck
	$(VENV)/bin/python -m pytest --durations=15

bench: $(DEV_STAMP)
	$(PY) benchmarks/run.py --graduates 100000 --json benchmarks/out/bench_100k.json

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
