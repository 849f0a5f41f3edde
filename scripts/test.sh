#!/usr/bin/env bash
# The whole test suite: set up, lint, type-check, then every test (unit, property, storage and
# integration on SQLite and PostgreSQL, browser). Under CI=true a missing database or browser
# fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check --output-format concise .
echo "== mypy (strict, the whole tree)"
mypy .
echo "== pytest"
pytest -q -p no:cacheprovider \
    --cov=tally --cov=audit --cov-branch --cov-report=term-missing:skip-covered \
    --cov-fail-under=100 "$@"
