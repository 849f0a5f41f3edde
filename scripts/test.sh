#!/usr/bin/env bash
# The whole test suite: set up, lint, type-check, then every test (unit, property, storage and
# integration on SQLite and PostgreSQL, browser) in four pytest-xdist workers (an idle one takes
# queued tests from the others), with branch coverage of tally/, audit/ and ballotcrypto/ combined
# from all, traced in those packages' own tests (tests/conftest.py). Four on two cores: most tests
# wait -- on a server process, a socket, PostgreSQL, Chromium, a countdown -- more than they
# compute (a subset of them: 248 s with two workers, 122 s with three, 105 s with four).
# Under CI=true a missing database or browser fails the run instead of skipping, and so does any
# skipped test (tests/conftest.py).
# Arguments go to pytest: `bash scripts/test.sh tests/server -n 0` runs one folder in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check --output-format concise .
echo "== mypy (strict, the whole tree)"
mypy .
echo "== pytest"
pytest -q -p no:cacheprovider -n 4 --dist worksteal \
    --cov=tally --cov=audit --cov=ballotcrypto --cov-branch --cov-report=term-missing:skip-covered \
    --cov-fail-under=100 "$@"
