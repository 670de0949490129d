# Two commands on a fresh machine: `make run` and `make test`. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# The service run: PostgreSQL and Redis on this machine (test databases are created by pytest).
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/egalite
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_WORKERS ?= 2

.PHONY: install messages migrate seed run test test-services test-e2e lint format clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

messages: install
	$(PY) manage.py compile_translations

migrate: install
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo

# The events' sweep (ended seat offers, reminders) runs beside daphne and stops with it.
run: messages seed
	@echo "Serving on http://$(HOST):$(PORT) (pages and websockets, daphne), with the events'"
	@echo "sweep every minute (manage.py events_tick). Ctrl-C stops both."
	@$(PY) manage.py events_tick --loop 60 & tick=$$!; \
	trap 'kill $$tick 2>/dev/null; wait $$tick' EXIT; trap 'exit 130' INT TERM; \
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) --websocket-max-message-size 65536 \
		config.asgi:application

# pytest exits 5 when it collects no test: that is not a failure of the suite.
test: messages
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -m "not e2e and not services" || [ $$? -eq 5 ]

test-services: messages
	DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) \
		CHANNELS_PREFIX=egalite-test CACHE_PREFIX=egalite-test \
		$(VENV)/bin/pytest -n $(PYTEST_WORKERS) -m "not e2e" || [ $$? -eq 5 ]

test-e2e: messages
	$(VENV)/bin/pytest -m e2e -p no:xdist || [ $$? -eq 5 ]

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
