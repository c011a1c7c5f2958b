# `make run` sets up .venv, builds the index if needed and starts the chat on 127.0.0.1:7860.
# `make test` sets up .venv and runs lint, the whole test suite and the evaluation gate.
VENV := .venv
PY := $(VENV)/bin/python
export OMP_WAIT_POLICY := PASSIVE
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,st]'
	touch $@

.PHONY: setup run test eval index chromium chroma-server load
setup: $(VENV)/.installed

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get install -y -q --no-install-recommends chromium \
	  || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium; }; }

index: setup
	$(PY) -m assistant build-index

run: index
	$(PY) app.py

test: index chromium
	$(PY) -m ruff check assistant tests eval app.py
	$(PY) -m pytest
	$(PY) -m eval --gate
	.ci/chroma-server

# The integration tests and the evaluation gate against a real Chroma server on loopback, compared
# item by item with the embedded store's run (needs eval/results/outcomes.jsonl from `make test`/`make eval`).
chroma-server: index
	.ci/chroma-server

# 32 concurrent clients for 60 s against the API, embedded store (README: Load).
load: index
	$(PY) eval/load_test.py

eval: index
	$(PY) -m eval
