# Quick start:  make run   (demo on http://127.0.0.1:8000, SQLite, tasks in-process)
#               make run PORT=8001  (when port 8000 is taken)
#               make test  (the whole suite; honours DATABASE_URL, CELERY_BROKER_URL, CI)
#               make load  (load test: gunicorn + Celery on PostgreSQL/Redis, 20 users, 80 s)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test lint load

help:
	@echo "make run    demo server on http://127.0.0.1:8000 (SQLite, demo data, tasks in-process)"
	@echo "            port 8000 busy? make run PORT=8001"
	@echo "make test   the whole test suite (.venv/bin/python -m pytest)"
	@echo "make lint   ruff check ."
	@echo "make load   load test on PostgreSQL + Redis (loadtest/run.sh; see README, Load test)"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	touch $@

install: $(STAMP)

# The demo always uses the embedded defaults: an SQLite file and eager (in-process) tasks.
run: $(STAMP)
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py seed_demo
	@echo ""
	@echo "Demo logins (username / password):"
	@echo "  admin       / admin        Administrator (also the Django admin at /admin/)"
	@echo "  scheduler   / scheduler    Scheduler"
	@echo "  coordinator / coordinator  Coordinator"
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	env -u DATABASE_URL -u CELERY_BROKER_URL $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Any non-zero pytest exit (failures, errors, 5 = no tests collected) fails the target.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# gunicorn + a Celery worker on PostgreSQL (DATABASE_URL, default carewfm_load) and Redis, with
# seed_demo --scale large data; 20 users (one a second) for 80 s; fails when a target is missed.
load: $(STAMP)
	PYTHON=$(PY) bash loadtest/run.sh
