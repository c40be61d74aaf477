# Every target bootstraps .venv itself: a fresh machine needs only python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TARGET ?=
PYTEST_ARGS ?=

.PHONY: install lint typecheck test conformance conformance-quick mock clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check conformance mockserver tests
	$(BIN)/ruff format --check conformance mockserver tests

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Run the conformance suite against TARGET, or against the bundled mock on a free port.
conformance: $(STAMP)
	$(BIN)/dapr-workflow-conformance $(if $(TARGET),--target $(TARGET)) $(PYTEST_ARGS)

conformance-quick: $(STAMP)
	$(BIN)/dapr-workflow-conformance --quick $(if $(TARGET),--target $(TARGET)) $(PYTEST_ARGS)

# Serve the mock on 127.0.0.1:3500 in the foreground (Ctrl-C stops it).
mock: $(STAMP)
	$(BIN)/dapr-workflow-mock --host 127.0.0.1 --port 3500

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
