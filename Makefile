# Tizhi — the two commands: `make run` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
# Development: DEBUG on unless the environment says otherwise (settings default to off, for
# production; docker-compose.yml sets DEBUG=0 itself).
export DEBUG ?= 1
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test setup system-deps venv migrate demo lint format bench worker beat clean messages

run: setup demo  ## set everything up, load the demo county, serve on http://127.0.0.1:8000
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup  ## set everything up, then run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system-deps venv migrate

system-deps:
	@bash scripts/system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Tizhi needs Python 3.11"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput -v0

demo: migrate  ## the demo county, once (make demo-reset to start over)
	$(PY) manage.py load_demo --size small --if-empty

demo-reset: migrate
	$(PY) manage.py load_demo --size small --reset

lint: venv  ## ruff, the import contracts (.importlinter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: venv
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=static --ignore=tests --ignore=bench --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

bench: setup  ## benchmarks under bench/ (see docs/performance.md)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

worker: setup  ## a real Celery worker (needs REDIS_URL)
	$(VENV)/bin/celery -A bureau worker -l info

beat: setup
	$(VENV)/bin/celery -A bureau beat -l info

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
