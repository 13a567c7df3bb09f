# The two commands of the README, and the helpers they share.
# `make run`: bootstrap and start in local mode.  `make test`: bootstrap and test.
# `make test-fast`: only the tests that need just the database (the edit-test loop).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bootstrap catalogs locales lint bench migrations-check

run: bootstrap
	$(VENV)/bin/flerpart migrate
	exec $(VENV)/bin/flerpart run

test: bootstrap
	bash scripts/test.sh

test-fast: bootstrap
	bash scripts/test.sh --fast

bootstrap: $(STAMP) catalogs

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

catalogs:
	$(VENV)/bin/pybabel compile --use-fuzzy -d locales -D messages --statistics

# After changing user-facing text: refresh the template and every catalog.
locales: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -o locales/messages.pot --no-location \
		--sort-output --project flerpart --copyright-holder flerpart bot flows
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Benchmarks: not part of `make test` (they measure; they do not pass or fail).
bench: bootstrap
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) -m bench.dispatch
	$(PY) -m bench.dispatch --lateness
	$(PY) -m bench.webhook
