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

# Until the service exists: the accountability matrix, then the example pipeline validated
# (exit 1 there means "violations found", which the examples are meant to show).
run: $(STAMP)
	$(BIN)/mcem query stage-accountability
	@$(BIN)/mcem validate examples/pipeline.json --as-of 2026-11-24 \
		|| echo "(exit status 1: violations found, as the examples are meant to show)"

bench: $(STAMP)
	$(BIN)/python bench/validate_one.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
