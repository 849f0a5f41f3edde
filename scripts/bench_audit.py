"""Benchmark of the audit log; prints one JSON object (not a timed test).

Targets (issue 4): append >= 20,000 records/s with a checkpoint every 1,000 records; verify
>= 100,000 records/s; an inclusion proof in a 1M-leaf log in under 1 ms.  Issue 15: the command line
``python -m audit verify`` >= 150,000 records/s on a realistic session log (`build_realistic`: a
checkpoint every one to two dozen ballots, replaced ballots, named votes, real recounts).

    .venv/bin/python scripts/bench_audit.py [--records 200000] [--leaves 1000003]
    .venv/bin/python scripts/bench_audit.py --only-realistic [--deputies 500] [--votes 200]
    .venv/bin/python scripts/bench_audit.py --only-encrypted [--deputies 450] [--votes 10]

Issue 13: the verifier checks >= 2,000 selection proofs per second per core.  `build_encrypted`
makes a session of encrypted secret votes as the server logs them (`--only-encrypted`): a key
ceremony of 5 监票人 (k = 3), a 30-candidate election for 25 seats and `--votes` motions, each voted
by `--deputies` deputies in group commits of 12 to 24 ballots with a checkpoint each, one ballot
challenged per vote, totals, 3 partial decryptions, the count and the real tally's result.
`bench_verify_encrypted` verifies it on one core and on all of them, and times the proof checks
alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit import AuditLog, export, keys, merkle, records, verify_export

DEFINITION = {"kind": "motion", "members_of_record": 35, "present": 30, "threshold": "majority_of_all"}
CHOICES = ("yes", "no", "abstain")


class _FakeTally:
    """Counts motions like `tally` would, so the benchmark measures the log, not the tally."""

    TallyError: type[Exception] = ValueError

    @staticmethod
    def count_document(doc: Mapping[str, Any]) -> dict[str, Any]:
        counts = {c: 0 for c in CHOICES}
        for ballot in doc["ballots"]:
            counts[ballot["choice"]] += 1
        return {"counts": counts}


def _ballot(vote_id: str, rng: random.Random) -> tuple[str, dict[str, object]]:
    choice = rng.choice(CHOICES)
    return "ballot", {"vote_id": vote_id, "ballot": {"choice": choice}, "nonce": os.urandom(16).hex()}


def bench_append(directory: Path, signer: keys.Signer, records: int, batch: int) -> dict[str, float]:
    rng = random.Random(1)
    counts = {c: 0 for c in CHOICES}
    entries = [_ballot("v1", rng) for _ in range(records)]  # made before the clock starts
    for _, body in entries:
        counts[body["ballot"]["choice"]] += 1  # type: ignore[index]
    with AuditLog.open(directory, signer, checkpoint_every=1000) as log:
        log.append("vote_opened", {"vote_id": "v1", "definition": DEFINITION})
        started = time.perf_counter()
        if batch == 1:
            for type_, body in entries:
                log.append(type_, body)
        else:
            for start in range(0, records, batch):
                log.append_many(entries[start : start + batch])
        log.checkpoint()
        elapsed = time.perf_counter() - started
        log.append("vote_closed", {"vote_id": "v1", "ballots_cast": records})
        log.append("result", {"vote_id": "v1", "result": {"counts": counts}})
        checkpoints = len(log.checkpoints)
    return {
        "records": records,
        "seconds": round(elapsed, 3),
        "records_per_s": round(records / elapsed),
        "checkpoints": checkpoints,
    }


def bench_verify(log_dir: Path, out_dir: Path, real_tally: bool = False) -> dict[str, float]:
    """Best of three runs (the machine is shared: the best run is the least disturbed one)."""
    export(log_dir, out_dir)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        report = verify_export(out_dir, tally=None if real_tally else _FakeTally())
        times.append(time.perf_counter() - started)
        assert report.ok, report.failure
    elapsed = min(times)
    return {
        "records": report.records,
        "seconds": round(elapsed, 3),
        "records_per_s": round(report.records / elapsed),
        "records_per_s_worst_run": round(report.records / max(times)),
    }


def bench_verify_cli(export_dir: Path, runs: int = 3) -> dict[str, float]:
    """``python -m audit verify`` as an auditor runs it, start-up included: best of `runs`."""
    import subprocess

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "audit", "verify", str(export_dir), "--no-progress"],
                              capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent.parent)
        times.append(time.perf_counter() - started)
        assert done.returncode == 0, done.stdout + done.stderr
    records = sum(1 for _ in (export_dir / "records.jsonl").open("rb"))
    return {
        "records": records,
        "seconds": round(min(times), 3),
        "records_per_s": round(records / min(times)),
        "records_per_s_worst_run": round(records / max(times)),
    }


def build_session(directory: Path, signer: keys.Signer, votes: int, deputies: int) -> dict[str, float]:
    """A realistic log: `votes` motions of `deputies` ballots each, results from the real tally."""
    import tally

    rng = random.Random(3)
    definition = dict(DEFINITION, members_of_record=deputies, present=deputies)
    started = time.perf_counter()
    with AuditLog.open(directory, signer) as log:
        for number in range(votes):
            vote_id = f"v{number}"
            batch = [_ballot(vote_id, rng) for _ in range(deputies)]
            log.append("vote_opened", {"vote_id": vote_id, "definition": definition})
            log.append_many(batch, shuffle=True)
            log.append("vote_closed", {"vote_id": vote_id, "ballots_cast": deputies})
            result = tally.count_document(dict(definition, ballots=[body["ballot"] for _, body in batch]))
            log.append("result", {"vote_id": vote_id, "result": result})
            log.checkpoint()
        size = log.size
    elapsed = time.perf_counter() - started
    return {"records": size, "votes": votes, "seconds": round(elapsed, 3), "records_per_s": round(size / elapsed)}


def _clock(start: datetime) -> Callable[[], str]:
    """Record times of a session: each transaction a few milliseconds after the one before."""
    moment = [start]
    rng = random.Random(5)

    def tick() -> str:
        moment[0] += timedelta(milliseconds=rng.randint(1, 40))
        return records.format_time(moment[0])

    return tick


def build_realistic(directory: Path, signer: keys.Signer, deputies: int, votes: int) -> dict[str, float]:
    """A log shaped like a real session's, record for record as the server writes it: accounts, a
    meeting, its roll, sign-ins and check-ins (a few on leave, one suspended deputy), then `votes`
    items (motions, elections, appointments; a few named votes with their named_ballot records)
    each voted by every present deputy in group commits of 12 to 24 ballots, a checkpoint signed
    for each commit, about 2% of the deputies changing their choice (ballot_withdrawn and a new
    ballot), then vote_closed and the real tally's result."""
    import tally

    rng = random.Random(7)
    tick = _clock(datetime.now(UTC))
    codes = [f"D{n:04d}" for n in range(1, deputies + 1)]
    on_leave = set(rng.sample(codes, max(1, deputies // 40)))
    suspended = next(c for c in codes if c not in on_leave)
    present = [c for c in codes if c not in on_leave and c != suspended]
    started = time.perf_counter()
    with AuditLog.open(directory, signer, "bench.renda.example/session") as log:

        def commit(entries: list[tuple[str, dict[str, Any]]], *, shuffle: bool = False) -> list[int]:
            seqs = log.append_many(entries, tick(), shuffle=shuffle)
            log.checkpoint()
            return seqs

        commit([("user_created", {"user": u, "role": r, "by": "demo"})
                for u, r in (("chair", "chair"), ("staff", "staff"), ("auditor", "auditor"))])
        items: list[tuple[int, str, dict[str, Any], bool]] = []
        for item_id in range(1, votes + 1):
            kind = rng.choices(("motion", "election", "appointment"), (7, 2, 1))[0]
            if kind == "motion":
                definition: dict[str, Any] = {}
            elif kind == "election":
                candidates = [f"候选人{item_id}-{k}" for k in range(3)]
                definition = {"office": "deputy_head", "seats": 2, "candidates": candidates}
            else:
                nominee = {"nominee": f"被提名人{item_id}", "post": "局长", "action": "appoint"}
                definition = {"mode": "individual", "items": [nominee]}
            items.append((item_id, kind, definition, kind != "motion" or rng.random() > 0.05))
        commit([
            ("meeting_created", {"meeting_id": 1, "body": "congress", "name": "某某县人民代表大会",
                                 "title": "第一次会议", "settings": {}, "by": "demo"}),
            ("roll_loaded", {"meeting_id": 1, "added": deputies, "updated": 0, "by": "demo",
                             "members": [{"code": c, "name": f"代表{c}", "status": "active"} for c in codes]}),
            *(("item_added", {"meeting_id": 1, "item_id": item_id, "kind": kind, "title": f"议题{item_id}",
                              "definition": definition, "secret": secret, "settings": {"change_before_close": "last"},
                              "amends": None, "by": "demo"}) for item_id, kind, definition, secret in items),
        ])
        commit([("member_status", {"member": suspended, "status": "suspended", "reason": "代表法 第六十一条",
                                   "by": "staff"}),
                *(("attendance", {"meeting_id": 1, "member": c, "state": "leave", "by": "staff:staff",
                                  "reason": "请假"}) for c in sorted(on_leave))])
        for start in range(0, len(present), 16):
            group = present[start : start + 16]
            commit([entry for c in group for entry in (
                ("sign_in", {"role": "deputy", "member": c, "meeting_id": 1}),
                ("check_in", {"meeting_id": 1, "member": c, "by": "self", "reason": ""}))])
        members_of_record = deputies  # the suspended deputy stays in the base (count_suspended_in_base)
        for item_id, kind, item_definition, secret in items:
            vote_id = f"v{item_id}-1"
            definition = {"kind": kind, "title": f"议题{item_id}", "body": "congress",
                          "members_of_record": members_of_record, "present": len(present), **item_definition}
            if kind == "election":
                definition["ballots_issued"] = len(present)
            opened_at = tick()
            log.append_many([("vote_opened", {"vote_id": vote_id, "definition": definition}),
                             *([] if secret else [("vote_named", {"vote_id": vote_id})])], opened_at)
            log.checkpoint()
            voters = present[:]
            rng.shuffle(voters)
            changers = set(voters[: len(voters) // 50])
            counted: dict[int, dict[str, Any]] = {}
            cast: dict[str, int] = {}
            queue = [(c, False) for c in voters]
            while queue:
                size = rng.randint(12, 24)
                batch, queue = queue[:size], queue[size:]
                entries: list[tuple[str, dict[str, Any]]] = []
                for code, again in batch:
                    if again:
                        entries.append(("ballot_withdrawn", {"vote_id": vote_id, "seq": cast[code]}))
                        del counted[cast[code]]
                ballots = [(code, _session_ballot(kind, item_definition, rng)) for code, _ in batch]
                entries += [("ballot", {"vote_id": vote_id, "ballot": b, "nonce": os.urandom(16).hex()})
                            for _, b in ballots]
                # a secret vote's ballots and withdrawals are dated at its opening, as the server
                # writes them (verifier-spec: ballot-time-revealed)
                seqs = log.append_many(entries, opened_at if secret else tick())
                ballot_seqs = seqs[len(entries) - len(ballots):]
                for (code, ballot), seq in zip(ballots, ballot_seqs, strict=True):
                    counted[seq] = ballot
                    cast[code] = seq
                if not secret:
                    log.append_many([("named_ballot", {"vote_id": vote_id, "seq": seq, "member": code})
                                     for (code, _), seq in zip(ballots, ballot_seqs, strict=True)], tick())
                log.checkpoint()
                queue += [(code, True) for code, again in batch if code in changers and not again]
            result = tally.count_document(dict(definition, ballots=list(counted.values())))
            commit([("vote_closed", {"vote_id": vote_id, "ballots_cast": len(counted)}),
                    ("result", {"vote_id": vote_id, "result": result})])
        size, checkpoints = log.size, len(log.checkpoints)
    elapsed = time.perf_counter() - started
    return {"records": size, "checkpoints": checkpoints, "votes": votes, "deputies": deputies,
            "records_per_checkpoint": round(size / checkpoints, 1), "seconds": round(elapsed, 3)}


def _session_ballot(kind: str, definition: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    if kind == "motion":
        return {"choice": rng.choices(CHOICES, (6, 3, 1))[0]}
    if kind == "election":
        chosen = rng.sample(definition["candidates"], 2)
        return {"marks": {name: rng.choices(CHOICES, (6, 3, 1))[0] for name in chosen}}
    nominee = definition["items"][0]["nominee"]
    return {"marks": {nominee: rng.choices(CHOICES, (6, 3, 1))[0]}}


def _ceremony(log: AuditLog, tick: Callable[[], str], n: int, k: int) -> tuple[Any, dict[int, Any], str]:
    """The 监票人's key ceremony as the server logs it (server/usecases/ceremony.py): the result and
    each trustee's share x_j."""
    import hashlib

    from ballotcrypto import ceremony as kc

    statement = kc.Ceremony(log.origin, "c1-1", n, k, tuple(f"监票人{i}" for i in range(1, n + 1)))
    made = [kc.start(statement, i) for i in range(1, n + 1)]
    commitments = [c for _, c in made]
    sealed = {s.trustee: kc.seal_shares(statement, s, commitments) for s, _ in made}
    shares, confirmations = {}, []
    for secret, _ in made:
        received = {x.trustee: kc.open_share(statement, secret, commitments, x.to_json())
                    for batch in sealed.values() for x in batch if x.to == secret.trustee}
        shares[secret.trustee], confirmation = kc.confirm(statement, secret, commitments, received)
        confirmations.append(confirmation)
    result = kc.election_key(statement, commitments, confirmations)
    digest = hashlib.sha256(result.key.encoding).hexdigest()[:16].upper()
    fingerprint = "-".join(digest[i : i + 4] for i in range(0, 16, 4))
    base = {"meeting_id": 1, "ceremony": "c1-1"}
    log.append_many([("ceremony_started", {"meeting_id": 1, "ceremony": statement.to_json(), "cid": statement.cid,
                                           "accounts": [f"jianpiao{i}" for i in range(1, n + 1)], "by": "staff"}),
                     *(("trustee_commitment", {**base, "commitment": c.to_json()}) for c in commitments),
                     *(("trustee_shares", {**base, "trustee": i, "shares": [x.to_json() for x in batch]})
                       for i, batch in sealed.items()),
                     *(("trustee_confirmation", {**base, "confirmation": c.to_json()}) for c in confirmations),
                     ("election_key", {**base, **result.to_json(), "fingerprint": fingerprint})], tick())
    log.checkpoint()
    return result, shares, fingerprint


def build_encrypted(directory: Path, signer: keys.Signer, deputies: int, motions: int) -> dict[str, Any]:
    """A session of encrypted votes, record for record as the server logs them (module docstring)."""
    import tally
    from ballotcrypto.ballot import Context, encrypt_ballot
    from ballotcrypto.count import aggregate, combine, partial_decrypt, totals_to_json
    from ballotcrypto.votes import tally_counts, vote_form

    rng = random.Random(11)
    tick = _clock(datetime.now(UTC))
    candidates = [f"候选人{k:02d}" for k in range(30)]
    election = {"kind": "election", "title": "选举常务委员会委员", "office": "member", "seats": 25,
                "candidates": candidates, "allow_write_ins": False, "members_of_record": deputies,
                "present": deputies, "ballots_issued": deputies}
    motion = {"kind": "motion", "title": "决议", "members_of_record": deputies, "present": deputies}
    started = time.perf_counter()
    with AuditLog.open(directory, signer, "bench.renda.example/encrypted") as log:
        result, shares, fingerprint = _ceremony(log, tick, 5, 3)
        definitions = [("v1-1", election)] + [(f"v{n + 2}-1", motion) for n in range(motions)]
        selections = 0
        for vote_id, definition in definitions:
            shaped = vote_form(definition)
            assert shaped is not None
            context = Context(log.origin, vote_id, result.key, shaped.form)
            opened_at = tick()
            log.append("vote_opened", {"vote_id": vote_id, "definition": definition, "encryption": {
                "context": context.to_json(), "vid": context.vid, "fingerprint": fingerprint,
                "selections": [label.to_json() for label in shaped.labels], "ceremony": result.cid}}, opened_at)
            log.checkpoint()
            challenged = encrypt_ballot(context, _encrypted_values(definition, rng))
            log.append("ballot_spoiled", {"vote_id": vote_id, "ballot": challenged.ballot.to_json(),
                                          "opening": challenged.opening.to_json()}, tick())
            cast = []
            left = deputies
            while left:
                size = min(left, rng.randint(12, 24))
                batch = [encrypt_ballot(context, _encrypted_values(definition, rng)).ballot for _ in range(size)]
                # (dated at the opening, as the server writes a secret vote's ballots: ballot-time-revealed)
                log.append_many([("ballot", {"vote_id": vote_id, "ballot": b.to_json(), "nonce": os.urandom(16).hex()})
                                 for b in batch], opened_at, backdated=True)
                log.checkpoint()
                cast += batch
                left -= size
            selections += len(cast) * context.form.selections
            totals = aggregate(context.form.selections, cast)
            log.append_many([("vote_closed", {"vote_id": vote_id, "ballots_cast": len(cast)}),
                             ("encrypted_totals", {"vote_id": vote_id, "totals": totals_to_json(totals),
                                                   "ballots_cast": len(cast)})], tick())
            partials = [partial_decrypt(context.vid, j, shares[j], totals) for j in (1, 3, 5)]
            for partial in partials:
                log.append("partial_decryption", {"vote_id": vote_id, "partial": partial.to_json()}, tick())
                log.checkpoint()
            counts = list(combine(totals, partials, 3, len(cast)))
            document = {**definition, "counts": tally_counts(definition, counts, len(cast))}
            log.append_many([("decryption", {"vote_id": vote_id, "trustees": [1, 3, 5], "counts": counts,
                                             "tally_counts": document["counts"]}),
                             ("result", {"vote_id": vote_id, "result": tally.count_document(document)})], tick())
            log.checkpoint()
        size, checkpoints = log.size, len(log.checkpoints)
    return {"records": size, "checkpoints": checkpoints, "deputies": deputies, "votes": len(definitions),
            "cast_selections": selections, "seconds_to_build": round(time.perf_counter() - started, 1)}


def _encrypted_values(definition: Mapping[str, Any], rng: random.Random) -> list[int]:
    if definition["kind"] == "motion":
        return [[1, 0, 0], [0, 1, 0], [0, 0, 1]][rng.choices((0, 1, 2), (6, 3, 1))[0]]
    values = [0] * (2 * len(definition["candidates"]))
    for c in rng.sample(range(len(definition["candidates"])), definition["seats"]):
        values[2 * c + rng.choices((0, 1), (8, 1))[0]] = 1  # 赞成 or 反对; the others 弃权
    return values


def bench_verify_encrypted(export_dir: Path, runs: int = 3) -> dict[str, Any]:
    """`verify_export` on one core and on every core (CPU seconds of the processes, best of `runs`),
    and the proof checks alone (`audit.encrypted.check_ballots` over every cast ballot)."""
    import resource

    from audit.encrypted import check_ballots

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    figures: dict[str, Any] = {}
    for name, workers in (("one_core", 0), ("all_cores", None)):
        best: dict[str, float] = {}
        for _ in range(runs):
            wall, cpu, forked = time.perf_counter(), time.process_time(), children()
            report = verify_export(export_dir, workers=workers)
            wall, cpu, forked = time.perf_counter() - wall, time.process_time() - cpu, children() - forked
            assert report.ok, report.failure
            if not best or cpu + forked < best["cpu_seconds"] + best["worker_cpu_seconds"]:
                best = {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                        "worker_cpu_seconds": round(forked, 2)}
        total = best["cpu_seconds"] + best["worker_cpu_seconds"]
        figures[name] = {**best, "selection_proofs": report.selection_proofs,
                         "selection_proofs_per_cpu_second": round(report.selection_proofs / total),
                         "selection_proofs_per_wall_second": round(report.selection_proofs / best["wall_seconds"])}
    votes: dict[str, tuple[dict[str, Any], list[tuple[int, bytes]]]] = {}
    for seq, line in enumerate((export_dir / "records.jsonl").read_bytes().split(b"\n")[:-1]):
        record = records.decode(line)
        if record.type == "vote_opened":
            votes[record.body["vote_id"]] = (record.body["encryption"]["context"], [])
        elif record.type == "ballot":
            from audit import canonical

            votes[record.body["vote_id"]][1].append((seq, canonical.dumps(record.body["ballot"])))
    per_vote = {}
    for vote_id, (context, ballots) in votes.items():
        cpu = time.process_time()
        assert check_ballots(context, ballots) is None
        cpu = time.process_time() - cpu
        count = len(ballots) * context["form"]["selections"]
        alone = _selection_proofs(context, ballots)
        per_vote[vote_id] = {"selections": count, "cpu_seconds": round(cpu, 2),
                             "selections_per_cpu_second": round(count / cpu),
                             "selection_proofs_alone_per_cpu_second": round(count / alone)}
    figures["proof_checks_alone"] = per_vote
    return figures


def _selection_proofs(context: Mapping[str, Any], ballots: list[tuple[int, bytes]]) -> float:
    """CPU seconds of the ballots' selection proofs alone (each selection 0 or 1), limits left out."""
    from ballotcrypto.ballot import read_ballot
    from ballotcrypto.forms import read_form
    from ballotcrypto.group import decode_point
    from ballotcrypto.proofs import check_range

    key, form = decode_point(context["key"]), read_form(context["form"])
    parsed = [read_ballot(json.loads(ballot), form) for _, ballot in ballots]
    cpu = time.process_time()
    for b in parsed:
        for i, s in enumerate(b.selections):
            assert check_range(s.ciphertext.alpha, s.ciphertext.beta, key, 0, 1, s.proof, b.vid, b.ballot, f"s{i}")
    return time.process_time() - cpu


def bench_proofs(leaves: int, samples: int) -> dict[str, float]:
    tree = merkle.MerkleTree()
    started = time.perf_counter()
    tree.extend_hashes(os.urandom(32 * leaves))
    build = time.perf_counter() - started
    rng = random.Random(2)
    indexes = [rng.randrange(leaves) for _ in range(samples)]
    started = time.perf_counter()
    for index in indexes:
        tree.inclusion_proof(index)
    inclusion = (time.perf_counter() - started) / samples
    old_sizes = [rng.randrange(1, leaves) for _ in range(samples)]
    started = time.perf_counter()
    for old in old_sizes:
        tree.consistency_proof(old)
    consistency = (time.perf_counter() - started) / samples
    root = tree.root()
    proof = tree.inclusion_proof(indexes[0])
    started = time.perf_counter()
    for _ in range(samples):
        merkle.verify_inclusion_hash(tree.leaf(indexes[0]), indexes[0], leaves, proof, root)
    verify = (time.perf_counter() - started) / samples
    return {
        "leaves": leaves,
        "build_seconds": round(build, 3),
        "inclusion_proof_ms": round(inclusion * 1e3, 4),
        "consistency_proof_ms": round(consistency * 1e3, 4),
        "verify_inclusion_ms": round(verify * 1e3, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--leaves", type=int, default=1_000_003)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--deputies", type=int, default=500, help="deputies in the realistic session")
    parser.add_argument("--votes", type=int, default=200, help="votes in the realistic session")
    parser.add_argument("--only-realistic", action="store_true", help="only build and verify the realistic session")
    parser.add_argument("--only-encrypted", action="store_true",
                        help="only build and verify a session of encrypted votes (--deputies 450 --votes 10)")
    args = parser.parse_args()
    signer = keys.generate("bench.renda.example/log")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.only_encrypted:
            built = build_encrypted(root / "encrypted", signer, args.deputies, args.votes)
            export(root / "encrypted", root / "encrypted-export")
            print(json.dumps({"encrypted_session": built,
                              "verify_encrypted": bench_verify_encrypted(root / "encrypted-export"),
                              "target_selection_proofs_per_second_per_core": 2_000}, indent=2))
            return
        realistic = build_realistic(root / "realistic", signer, args.deputies, args.votes)
        export(root / "realistic", root / "realistic-export")
        verify_realistic = bench_verify_cli(root / "realistic-export")
        if args.only_realistic:
            print(json.dumps({"realistic_session": realistic, "verify_realistic_cli": verify_realistic}, indent=2))
            return
        single = bench_append(root / "single", signer, max(args.records // 10, 1), batch=1)
        batched = bench_append(root / "batched", signer, args.records, batch=100)
        verify = bench_verify(root / "batched", root / "export")
        session = build_session(root / "session", signer, votes=200, deputies=500)
        verify_session = bench_verify(root / "session", root / "session-export", real_tally=True)
    proofs = bench_proofs(args.leaves, args.samples)
    figures = {
        "append_one_by_one": single,
        "append_many_batches_of_100": batched,
        "verify_export": verify,
        "session_200_votes_of_500_append_and_tally": session,
        "verify_session_with_real_tally": verify_session,
        "realistic_session": realistic,
        "verify_realistic_cli": verify_realistic,
        "proofs": proofs,
        "targets": {"append_records_per_s": 20_000, "verify_records_per_s": 100_000, "inclusion_proof_ms": 1.0,
                    "verify_realistic_cli_records_per_s": 150_000},
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
