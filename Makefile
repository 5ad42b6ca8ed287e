# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The service on http://127.0.0.1:8000 over the on-disk store under var/, which its first
# start fills with the methodology and examples/. Writes take MCEM_TOKEN (a development
# token by default: set your own for anything but this machine).
MCEM_TOKEN ?= dev-token
run: $(STAMP)
	@echo "mcem-kg: http://127.0.0.1:8000/docs  (writes: Authorization: Bearer $(MCEM_TOKEN))"
	MCEM_TOKEN=$(MCEM_TOKEN) $(BIN)/mcem serve --store var/store --seed examples/pipeline.json

bench: $(STAMP)
	$(BIN)/python bench/validate_one.py
	$(BIN)/python bench/service.py
	$(BIN)/python bench/pipeline.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache bench/.cache
