# 邻里助手 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Rasa (a second NLU engine, for comparison or as the bot's backend) lives in its own
# environment: Rasa 3.6 needs Python 3.10 and pins what the bot's environment has outgrown.
RASA_VENV  := .venv-rasa
RASA_STAMP := $(RASA_VENV)/.installed

# The suite runs in parallel, one pytest worker per core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

.PHONY: run test test-postgres install train bench bench-hotpath bench-group-commit bench-generator bench-nlu bench-startup bench-nlu-compare \
	lint typecheck clean rasa-setup rasa-validate rasa-train rasa-serve test-rasa

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## The browser test drives Debian's Chromium (installed with apt-get when missing; never a
## browser downloaded by Playwright).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	sh tests/e2e/install-chromium.sh

## Serve the bot on 127.0.0.1:8000 with a demo community on SQLite.
run: $(STAMP)
	$(PY) -m nlu train --quiet
	$(PY) -m bot seed-demo --if-empty
	$(PY) -m bot serve --dev

## Run the whole test suite (the staff console in a real browser too), then the linter and the type checker.
test: $(STAMP) $(CHROMIUM)
	$(PY) -m nlu train --quiet
	$(PY) -m pytest -n $(TEST_WORKERS)
	$(PY) -m ruff check bot nlu actions store tests bench
	$(PY) -m mypy bot nlu actions store

## The whole suite again on PostgreSQL + Redis (the production mode), each test on its own
## copy of a template database; starts PostgreSQL and Redis when they are not running.
test-postgres: $(STAMP) $(CHROMIUM)
	@.ci/services.sh
	$(PY) -m nlu train --quiet
	TEST_BACKEND=postgresql REDIS_URL=redis://127.0.0.1:6379/3 $(PY) -m pytest -q -n $(TEST_WORKERS)

train: $(STAMP)
	$(PY) -m nlu train

## The Rasa environment (.venv-rasa); nothing in .venv or `make test` needs it.
$(RASA_STAMP): nlu/rasa/requirements.txt
	@test -x $(RASA_VENV)/bin/python || { python310=$$(nlu/rasa/find-python310.sh) && $$python310 -m venv $(RASA_VENV); }
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RASA_VENV)/bin/python -m pip install --quiet -r nlu/rasa/requirements.txt
	@touch $(RASA_STAMP)

rasa-setup: $(RASA_STAMP)

rasa-validate: $(STAMP) $(RASA_STAMP)
	$(PY) -m nlu.rasa domain --check
	$(PY) -m nlu.rasa validate

## Train Rasa from nlu/data into var/rasa/models (cached by data + config; EPOCHS=n for fewer).
rasa-train: rasa-validate
	$(PY) -m nlu.rasa train $(if $(EPOCHS),--epochs $(EPOCHS))

## Serve the trained model for `nlu.backend: rasa` (http://127.0.0.1:5005).
rasa-serve: rasa-validate
	$(PY) -m nlu.rasa serve $(if $(EPOCHS),--epochs $(EPOCHS))

## A real Rasa server behind POST /wechat, with the small cached model (CI runs it after `make test`).
test-rasa: $(STAMP) $(RASA_STAMP)
	$(PY) -m nlu.rasa train --epochs small --quiet
	$(PY) -m pytest -o addopts="-q -ra" tests/rasa

## Built-in engine against Rasa's DIET on the same sets and machine (full training: ≈ 35–60 min).
bench-nlu-compare: $(STAMP) $(RASA_STAMP)
	$(PY) -m bench.nlu_compare

bench-nlu: $(STAMP)
	$(PY) -m bench.nlu

bench-startup: $(STAMP)
	$(PY) -m bench.startup

## Load: the bot on SQLite (1 worker) and on PostgreSQL + Redis against a bare echo of its
## stack, same load, same run; written to bench/RESULTS.md. Starts and removes what it needs.
bench: $(STAMP)
	$(PY) -m bench.load --suite

## One message's cost in process (the load mix through the ASGI app, CPU time per message); under
## callgrind it counts instructions: see bench/hotpath.py.
bench-hotpath: $(STAMP)
	$(PY) -m bench.hotpath

## What group commit could save: the load mix's write transactions replayed one and several per COMMIT.
bench-group-commit: $(STAMP)
	$(PY) -m bench.group_commit

## Which load generator: wrk against the Python client (installs Debian's wrk when missing).
bench-generator: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) || \
	  { echo "bench-generator needs wrk (Debian: apt-get install wrk)"; exit 1; }
	$(PY) -m bench.load_wrk

lint: $(STAMP)
	$(PY) -m ruff check bot nlu actions store tests bench

typecheck: $(STAMP)
	$(PY) -m mypy bot nlu actions store

clean:
	rm -rf var/nlu var/rasa/train-data var/rasa/validate-data .pytest_cache .mypy_cache .ruff_cache
