"""The leaks of a secret vote that the encryption of ballots does not close, each tried as an
attacker would, on SQLite and PostgreSQL (issue 13, "Leaks closed whatever the encryption";
docs/protocol.md "Secret ballots"; docs/reliability.md "Secret ballots: what a copy can tell").

- Someone who signs in with a deputy's code during the vote (a second device) learns that the
  deputy voted, and nothing else: no ballot id, receipt or cast token reaches it, and it can
  neither replace the ballot nor get it back, even knowing its id.
- A ballot id or ``replaces`` naming another tablet's ballot gets one refusal, ``ballot_refused``,
  whatever it sends with it: the refusal does not say whether the ballot exists or how it voted.
- Who has voted reaches no route while a secret vote is open: two sessions that differ only in
  who voted give the same answer on every GET route, for every role (and do differ once closed).
- Nothing stored is a digest of a ballot that can be recomputed from a guess.
- The log's records of a secret vote's ballots carry the vote's opening time, nothing finer.
- A copy of the database (every table in storage order, with the vote's key from DATA_DIR), the
  log and the exact order of presses link nobody to their ballot beyond the write batch it went
  into, which the order of presses gives anyway (a statistical test: see its docstring).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
import json
import math
import random
import re
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from audit import canonical, verify_export
from server import participation
from server.db import alembic_config, normalise_url
from server.participation import VoteKeys
from server.usecases import cast_ballot
from terminals.client import ClientError, TerminalClient
from tests.conftest import Deployment, InProcessServer, RunningServer, Seeds
from tests.reliability.helpers import Fleet, download_export, enlarge_roll
from tests.server.session_helpers import Session, choices, in_session, login, ok
from tests.server.test_secrecy import dump

REFUSED = "ballot_refused"


async def _refused(coro: Any, code: str) -> str:
    """The refusal's message; fails unless the server refused with ``code``."""
    try:
        await coro
    except ClientError as error:
        assert error.code == code, (error.code, error.message)
        assert error.message
        return error.message
    raise AssertionError(f"expected the server to refuse with {code}")


def _http_ballot(url: str, token: str | None, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/ballots", headers={"Authorization": f"Bearer {token}"}, json=body, timeout=30)


# -- a second device ------------------------------------------------------------------------------


def test_a_second_sign_in_with_a_deputys_code_learns_only_that_they_voted_and_cannot_replace(
        server: RunningServer) -> None:
    async def body(s: Session) -> None:
        vote_id = s.open(s.item("决议")["id"])
        tablet = s.deputies[0]
        heard: list[str] = []
        intruder = TerminalClient(s.url, code=s.codes[0]["code"])  # the same deputy's code, another device
        intruder.on_message = lambda m: heard.append(json.dumps(m, ensure_ascii=False))
        await intruder.connect()
        s.deputies.append(intruder)
        await s.wait_open(vote_id, [tablet, intruder])

        # The tablet votes, resends, changes its choice; the intruder only listens.
        cast = await tablet.vote(vote_id, {"choice": "no"})
        again = await tablet.vote(vote_id, {"choice": "no"}, ballot_id=cast["ballot_id"])
        assert again["duplicate"] is True and again["receipt"]["index"] == cast["receipt"]["index"]
        changed = await tablet.vote(vote_id, {"choice": "abstain"}, replaces=cast["ballot_id"])
        assert changed["replaced"] == cast["ballot_id"]
        await intruder.wait_for(lambda c: bool(c.me and c.me["votes"].get(vote_id, {}).get("voted")))
        mes = sum(1 for m in heard if m.startswith('{"type": "me"'))
        await intruder._send({"type": "sync"})
        await intruder.wait_for(lambda c: sum(1 for m in heard if m.startswith('{"type": "me"')) > mes)
        await asyncio.sleep(0.6)  # whatever else would come (me after each ballot, ticks) has come
        assert intruder.me is not None and intruder.me["votes"][vote_id] == {"eligible": True, "voted": True}
        everything = "\n".join(heard)
        secrets_of_the_tablet = [cast["ballot_id"], changed["ballot_id"], tablet.cast_tokens[vote_id],
                                 cast["receipt"]["leaf_hash"], changed["receipt"]["leaf_hash"]]
        assert not [x for x in secrets_of_the_tablet if x in everything]
        assert '"receipt"' not in everything and '"ballot_id"' not in everything

        # Were the ids known to it, it still could not change the vote or get the ballot back.
        await _refused(intruder.vote(vote_id, {"choice": "yes"}, timeout=10), "change_needs_previous")
        for replaces in (cast["ballot_id"], changed["ballot_id"]):
            await _refused(intruder.vote(vote_id, {"choice": "yes"}, replaces=replaces, timeout=10), REFUSED)
        for ballot in ({"choice": "abstain"}, {"choice": "yes"}):
            await _refused(intruder.vote(vote_id, ballot, ballot_id=changed["ballot_id"], timeout=10), REFUSED)
        response = _http_ballot(s.url, intruder.token, {"vote_id": vote_id, "ballot_id": secrets.token_hex(16),
                                                        "ballot": {"choice": "yes"}, "replaces": changed["ballot_id"],
                                                        "cast_token": secrets.token_hex(16)})
        assert response.status_code == 409 and response.json()["error"]["code"] == REFUSED

        # The tablet that cast it still can, with its token.
        last = await tablet.vote(vote_id, {"choice": "yes"}, replaces=changed["ballot_id"])
        assert last["replaced"] == changed["ballot_id"]
        result = s.close(vote_id)
        assert (result["counts"]["yes"], result["counts"]["no"], result["counts"]["abstain"]) == (1, 0, 0)

        # A named (记名) vote keeps its plain behaviour: the other device is given the ballot id.
        named = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                                json={"kind": "motion", "title": "关于记名表决的决定", "secret": False}))
        named_vote = s.open(named["id"])
        await s.wait_open(named_vote, [tablet, intruder])
        named_cast = await tablet.vote(named_vote, {"choice": "yes"})
        await intruder.wait_for(lambda c: bool(c.me and c.me["votes"].get(named_vote, {}).get("ballot_id")))
        assert intruder.me is not None and intruder.me["votes"][named_vote]["ballot_id"] == named_cast["ballot_id"]
        s.close(named_vote)

    in_session(server.url, body)


# -- somebody else's ballot id --------------------------------------------------------------------


def test_a_foreign_ballot_id_or_replaces_gets_the_one_refusal_whatever_its_content(server: RunningServer) -> None:
    async def body(s: Session) -> None:
        first_vote = s.open(s.item("决议")["id"])
        a, b, c, d = s.deputies[:4]
        earlier = await a.vote(first_vote, {"choice": "yes"})  # ballots of a closed vote, later
        earlier_d = await d.vote(first_vote, {"choice": "yes"})
        s.close(first_vote)
        item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                               json={"kind": "motion", "title": "关于某事项的决定"}))
        vote_id = s.open(item["id"])
        await s.wait_open(vote_id, [a, b, c])
        mine = await a.vote(vote_id, {"choice": "no"})
        messages: set[str] = set()

        # B, who has not voted, sends A's ballot id: with A's content (a resend would get A's
        # receipt) or another, with its own token or with a made-up one -- the same refusal.
        for ballot in ({"choice": "no"}, {"choice": "yes"}):
            for token in (None, secrets.token_hex(16)):
                messages.add(await _refused(b.vote(vote_id, ballot, ballot_id=mine["ballot_id"], cast_token=token,
                                                   timeout=10), REFUSED))
        # Without a token, a frame is refused before anything is looked up: no difference between
        # a stored id and a fresh one.
        async with RawSocket(b) as raw:
            for ballot_id in (mine["ballot_id"], secrets.token_hex(16)):
                error = await raw.ask({"type": "ballot", "vote_id": vote_id, "ballot_id": ballot_id,
                                       "ballot": {"choice": "yes"}})
                assert (error["code"], error["ref"]) == ("cast_token_required", ballot_id)

        # `replaces` from a deputy who has not voted is no change at all: the ballot is B's own.
        own = await b.vote(vote_id, {"choice": "yes"}, replaces=mine["ballot_id"])
        assert own["replaced"] is None and own["duplicate"] is False
        # Now B has voted: replacing A's ballot, one that does not exist, one of a closed vote, or
        # B's own from another device (another token) -- the same refusal.
        for replaces, token in ((mine["ballot_id"], None), (secrets.token_hex(16), None),
                                (earlier["ballot_id"], None), (own["ballot_id"], secrets.token_hex(16))):
            messages.add(await _refused(b.vote(vote_id, {"choice": "abstain"}, replaces=replaces, cast_token=token,
                                               timeout=10), REFUSED))
        # A ballot id already used in another vote, even by its own tablet: refused the same way,
        # and it takes no neighbour down with it (it is found when the batch is written).
        await s.wait_open(vote_id, [d])
        reused, neighbour = await asyncio.gather(
            _refused(d.vote(vote_id, {"choice": "yes"}, ballot_id=earlier_d["ballot_id"], timeout=10), REFUSED),
            c.vote(vote_id, {"choice": "abstain"}))
        messages.add(reused)
        assert neighbour["duplicate"] is False
        assert len(messages) == 1, messages

        # A's own tablet is answered as before: its resend gets its receipt.
        again = await a.vote(vote_id, {"choice": "no"}, ballot_id=mine["ballot_id"])
        assert again["duplicate"] is True and again["receipt"]["index"] == mine["receipt"]["index"]
        result = s.close(vote_id)
        assert (result["counts"]["yes"], result["counts"]["no"], result["counts"]["abstain"]) == (1, 1, 1)

        # A named vote keeps its plain behaviour: the ballot id is the proof there.
        named = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                                json={"kind": "motion", "title": "关于记名事项的决定", "secret": False}))
        named_vote = s.open(named["id"])
        await s.wait_open(named_vote, [a, b])
        theirs = await a.vote(named_vote, {"choice": "yes"})
        await _refused(b.vote(named_vote, {"choice": "no"}, ballot_id=theirs["ballot_id"], timeout=10),
                       "ballot_id_reused")
        s.close(named_vote)

    in_session(server.url, body)


class RawSocket:
    """A raw socket signed in with a client's token: frames as written, answers as received."""

    def __init__(self, client: TerminalClient) -> None:
        self.client = client
        self.ws: Any = None

    async def __aenter__(self) -> RawSocket:
        import websockets

        self.ws = await websockets.connect(self.client.ws_url, compression=None)
        await self.ws.send(json.dumps({"type": "hello", "v": 1, "token": self.client.token}))
        await self.next("me")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.ws.close()

    async def next(self, kind: str) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
            if message["type"] == kind:
                return message

    async def ask(self, frame: dict[str, Any]) -> dict[str, Any]:
        await self.ws.send(json.dumps(frame))
        return await self.next("error")


# -- who has voted, on every route ----------------------------------------------------------------

TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
                  r"|\d{4}年\d{1,2}月\d{1,2}日(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")
#: GET routes whose answer differs between any two sessions whatever the votes, checked apart.
APART = {
    "/api/audit/checkpoint": "a signed root over records that hold random nonces",
    "/api/audit/export.zip": "the same records, with random nonces: compared record by record below",
    "/api/health": "counts of write batches, frames and connections, which vary with timing; no deputy in it",
}
ROLES = ("staff", "chair", "jipiao1", "auditor", "deputy", "anonymous")


def _get_routes() -> list[str]:
    """Every GET route of the application: the API areas under /api, the pages, the CA download."""
    from server.routes import AREAS, deployment, pages

    found = ["/api" + str(getattr(route, "path", "")) for area in AREAS for route in area.router.routes
             if "GET" in getattr(route, "methods", set())]
    found += [str(getattr(route, "path", "")) for router in (pages.router, deployment.pages) for route in router.routes
              if "GET" in getattr(route, "methods", set())]
    return sorted(set(found))


def _normalised(content: bytes, kind: str, url: str) -> Any:
    """An answer with what differs between any two runs taken out: times, the server's address, the
    state's sequence number (it counts ticks); an .xlsx as its cells."""
    if kind.startswith("application/vnd.openxmlformats"):
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        return [[TIME.sub("<time>", str(cell)) if cell is not None else None for cell in row]
                for row in sheet.iter_rows(values_only=True)]
    text = content.decode("utf-8-sig")
    text = text.replace(url, "<server>").replace(url.removeprefix("http://"), "<server>")
    text = TIME.sub("<time>", text)
    if kind.startswith("application/json"):
        return re.sub(r'"seq":\s*\d+', '"seq":0', text)
    return text


def _every_route(server: InProcessServer, voters: range) -> dict[str, Any]:
    """Forty deputies signed in and checked in, a secret motion open, ``voters`` of them voted
    yes: every GET route as every role, normalised; then the export's records, and what the
    participation report says once the vote is closed."""
    answers: dict[str, Any] = {}

    async def run() -> None:
        s = Session.start(server.url)
        clients = {name: login(server.url, name) for name in ("jipiao1", "auditor")}
        try:
            await s.connect(40)
            item_id = s.item("决议")["id"]
            vote_id = s.open(item_id)
            await s.cast(vote_id, choices(yes=len(voters)), [s.deputies[i] for i in voters])
            headers = {"staff": s.staff.headers, "chair": s.chair.headers, "jipiao1": clients["jipiao1"].headers,
                       "auditor": clients["auditor"].headers, "anonymous": {},
                       "deputy": {"Authorization": f"Bearer {s.deputies[35].token}"}}
            values = {"meeting_id": str(s.meeting_id), "vote_id": vote_id, "item_id": str(item_id)}
            with httpx.Client(base_url=server.url, timeout=60) as http:
                for route in _get_routes():
                    if route in APART:
                        continue
                    names = re.findall(r"\{(\w+)\}", route)
                    assert set(names) <= {*values, "fmt"}, f"a GET route with a parameter not filled here: {route}"
                    for fmt in (("csv", "xlsx") if "fmt" in names else ("",)):
                        path = route.format(**values, fmt=fmt)
                        for role in ROLES:
                            response = http.get(path, headers={k: v for k, v in headers[role].items()
                                                               if k.lower() == "authorization"})
                            kind = response.headers.get("content-type", "")
                            answers[f"{role} GET {route.replace('{fmt}', fmt)}"] = (
                                response.status_code, _normalised(response.content, kind, server.url))
            export = download_export(server.url, Path(str(server.data_dir)) / "export-open")
            records = [json.loads(line) for line in (export / "records.jsonl").read_bytes().splitlines()]
            answers["export records"] = sorted(canonical.dumps({"type": r["type"], "body": {
                k: v for k, v in r["body"].items() if k != "nonce"}}) for r in records)
            s.close(vote_id)
            closed = s.staff.get(f"/api/meetings/{s.meeting_id}/participation.csv")
            answers["participation once closed"] = _normalised(closed.content, "text/csv", server.url)
        finally:
            for client in clients.values():
                client.close()
            await s.finish()

    asyncio.run(run())
    return answers


def test_who_has_voted_reaches_no_route_while_a_secret_vote_is_open(
        database_kind: str, seeds: Seeds, tmp_path: Path) -> None:
    views = []
    for n, voters in enumerate((range(0, 10), range(10, 20))):
        deployment = seeds.copy(database_kind, tmp_path / f"session-{n}")
        try:
            with InProcessServer(deployment) as running:
                views.append(_every_route(running, voters))
        finally:
            seeds.drop(deployment)
    first, second = views
    assert first.keys() == second.keys()
    differ = [name for name in first if name != "participation once closed" and first[name] != second[name]]
    assert differ == [], differ[:5]
    # Every role reached the participation report, and the comparison sees who voted once it may.
    assert first["staff GET /api/meetings/{meeting_id}/participation.csv"][0] == 200
    assert first["participation once closed"] != second["participation once closed"]


# -- no digest of a ballot ------------------------------------------------------------------------


def _guessed_digests(vote_id: str, ballots: list[dict[str, Any]]) -> set[str]:
    """Every digest of a ballot one could compute from a guess of it."""
    out: set[str] = set()
    for ballot in ballots:
        for data in (canonical.dumps({"vote_id": vote_id, "ballot": ballot}), canonical.dumps(ballot),
                     json.dumps(ballot).encode(), json.dumps(ballot, separators=(",", ":")).encode()):
            out |= {hashlib.sha256(data).hexdigest(), hashlib.sha256(b"renda-ballot-seal/1\n" + data).hexdigest()}
    return out


def test_no_stored_digest_of_a_secret_ballot_can_be_recomputed_from_a_guess(server: RunningServer) -> None:
    async def body(s: Session) -> dict[str, Any]:
        vote_id = s.open(s.item("决议")["id"])
        receipts = await s.cast(vote_id, choices(yes=20, no=3, abstain=1))
        # One tablet changes its mind twice, back to where it was: yes, no, yes.
        tablet = s.deputies[0]
        changed = await tablet.vote(vote_id, {"choice": "no"}, replaces=receipts[0]["ballot_id"])
        await tablet.vote(vote_id, {"choice": "yes"}, replaces=changed["ballot_id"])
        s.close(vote_id)
        return {"vote_id": vote_id, "receipts": receipts}

    found: dict[str, Any] = {}

    async def run(s: Session) -> None:
        found.update(await body(s))

    in_session(server.url, run)
    vote_id = found["vote_id"]
    rows = [r for r in dump(server.database_url)["ballot_receipts"] if r["vote_id"] == vote_id]
    assert len(rows) == 26 and set(rows[0]) == {"key_hash", "vote_id", "leaf_index", "seal", "token_hash", "replaced"}
    guesses = _guessed_digests(vote_id, [{"choice": c} for c in ("yes", "no", "abstain")])
    stored = {value for row in rows for value in row.values() if isinstance(value, str)}
    assert not stored & guesses
    # Twenty identical ballots, twenty different seals: a seal is not a function of the ballot. And
    # nothing pairs one tablet's three ballots (yes, no, yes): no shared token digest or seal.
    assert all(re.fullmatch("[0-9a-f]{64}", row["seal"]) for row in rows)
    assert len({row["seal"] for row in rows}) == len({row["token_hash"] for row in rows}) == 26


def _insert_receipts_at_0004(url: str) -> None:
    engine = sa.create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO bodies (id, kind, name, settings) VALUES (1, 'congress', '县人大', '{}')"))
        conn.execute(sa.text("INSERT INTO meetings (id, body_id, title, state) VALUES (1, 1, '第一次会议', 'open')"))
        for item_id, secret in ((1, True), (2, False)):
            conn.execute(sa.text("INSERT INTO items (id, meeting_id, position, kind, title, definition, settings, "
                                 "secret, state) VALUES (:i, 1, :i, 'motion', '议案', '{}', '{}', :s, 'done')"),
                         {"i": item_id, "s": secret})
            conn.execute(sa.text("INSERT INTO votes (id, item_id, round_no, round_kind, state, method, definition, "
                                 "eligible, confirmations) VALUES (:v, :i, 1, 'first', 'closed', 'electronic', '{}', "
                                 "'[]', '[]')"), {"v": f"v{item_id}-1", "i": item_id})
            conn.execute(sa.text("INSERT INTO ballot_receipts (key_hash, vote_id, leaf_index, content_hash, replaced) "
                                 "VALUES (:k, :v, 3, :h, false)"),
                         {"k": str(item_id) * 64, "v": f"v{item_id}-1", "h": f"{item_id}" * 63 + "f"})
    engine.dispose()


def test_migration_0005_drops_the_content_hash_and_keeps_a_named_vote_s(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0004")
    _insert_receipts_at_0004(database_url)
    command.upgrade(config, "0005")
    engine = sa.create_engine(normalise_url(database_url))
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("ballot_receipts")}
        seals: dict[str, str | None] = dict(conn.execute(sa.text("SELECT vote_id, seal FROM ballot_receipts")).all())
        voters = sa.inspect(conn).get_columns("vote_voters")
    assert columns == {"key_hash", "vote_id", "leaf_index", "seal", "token_hash", "replaced"}
    assert seals == {"v1-1": None, "v2-1": "2" * 63 + "f"}  # the secret vote's digest is gone
    assert [c["name"] for c in voters] == ["vote_id", "mark"]
    command.downgrade(config, "0004")
    with engine.connect() as conn:
        back: dict[str, str] = dict(conn.execute(sa.text("SELECT vote_id, content_hash FROM ballot_receipts")).all())
    engine.dispose()
    assert back == {"v1-1": "", "v2-1": "2" * 63 + "f"}
    command.upgrade(config, "head")


# -- the log's times ------------------------------------------------------------------------------


def test_the_log_dates_a_secret_vote_s_ballots_at_its_opening_and_nothing_finer(
        server: RunningServer, tmp_path: Path) -> None:
    found: dict[str, str] = {}

    async def body(s: Session) -> None:
        secret = found["secret"] = s.open(s.item("决议")["id"])
        first = await s.cast(secret, choices(yes=5), s.deputies[:5])
        await asyncio.sleep(0.3)
        await s.cast(secret, choices(no=5), s.deputies[5:10])
        await asyncio.sleep(0.3)
        await s.deputies[0].vote(secret, {"choice": "abstain"}, replaces=first[0]["ballot_id"])
        s.close(secret)
        named_item = ok(s.staff.post(f"/api/meetings/{s.meeting_id}/items",
                                     json={"kind": "motion", "title": "关于记名表决的决定", "secret": False}))
        named = found["named"] = s.open(named_item["id"])
        await s.cast(named, choices(yes=3), s.deputies[:3])
        await asyncio.sleep(0.3)
        await s.cast(named, choices(no=3), s.deputies[3:6])
        s.close(named)

    in_session(server.url, body)
    export = download_export(server.url, tmp_path)
    report = verify_export(export)
    assert report.ok, report.lines()
    records = [json.loads(line) for line in (export / "records.jsonl").read_bytes().splitlines()]
    opened = {r["body"]["vote_id"]: r["time"] for r in records if r["type"] == "vote_opened"}
    times: dict[str, Counter[str]] = {vote: Counter() for vote in opened}
    for r in records:
        if r["type"] in ("ballot", "ballot_withdrawn"):
            times[r["body"]["vote_id"]][r["time"]] += 1
    assert times[found["secret"]] == Counter({opened[found["secret"]]: 12})  # 11 ballots, 1 withdrawal
    assert len(times[found["named"]]) >= 2 and opened[found["named"]] not in times[found["named"]]


# -- linking with a copy of everything and the order of presses -----------------------------------

DEPUTIES = 200
WAVE = 10
STRATEGIES_BOUND = 1e-7  # per strategy; eight strategies: under 1e-6 in all


def chance_bound(batches: int, hits: int) -> float:
    """P(hits or more) when nothing links a deputy to a leaf beyond its batch. Matching a batch of
    k ballots to its k presses in any fixed way finds the fixed points of a uniform random
    permutation: factorial moments 1 up to k, so E[(1+s)^X] <= e^s and, summed over independent
    batches, the Chernoff bound of a Poisson(batches): e^-B (e B / h)^h for h > B."""
    if hits <= batches:
        return 1.0
    return math.exp(-batches + hits * (1 + math.log(batches / hits)))


def threshold(batches: int) -> int:
    """The fewest hits that chance reaches with probability under STRATEGIES_BOUND."""
    hits = batches + 1
    while chance_bound(batches, hits) > STRATEGIES_BOUND:
        hits += 1
    return hits


def test_the_chance_bound_is_what_a_random_shuffle_gives() -> None:
    """The bound checked against simulation: batches of ten shuffled, matched in order."""
    rng = random.Random(5)
    runs = [sum(sum(p == i for i, p in enumerate(rng.sample(range(WAVE), WAVE))) for _ in range(20))
            for _ in range(20_000)]
    for hits in (28, 32, 36):
        assert sum(r >= hits for r in runs) / len(runs) <= chance_bound(20, hits)
    assert threshold(20) < DEPUTIES // 3


def test_a_batch_of_secret_ballots_is_put_in_every_order_alike() -> None:
    """The writer's shuffle (one draw from the OS for the whole batch) is a permutation, and each of
    the six orders of three ballots comes out about as often as the others: 6,000 shuffles give
    each 1,000 expected, 29 the standard deviation; 800..1,200 is seven of them."""
    seen: dict[tuple[str, ...], int] = {}
    for _ in range(6000):
        batch = ["a", "b", "c"]
        cast_ballot._shuffle(batch)
        seen[tuple(batch)] = seen.get(tuple(batch), 0) + 1
    assert set(seen) == set(itertools.permutations("abc"))
    assert all(800 <= n <= 1200 for n in seen.values())


@pytest.fixture
def slow_batches(deployment: Deployment, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo congress served with 250 ms write batches: a wave of presses lands in one batch."""
    monkeypatch.setenv("GROUP_COMMIT_MS", "250")
    with InProcessServer(deployment) as running:
        yield running


def test_a_database_copy_the_log_and_the_order_of_presses_link_no_one_beyond_their_write_batch(
        slow_batches: InProcessServer) -> None:
    """200 deputies press in waves of ten, in an order the adversary knows exactly. It holds a copy
    of every table in storage order while the vote is open -- with the vote's key from DATA_DIR, so
    it can read who each mark of ``vote_voters`` is -- and the log. It lines up deputies with leaves
    by every order it has: the presses, the marks, the receipts' rows, the log, forwards and back.

    What it cannot help learning is the write batch of each press (the log and the order of
    presses give it: a receipt is given once its ballot is in the log). Within a batch the leaves
    are in random order, so any such line-up finds on average one deputy per batch: B in all, for
    B batches. We fail if any strategy reaches the count chance reaches with probability 1e-7
    (:func:`threshold`; about 55 for twenty batches), and check that the experiment could see a
    link: the threshold stays far below 200. docs/reliability.md says what this means when the
    hall presses one at a time."""
    server = slow_batches
    s = Session.start(server.url)
    try:
        codes = enlarge_roll(s.staff, s.meeting_id, DEPUTIES)
        fleet = Fleet(server.url)
        order = list(range(DEPUTIES))
        random.Random().shuffle(order)
        found: dict[str, Any] = {}

        async def run() -> None:
            await fleet.connect(codes)
            vote_id = found["vote_id"] = s.open(s.item("决议")["id"])
            await fleet.wait_open(vote_id)
            receipts: dict[int, dict[str, Any]] = {}
            for start in range(0, DEPUTIES, WAVE):
                wave = order[start:start + WAVE]
                answers = await asyncio.gather(*(fleet.clients[i].vote(vote_id, {"choice": "yes"}) for i in wave))
                receipts.update(zip(wave, answers, strict=True))
            found["receipts"] = receipts
            found["member_of"] = {i: fleet.clients[i].me["member"]["id"] for i in range(DEPUTIES)}  # type: ignore[index]
            found["tables"] = dump(server.database_url)  # the copy, taken while the vote is open
            await fleet.close()

        asyncio.run(run())
    finally:
        s.staff.close()
        s.chair.close()
    vote_id, tables = found["vote_id"], found["tables"]
    member_of: dict[int, int] = found["member_of"]
    truth = {member_of[i]: r["receipt"]["index"] for i, r in found["receipts"].items()}
    batches = len({int(r["receipt"]["checkpoint"].split("\n")[1]) for r in found["receipts"].values()})
    assert batches <= DEPUTIES // 4, f"{batches} batches: waves did not share batches, the test has no power"

    records = [json.loads(bytes(row["data"])) for row in tables["audit_records"]]
    leaves_in_log = [r["seq"] for r in records if r["type"] == "ballot" and r["body"]["vote_id"] == vote_id]
    leaves_in_rows = [row["leaf_index"] for row in tables["ballot_receipts"] if row["vote_id"] == vote_id]
    key = VoteKeys(server.data_dir / participation.DIRECTORY).load(vote_id)
    assert key is not None
    by_mark = {participation.mark(key, m): m for m in member_of.values()}
    marks = [row["mark"] for row in tables["vote_voters"] if row["vote_id"] == vote_id]
    members_in_marks = [by_mark[m] for m in marks]
    presses = [member_of[i] for i in order]
    assert sorted(leaves_in_log) == sorted(leaves_in_rows) == sorted(truth.values())
    assert sorted(members_in_marks) == sorted(presses)
    # No record of the vote's ballots carries a time of its own.
    assert len({r["time"] for r in records if r["type"] == "ballot" and r["body"]["vote_id"] == vote_id}) == 1

    limit = threshold(batches)
    assert limit < DEPUTIES // 3
    found_hits = {}
    for members_name, members in (("presses", presses), ("marks", members_in_marks)):
        for leaves_name, leaves in (("log", leaves_in_log), ("receipt rows", leaves_in_rows)):
            for direction, ordered in (("forwards", leaves), ("backwards", leaves[::-1])):
                hits = sum(truth[m] == leaf for m, leaf in zip(members, ordered, strict=True))
                found_hits[f"{members_name}/{leaves_name}/{direction}"] = hits
                assert hits < limit, (f"{members_name} vs {leaves_name} {direction}: {hits} of {DEPUTIES} linked, "
                                      f"chance reaches {limit} with p < {STRATEGIES_BOUND} ({batches} batches)")
    print(f"\n[linking] {DEPUTIES} deputies in {batches} write batches: hits {found_hits}, limit {limit}")
