#!/usr/bin/env bash
# Long run of the reliability suite: repeat the crash, outage and close-race tests N times
# (default 10) on SQLite and PostgreSQL and stop at the first failure. Each round kills the
# server twice mid-burst, so N rounds = 4N crashes survived across both databases.
#   bash scripts/reliability_soak.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-10}"
for round in $(seq 1 "$rounds"); do
    echo "== round $round / $rounds"
    .venv/bin/pytest -q -s -p no:cacheprovider \
        tests/reliability/test_crash_mid_burst.py \
        tests/reliability/test_database_outage.py \
        tests/reliability/test_close_race.py | grep -E '^\[|passed|failed'
done
