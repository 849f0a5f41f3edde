# Tiers of checks. `make test` is the README's full suite; the others are quicker subsets.
.PHONY: setup run test unit lint types bench

setup:
	bash scripts/setup.sh --test

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

unit:
	.venv/bin/pytest -q tests/tally tests/audit

lint:
	.venv/bin/ruff check .

types:
	.venv/bin/mypy tally audit

bench:
	.venv/bin/python scripts/bench_tally.py
