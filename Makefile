# Tiers of checks. `make test` is the README's full suite; the others are quicker subsets.
.PHONY: setup run test unit lint types bench load

setup:
	bash scripts/setup.sh --test

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

unit:
	.venv/bin/pytest -q tests/tally tests/audit tests/ballotcrypto

lint:
	.venv/bin/ruff check .

types:
	.venv/bin/mypy .

bench:
	.venv/bin/python scripts/bench_tally.py
	.venv/bin/python scripts/bench_audit.py
	.venv/bin/python scripts/bench_ballotcrypto.py
	.venv/bin/python scripts/bench_browser_crypto.py

# The load benchmark at full size: 5,000 tablets against the real server and the bare-websockets
# baseline in one run (several minutes; docs/performance.md). N=... to change the size.
N ?= 5000
load:
	bash scripts/setup.sh
	.venv/bin/python -m load.bench --terminals $(N) --rounds 3
