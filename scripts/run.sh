#!/usr/bin/env bash
# Set up and run the system on the embedded default (SQLite, no other server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== 演示：计票引擎 (demo tallies from examples/)"
for file in examples/*.json; do
    echo "-- $file"
    python -m tally count --text "$file"
done
