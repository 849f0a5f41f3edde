#!/usr/bin/env bash
# Set up everything and run the system on the embedded default (SQLite, no other server):
# a demo congress session you can open in a browser at http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
export DATA_DIR="${DATA_DIR:-$PWD/data}"
exec python -m server
