# Every target bootstraps .venv itself: a fresh machine needs only python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TARGET ?=
PYTEST_ARGS ?=
BENCH_ARGS ?=
# The test run spreads over both cores; PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_WORKERS ?= 2
LINT_PATHS := conformance daprhttp mockserver engineserver daprsidecar bench tools tests
# Real daprd: the release to build and check (empty: the project's default, daprsidecar/versions.py).
DAPRD_VERSION ?=

.PHONY: instance-id-chars mutation install lint typecheck test conformance conformance-quick conformance-engine mock engine bench fuzz sdk clean \
	daprd conformance-daprd record-daprd conformance-daprd-matrix

# dapr and durabletask install side by side (pip check is clean) but are never imported
# into one process: the tests that need either run it in a subprocess.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,engine,dapr]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	$(BIN)/dapr-workflow-engine --port 0 -- $(BIN)/dapr-workflow-conformance --target {target} -n $(PYTEST_WORKERS) -q

# Run the conformance suite against TARGET, or against the bundled mock on a free port.
conformance: $(STAMP)
	$(BIN)/dapr-workflow-conformance $(if $(TARGET),--target $(TARGET)) $(PYTEST_ARGS)

conformance-quick: $(STAMP)
	$(BIN)/dapr-workflow-conformance --quick $(if $(TARGET),--target $(TARGET)) $(PYTEST_ARGS)

# The full suite against the durabletask-backed engine target on a free port.
conformance-engine: $(STAMP)
	$(BIN)/dapr-workflow-engine --port 0 -- $(BIN)/dapr-workflow-conformance --target {target} $(PYTEST_ARGS)

# Build daprd, placement and scheduler from Dapr's Go module (needs Go; cached per version in
# ~/.cache/dapr-workflow-conformance/daprd, a second run is a no-op).
daprd: $(STAMP)
	$(BIN)/dapr-workflow-sidecar build $(DAPRD_VERSION)

# The whole suite against real daprd with the conformance app, all on loopback.
conformance-daprd: daprd
	$(BIN)/dapr-workflow-conformance --daprd=$(DAPRD_VERSION) $(PYTEST_ARGS)

# Rewrite conformance/instance_id_chars.json: the ID characters daprd allows, as Go's Unicode
# tables give them (tests/contract/test_instance_ids.py compares it with Go's output).
instance-id-chars:
	cd tools && go run instance_id_chars.go > ../conformance/instance_id_chars.json

# Record every scenario of tests/vectors against real daprd into tests/vectors/daprd-<version>/.
record-daprd: daprd
	$(BIN)/python -m tests.vectors.record $(if $(DAPRD_VERSION),--daprd $(DAPRD_VERSION))

# The whole suite against each daprd release of daprsidecar/versions.py MATRIX; writes the table
# of behaviours that differ by version to conformance-matrix/ (Markdown and JSON).
conformance-daprd-matrix: $(STAMP)
	$(BIN)/python -m daprsidecar.matrix --out conformance-matrix $(PYTEST_ARGS)

# Serve the mock on 127.0.0.1:3500 in the foreground (Ctrl-C stops it).
mock: $(STAMP)
	$(BIN)/dapr-workflow-mock --host 127.0.0.1 --port 3500

# Serve the durabletask-backed engine target on 127.0.0.1:3500 in the foreground.
engine: $(STAMP)
	$(BIN)/dapr-workflow-engine --host 127.0.0.1 --port 3500

# The suite's mutation score over the mock (Cosmic Ray): MUTATION_ARGS='--set all' for the
# nightly set; the report lands in build/mutation/<set>/report.txt.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	$(BIN)/python -m tools.mutation $(MUTATION_ARGS)

# Benchmarks need wrk (Debian: apt-get install wrk); results land in bench/README.md and bench/results/.
bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk (Debian/Ubuntu) or brew install wrk"; exit 1; }
	$(BIN)/python -m pip install --quiet -e '.[test,engine,dapr,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

# Nightly: a longer Schemathesis and raw-request fuzz of the mock and a longer concurrency stress,
# seeded by the date unless FUZZ_SEED is given (the seed is printed: rerun a failure with it).
fuzz: $(STAMP)
	seed=$${FUZZ_SEED:-$$(date +%Y%m%d)}; echo "fuzz seed: $$seed"; \
	FUZZ_SEED=$$seed STRESS_SEED=$$seed FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} \
	STRESS_ROUNDS=$${STRESS_ROUNDS:-1000} $(BIN)/python -m pytest -n $(PYTEST_WORKERS) \
		tests/reliability/test_fuzz.py tests/reliability/test_concurrency.py $(PYTEST_ARGS)

# The Dapr JavaScript SDK's HTTP workflow client against the mock (needs node and npm; the SDK
# lands in .sdk/js, outside git). Without it tests/sdk skips.
DAPR_JS_SDK_VERSION ?= 3.18.0
sdk: $(STAMP)
	@command -v npm >/dev/null || { echo "make sdk needs node and npm (Debian/Ubuntu: apt-get install nodejs npm)"; exit 1; }
	npm install --prefix .sdk/js --save-exact --no-audit --no-fund @dapr/dapr@$(DAPR_JS_SDK_VERSION)
	$(BIN)/python -m pytest tests/sdk -q -rs -p no:cacheprovider

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
