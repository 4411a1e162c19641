# Two commands for a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
export HF_HUB_OFFLINE = 1
export ANONYMIZED_TELEMETRY = False
export GRADIO_ANALYTICS_ENABLED = False

.PHONY: install demo test lint bench clean

$(BIN)/xxgk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first, so no dependency pulls a CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/xxgk

install: $(BIN)/xxgk

demo: install
	$(BIN)/xxgk demo

test: install
	$(BIN)/ruff check ingest assistant ui tests scripts devtools
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check ingest assistant ui tests scripts devtools

bench: install
	$(BIN)/python scripts/bench_ingest.py ../shared/corpus
	$(BIN)/python scripts/bench_ask.py

clean:
	rm -rf data .pytest_cache
