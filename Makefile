# Milepost: `make run` to start it, `make test` to check everything. See README.md.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench setup db lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	@if [ -f scripts/system-packages.sh ]; then bash scripts/system-packages.sh; fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $@

setup: $(VENV)/.installed

db: setup
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo

run: db
	@PORT=$(PORT) bash scripts/serve.sh

test: setup
	@bash scripts/test.sh

bench: setup
	@bash bench/run.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/static var/test*.sqlite3*
