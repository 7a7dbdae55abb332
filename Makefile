# Two commands matter on a fresh machine (see README):
#   make demo   - the main job on bundled sample data, on the embedded local default
#   make test   - install everything needed and run lint, types and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: demo test lint typecheck pytest bench install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[aws,cdk,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/aiminer demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy $(wildcard aiminer lambdas infra app.py)

pytest: $(STAMP)
	-sh scripts/install-chromium.sh  # headless Chromium for the QC report screenshot test (skipped if it fails)
	-npm ci --no-audit --no-fund --silent  # asl-validator lints the QC state machine (skipped if it fails)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow" tests
	$(BIN)/python -m pytest -n 2 --dist loadfile -m slow tests; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) cdk.out .aiminer .pytest_cache .mypy_cache .ruff_cache
