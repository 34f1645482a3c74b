# Dudao: `make demo` runs the app with demo data; `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_ENV := DUDAO_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (auto = one per CPU); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=

.PHONY: python-version setup test-setup demo migrate test test-postgres browser messages clean

python-version:
	@py=$(PYTHON); if [ -x $(PY) ]; then py=$(PY); fi; \
	if ! command -v $$py >/dev/null 2>&1; then \
	  echo "Dudao needs Python 3.11 or newer, and '$$py' was not found. Install it, or run: make PYTHON=/path/to/python3.11 ..." >&2; exit 1; fi; \
	if ! $$py -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	  echo "Dudao needs Python 3.11 or newer; $$py is $$($$py -V 2>&1). Run: make PYTHON=python3.11 ... (and 'make clean' if .venv was made with the old one)" >&2; exit 1; fi

setup: python-version $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Test tools (pytest, pytest-xdist, playwright, schemathesis, ...) on top of the app's requirements.
test-setup: setup $(VENV)/.installed-test

$(VENV)/.installed-test: requirements-test.txt requirements.txt
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

migrate: setup
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_demo

demo: migrate
	$(DEMO_ENV) bash scripts/serve.sh $(HOST) $(PORT)

browser:
	bash scripts/ensure_chromium.sh

test: test-setup browser
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-postgres: test-setup browser
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao REDIS_URL=redis://127.0.0.1:6379/0 \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

messages: setup
	$(PY) scripts/i18n.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
