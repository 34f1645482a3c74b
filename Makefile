# Dudao: `make demo` runs the app with demo data; `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_ENV := DUDAO_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo migrate test test-postgres browser messages clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

migrate: setup
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py load_demo

demo: migrate
	$(DEMO_ENV) bash scripts/serve.sh $(HOST) $(PORT)

browser:
	bash scripts/ensure_chromium.sh

test: setup browser
	$(PY) -m pytest

test-postgres: setup browser
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/dudao REDIS_URL=redis://127.0.0.1:6379/0 $(PY) -m pytest

messages: setup
	$(PY) scripts/i18n.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts
