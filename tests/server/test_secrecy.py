"""Secret ballots: from a full dump of the database of a secret vote, nobody can link a choice to
a deputy (shared/domain.md "Secret means nobody — staff, chair, DB admin, auditor — can link a
ballot to a deputy, while it is still provable that each deputy voted at most once").

Forty deputies each support a different candidate in a 补选 with forty candidates, voting one at
a time in a random order unknown to the database. The adversary reads every table in storage order
(SQLite rowid, PostgreSQL ctid) and tries every way of lining voters up with ballots: by member id,
by sign-in order, by check-in order, by any row order it can find. With a random order a guess
matches about one deputy (the fixed points of a random permutation: P(at least k) <= 1/k!). We
allow ten: P(some one of the 20 comparisons reaches 11 by chance) <= 20/11! < 1e-6, where the old
bound of five failed about one run in a hundred; a real link matches all forty.
(tests/server/test_secret_ballot_leaks.py adds the order of presses to what the adversary knows.)
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import sqlalchemy as sa

from server.db import normalise_url
from tests.conftest import RunningServer
from tests.server.session_helpers import Session, marks, ok

VOTERS = 40


def dump(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in the order the database stores them (a SQLite table without
    rowid is stored in the order of its primary key: a plain scan gives it)."""
    engine = sa.create_engine(normalise_url(database_url))
    sqlite = database_url.startswith("sqlite")
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            order = "ctid"
            if sqlite:
                sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
                order = "" if "WITHOUT ROWID" in str(sql).upper() else "rowid"
            query = f'SELECT * FROM "{table}"' + (f" ORDER BY {order}" if order else "")
            rows = conn.execute(sa.text(query)).mappings()
            tables[table] = [dict(row) for row in rows]
    engine.dispose()
    return tables


def test_a_database_dump_does_not_link_choices_to_deputies(server: RunningServer) -> None:
    truth = asyncio.run(_secret_vote(server))
    tables = dump(server.database_url)
    members = {row["id"]: row for row in tables["members"]}
    codes = {row["code"]: row["id"] for row in tables["members"]}
    names = {row["name"] for row in tables["members"]}

    # Nothing stores who voted what: no named ballots, and the participation row is a sorted set.
    assert tables["named_ballots"] == []
    participation = next(row for row in tables["vote_participation"] if row["vote_id"] == truth["vote_id"])
    voters = (
        participation["voters"] if isinstance(participation["voters"], list) else json.loads(participation["voters"])
    )
    assert voters == sorted(truth["choice_of"])
    # No receipt row names a member; no ballot record carries a voter.
    for row in tables["ballot_receipts"]:
        assert set(row) == {"key_hash", "vote_id", "leaf_index", "seal", "token_hash", "replaced"}
    assert not [row for row in tables["vote_voters"] if row["vote_id"] == truth["vote_id"]]  # gone at close
    records = [json.loads(bytes(row["data"])) for row in tables["audit_records"]]
    ballots = [r for r in records if r["type"] == "ballot" and r["body"]["vote_id"] == truth["vote_id"]]
    assert len(ballots) == VOTERS
    for record in ballots:
        assert set(record["body"]) == {"vote_id", "ballot", "nonce"}
        text = json.dumps(record, ensure_ascii=False)
        assert not any(code in text for code in codes) and not any(n in text for n in names if len(n) > 1)

    # The adversary lines voters up with ballots in every order the dump offers.
    ballot_choices = [next(iter(r["body"]["ballot"]["marks"])) for r in sorted(ballots, key=lambda r: r["seq"])]
    receipt_rows = [r for r in tables["ballot_receipts"] if r["vote_id"] == truth["vote_id"]]
    by_leaf = {r["seq"]: next(iter(r["body"]["ballot"]["marks"])) for r in ballots}
    receipt_choices = [by_leaf[r["leaf_index"]] for r in receipt_rows]
    sign_in_order = [codes[r["body"]["member"]] for r in records if r["type"] == "sign_in" and "member" in r["body"]]
    check_in_order = [codes[r["body"]["member"]] for r in records if r["type"] == "check_in"]
    attendance_order = [row["member_id"] for row in tables["attendance"]]
    token_order = [row["member_id"] for row in tables["tokens"] if row["member_id"] is not None]
    voter_orders = {
        "member id": sorted(truth["choice_of"]),
        "sign-in": sign_in_order,
        "check-in": check_in_order,
        "attendance rows": attendance_order,
        "token rows": token_order,
    }
    for orders_name, order in voter_orders.items():
        voters_in_order = [m for m in order if m in truth["choice_of"]]
        for choices_name, guessed in (("log order", ballot_choices), ("receipt rows", receipt_choices)):
            for candidate_order in (guessed, guessed[::-1]):
                hits = sum(truth["choice_of"][m] == c for m, c in zip(voters_in_order, candidate_order, strict=False))
                assert hits <= 10, f"{orders_name} vs {choices_name}: {hits} of {VOTERS} linked"
    assert members  # the roll itself is public


async def _secret_vote(server: RunningServer) -> dict[str, Any]:
    s = Session.start(server.url)
    try:
        await s.connect(VOTERS)
        candidates = [f"候选人{i:02d}" for i in range(VOTERS)]
        item = ok(
            s.staff.post(
                f"/api/meetings/{s.meeting_id}/items",
                json={
                    "kind": "election",
                    "title": "补选县人民代表大会常务委员会委员（保密性测试）",
                    "definition": {
                        "office": "member",
                        "seats": 1,
                        "candidates": candidates,
                        "by_election": True,
                        "allow_write_ins": False,
                    },
                },
            )
        )
        vote_id = s.open(item["id"])
        await s.wait_open(vote_id)
        rng = random.Random()
        order = list(range(VOTERS))
        rng.shuffle(order)
        assignment = list(range(VOTERS))
        rng.shuffle(assignment)
        choice_of: dict[int, str] = {}
        for position in order:  # one at a time: every ballot is a batch of its own
            client = s.deputies[position]
            candidate = candidates[assignment[position]]
            await client.vote(vote_id, marks(candidate))
            assert client.me is not None
            choice_of[client.me["member"]["id"]] = candidate
        s.close(vote_id)
        return {"vote_id": vote_id, "choice_of": choice_of}
    finally:
        await s.finish()
