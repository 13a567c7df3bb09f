#!/usr/bin/env bash
# The test command (`make test` runs it after the bootstrap): lint, then the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
