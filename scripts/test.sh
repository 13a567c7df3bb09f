#!/usr/bin/env bash
# The test command (`make test` runs it after the bootstrap): lint, then the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# Browser tests drive Debian's chromium (Playwright never downloads one). Install it
# when missing and we are root; if that fails, tests/browser.py skips or fails them.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; } ||
        echo "scripts/test.sh: could not install chromium; browser tests will not run" >&2
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
