#!/usr/bin/env bash
# The test commands. `make test` runs this after the bootstrap: lint, then the whole
# suite (both databases, the browser included) on as many workers as there are cores.
# `make test-fast` runs `scripts/test.sh --fast`: the flows layer alone (tests on the
# `db` fixture, marked `flows` in tests/conftest.py), for the edit-test loop.
# More arguments go to pytest; FLERPART_TEST_WORKERS sets the worker count (1: none).
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
if [ "${1:-}" = --fast ]; then
    fast=1
    shift
fi
# Browser tests drive Debian's chromium (Playwright never downloads one). Install it
# when missing and we are root; if that fails, tests/browser.py skips or fails them.
if [ "$fast" = 0 ] && [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] &&
    command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; } ||
        echo "scripts/test.sh: could not install chromium; browser tests will not run" >&2
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Test databases and files in memory when there is room (>= 1 GiB free; a container's
# default /dev/shm is 64 MiB): SQLite otherwise waits for the disk at every commit.
if [ -w /dev/shm ] && [ "$(df --output=avail -k /dev/shm 2>/dev/null | tail -1)" -ge 1048576 ]; then
    TMPDIR="$(mktemp -d /dev/shm/flerpart-test.XXXXXX)"
    export TMPDIR
    trap 'rm -rf "$TMPDIR"' EXIT
fi
.venv/bin/ruff check .
# The fast layer is done before a second worker would have set up its databases.
if [ "$fast" = 1 ]; then workers="${FLERPART_TEST_WORKERS:-1}"; else workers="${FLERPART_TEST_WORKERS:-auto}"; fi
parallel=()
if [ "$workers" != 1 ]; then
    # worksteal: a worker that is done takes tests queued for the other (the
    # multi-process dispatch tests are long; the rest are short).
    parallel=(-n "$workers" --dist worksteal)
fi
if [ "$fast" = 1 ]; then
    .venv/bin/python -m pytest "${parallel[@]}" -m flows "$@"
    exit
fi
if [ $# -gt 0 ]; then
    .venv/bin/python -m pytest "${parallel[@]}" "$@"
    exit
fi
# The whole suite: everything on the workers, then the tests that measure rates and
# latencies on the wall clock (marked `timing`) alone, with no other test beside them.
status=0
.venv/bin/python -m pytest "${parallel[@]}" -m "not timing" || status=$?
.venv/bin/python -m pytest -m timing || status=$((status ? status : $?))
exit "$status"
