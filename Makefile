# `make run` sets up .venv (runtime dependencies only), builds the index if needed and starts the chat on 127.0.0.1:7860.
# `make test` sets up .venv with every extra and runs lint, the whole test suite and the evaluation gate.
# `make check` is the fast layer: lint and the unit tests with the fake embedder (no model, no browser, no server).
VENV := .venv
PY := $(VENV)/bin/python
# No .pyc files at install time: Python writes them for the modules it imports, not for every dependency.
PIP := $(PY) -m pip install -q --no-compile
export OMP_WAIT_POLICY := PASSIVE
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The unit layer: everything but the markers that need the real model, a browser, a server or real processes.
CHECK_MARKERS := not (integration or st or browser or chroma_server or faults or postgres)

# One stamp per layer, so `make run` after `make test` installs nothing again.
$(VENV)/.created:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	touch $@

$(VENV)/.runtime: pyproject.toml $(VENV)/.created
	$(PIP) -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(PIP) -e '.[test]'
	touch $@

# torch + sentence-transformers: only the tests marked `st` need them.
$(VENV)/.st: $(VENV)/.runtime
	$(PIP) -e '.[st]'
	touch $@

.PHONY: setup setup-test setup-st run check test test-st eval index chromium postgresql chroma-server load
setup: $(VENV)/.runtime
setup-test: $(VENV)/.test
setup-st: $(VENV)/.st

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get install -y -q --no-install-recommends chromium \
	  || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium; }; }

# The `postgres` tests start a throwaway cluster with Debian's PostgreSQL (initdb, pg_ctl).
postgresql:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || $(SUDO) apt-get install -y -q --no-install-recommends postgresql \
	  || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends postgresql; }

index: setup
	$(PY) -m assistant build-index

run: index
	$(PY) app.py

check: setup-test
	$(PY) -m ruff check assistant tests eval app.py
	$(PY) -m pytest -m '$(CHECK_MARKERS)'

# pytest runs beside the evaluation gate and the Chroma-server stage (.ci/suite; SERIAL=1: one after the other).
test: index chromium postgresql setup-test setup-st
	$(PY) -m ruff check assistant tests eval app.py
	PY=$(PY) .ci/suite

# Only the tests of the optional sentence-transformers backend.
test-st: setup-test setup-st
	$(PY) -m pytest -m st

# The integration tests and the evaluation gate against a real Chroma server on loopback, compared
# item by item with the embedded store's run (needs eval/results/outcomes.jsonl from `make test`/`make eval`).
chroma-server: index setup-test
	.ci/chroma-server

# 32 concurrent clients for 60 s against the API, embedded store (docs/operations.md: Load).
load: index
	$(PY) eval/load_test.py

eval: index
	$(PY) -m eval

# Two pip installs into one venv must not run at once (make -j).
.NOTPARALLEL:
