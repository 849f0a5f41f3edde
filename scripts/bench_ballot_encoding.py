"""What the writer spends encoding one encrypted ballot: its seal, its tracker and its log record.

    .venv/bin/python scripts/bench_ballot_encoding.py [--candidates 30] [--seats 15] [--rounds 10]

A 30-candidate, 15-seat election ballot is ≈ 38 kB of JSON. ``each`` encodes it three times
(RFC 8785 for the seal, again for the tracker H256, again for the record), as the writer did;
``once`` encodes it once (`server.usecases.cast_ballot.encode_ballot`) and builds the seal, the
tracker and the record around those bytes (`audit.canonical.Encoded`), as it does now. The record
is made by `audit.records.encode` in both, with its nesting check.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time

from audit import records
from audit.canonical import dumps
from ballotcrypto import forms
from ballotcrypto.ballot import Context, encrypt_ballot
from ballotcrypto.group import Point, base_mul
from ballotcrypto.hashing import h256
from server.usecases.cast_ballot import ballot_record, encode_ballot, seal, tracker_of

TIME = "2026-11-23T09:00:00.123Z"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--seats", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    context = Context("bench.local/log", "v1-1", Point.trusted(base_mul(12345)),
                      forms.election_form(args.candidates, args.seats))
    values = [v for c in range(args.candidates) for v in (int(c < args.seats), int(c >= args.seats))]
    ballots = [encrypt_ballot(context, values).ballot.to_json() for _ in range(20)]
    token, nonce = secrets.token_hex(16), secrets.token_hex(16)

    def each(ballot: dict[str, object]) -> None:
        seal("v1-1", str(ballot["ballot"]), ballot, token)
        h256(ballot)
        records.encode(5, "ballot", TIME, "ab" * 32, {"vote_id": "v1-1", "ballot": ballot, "nonce": nonce})

    def once(ballot: dict[str, object]) -> None:
        encoded = encode_ballot(ballot)
        seal("v1-1", str(ballot["ballot"]), ballot, token, encoded)
        tracker_of(ballot, encoded)
        records.encode(5, "ballot", TIME, "ab" * 32, ballot_record("v1-1", ballot, encoded, nonce))

    print(f"{len(dumps(ballots[0]))} bytes per ballot")
    for name, run in (("each", each), ("once", once), ("each", each), ("once", once)):
        started = time.perf_counter()
        for _ in range(args.rounds):
            for ballot in ballots:
                run(ballot)
        print(f"{name}: {(time.perf_counter() - started) / (args.rounds * len(ballots)) * 1e3:.2f} ms per ballot")
    return 0


if __name__ == "__main__":
    sys.exit(main())
