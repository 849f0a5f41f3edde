"""tests/vectors/ballot_crypto.json is what `python -m ballotcrypto.vectors` makes, and it holds
up when read the way a second implementation reads it: every value recomputed from the inputs
and draws it lists, every refusal refused with the finding it names."""

from __future__ import annotations

import base64
import hashlib
import json
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballotcrypto import ballot as bal
from ballotcrypto import ceremony as cer
from ballotcrypto import count, sodium, vectors, writein_count
from ballotcrypto.errors import BallotCryptoError
from ballotcrypto.group import GENERATOR, Scalar, decode_point, decode_scalar
from ballotcrypto.hashing import hs, jcs
from ballotcrypto.randomness import Seeded

FILE = Path(__file__).resolve().parents[1] / "vectors" / "ballot_crypto.json"


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    return loaded


class Replay:
    """The draws a vector lists, handed out in their order (and nothing more)."""

    def __init__(self, draws: list[dict[str, str]]) -> None:
        self.draws = list(draws)

    def scalar(self) -> Scalar:
        return decode_scalar(self.draws.pop(0)["scalar"])

    def octets(self, size: int) -> bytes:
        value = bytes.fromhex(self.draws.pop(0)["octets"])
        assert len(value) == size
        return value


def test_the_committed_file_is_a_fresh_generation() -> None:
    fresh = json.dumps(vectors.build(), ensure_ascii=False, indent=1) + "\n"
    assert FILE.read_text(encoding="utf-8") == fresh, "run: python -m ballotcrypto.vectors"


def test_hs_vectors_recompute() -> None:
    for case in document()["hs"]:
        assert jcs([case["tag"], *case["items"]]).decode("utf-8") == case["jcs"]
        assert hs(case["tag"], case["items"]).hex() == case["scalar"]


def test_the_seeded_example_is_the_documented_derivation() -> None:
    example = document()["seeded"]
    rng = Seeded(example["seed"])
    assert [rng.scalar().hex(), rng.octets(16).hex(), rng.scalar().hex()] == [
        example["draws"][0]["scalar"], example["draws"][1]["octets"], example["draws"][2]["scalar"]]


def test_the_ceremony_replays_from_its_draws_and_every_message_checks() -> None:
    doc = document()["ceremony"]
    ceremony = cer.read_ceremony(doc["statement"])
    assert ceremony.cid == doc["cid"] == document()["h256"][0]["hash"]
    commitments = [cer.check_commitment(ceremony, t["commitment"]) for t in doc["trustees"]]
    secrets = {}
    for t in doc["trustees"]:
        secret, commitment = cer.start(ceremony, t["trustee"], Replay(t["randomness"]["round1"]))
        assert commitment.to_json() == t["commitment"]
        assert [a.hex() for a in secret.coefficients] == t["coefficients"]
        secrets[t["trustee"]] = secret
    for t in doc["trustees"]:
        j = t["trustee"]
        received = {}
        for dealer in doc["trustees"]:
            if dealer["trustee"] == j:
                continue
            entry = next(s for s in dealer["shares"] if s["to"] == j)
            assert cer.share_message(ceremony, dealer["trustee"], j, decode_scalar(entry["share"])).decode() == \
                entry["message"]
            sealed = sodium.box_seal(entry["message"].encode(), bytes.fromhex(t["commitment"]["box"]))
            value = {"trustee": dealer["trustee"], "to": j, "sealed": base64.b64encode(sealed).decode()}
            received[dealer["trustee"]] = cer.open_share(ceremony, secrets[j], commitments, value)
        x, confirmation = cer.confirm(ceremony, secrets[j], commitments, received, Replay(t["randomness"]["round3"]))
        assert (x.hex(), confirmation.to_json()) == (t["x"], t["confirmation"])
        cer.check_confirmation(ceremony, commitments, t["confirmation"])
    confirmations = [cer.check_confirmation(ceremony, commitments, t["confirmation"]) for t in doc["trustees"]]
    assert cer.election_key(ceremony, commitments, confirmations).to_json() == doc["result"]


def test_each_form_s_ballot_replays_from_its_draws_and_checks() -> None:
    names = []
    for case in document()["ballots"]:
        context = bal.read_context(case["context"])
        assert context.vid == case["vid"]
        ballot = bal.check_ballot(context, case["ballot"])
        assert ballot.tracker == case["tracker"] and bal.display_code(ballot.tracker) == case["display"]
        again = bal.encrypt_ballot(context, case["values"], Replay(case["randomness"]["draws"]))
        assert again.ballot.to_json() == case["ballot"]
        names.append(case["name"])
    assert names == ["motion", "election", "satisfaction"]


def test_the_opening_opens_its_ballot() -> None:
    doc = document()
    case = next(c for c in doc["ballots"] if c["name"] == doc["opening"]["ballot"])
    context = bal.read_context(case["context"])
    opening = bal.check_opening(context, bal.check_ballot(context, case["ballot"]), doc["opening"]["opening"])
    assert list(opening.values) == case["values"]


def test_the_count_recomputes_totals_partials_and_counts() -> None:
    doc = document()["count"]
    result = cer.read_ceremony_result(document()["ceremony"]["result"])
    context = bal.read_context(doc["context"])
    ballots = [bal.check_ballot(context, case["ballot"]) for case in doc["ballots"]]
    totals = count.aggregate(context.form.selections, ballots)
    assert count.totals_to_json(totals) == doc["totals"]
    partials = [count.check_partial(context.vid, result.share_keys, totals, p["partial"]) for p in doc["partials"]]
    assert [p.trustee for p in partials] == doc["quorum"]
    secrets = {t["trustee"]: decode_scalar(t["x"]) for t in document()["ceremony"]["trustees"]}
    for p in doc["partials"]:
        j = p["partial"]["trustee"]
        made = count.partial_decrypt(context.vid, j, secrets[j], totals, Replay(p["randomness"]["draws"]))
        assert made.to_json() == p["partial"]
    lambdas = count.lagrange_at_zero(doc["quorum"])
    assert {str(j): v.hex() for j, v in lambdas.items()} == doc["lagrange"]
    assert list(count.combine(totals, partials, 2, len(ballots))) == doc["counts"]
    assert doc["counts"] == [sum(col) for col in zip(*(case["values"] for case in doc["ballots"]), strict=True)]


def test_every_refusal_is_refused_with_its_finding() -> None:
    doc = document()
    contexts = {c["name"]: bal.read_context(c["context"]) for c in doc["ballots"]}
    spoiled = {c["name"]: bal.check_ballot(contexts[c["name"]], c["ballot"]) for c in doc["ballots"]}
    ceremony = cer.read_ceremony(doc["ceremony"]["statement"])
    result = cer.read_ceremony_result(doc["ceremony"]["result"])
    election = bal.read_context(doc["count"]["context"])
    totals = count.read_totals(doc["count"]["totals"], election.form.selections)
    checks: dict[str, Callable[[dict[str, Any]], object]] = {
        "point": lambda case: decode_point(case["input"]),
        "scalar": lambda case: decode_scalar(case["input"]),
        "ballot": lambda case: bal.check_ballot(contexts[case["context"]], case["input"]),
        "opening": lambda case: bal.check_opening(contexts[case["context"]], spoiled[case["context"]], case["input"]),
        "commitment": lambda case: cer.check_commitment(ceremony, case["input"]),
        "partial": lambda case: count.check_partial(election.vid, result.share_keys, totals, case["input"]),
    }
    seen = set()
    for case in doc["refusals"]:
        with pytest.raises(BallotCryptoError) as refused:
            checks[case["check"]](case)
        assert refused.value.finding == case["finding"], case["name"]
        seen.add(case["check"])
    assert seen == set(checks)


def test_main_writes_the_file_where_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "sub" / "v.json"
    assert vectors.main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == FILE.read_text(encoding="utf-8")
    again = tmp_path / "again.json"
    monkeypatch.setattr(sys, "argv", ["ballotcrypto.vectors", "--out", str(again)])
    monkeypatch.delitem(sys.modules, "ballotcrypto.vectors")
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("ballotcrypto.vectors", run_name="__main__")
    assert exited.value.code == 0 and again.exists()


def test_the_generator_refuses_a_refusal_case_that_is_accepted() -> None:
    with pytest.raises(AssertionError):
        vectors._refusal("accepted", "point", "x", lambda: None)


# Write-ins (§6.1) ------------------------------------------------------------------------------------


def test_the_write_in_ballots_replay_from_their_draws_and_check() -> None:
    doc = document()["write_ins"]
    context = bal.read_context(doc["context"])
    assert context.vid == doc["vid"] and context.form.write_ins == 2
    for case in [*doc["ballots"], doc["spoiled"]]:
        ballot = bal.check_ballot(context, case["ballot"])
        assert ballot.tracker == case["tracker"] and bal.display_code(ballot.tracker) == case["display"]
        again = bal.encrypt_ballot(context, case["values"], Replay(case["randomness"]["draws"]), case["names"])
        assert again.ballot.to_json() == case["ballot"]
    spoiled = bal.check_ballot(context, doc["spoiled"]["ballot"])
    opening = bal.check_opening(context, spoiled, doc["opening"])
    assert [name for _, name in opening.write_ins] == doc["spoiled"]["names"]


def test_the_sealed_name_example_recomputes_step_by_step() -> None:
    seal = document()["write_ins"]["seal"]
    rho, key = decode_scalar(seal["rho"]), decode_point(seal["key"])
    assert (rho * GENERATOR).hex() == seal["r"] and (rho * key).hex() == seal["shared"]
    key_input = jcs([seal["tags"][0], seal["vid"], seal["ballot"], seal["slot"], seal["r"], seal["shared"]])
    assert key_input.decode() == seal["key_input"]
    digest = hashlib.sha512(key_input).digest()
    assert (digest[:32].hex(), digest[32:56].hex()) == (seal["aead_key"], seal["nonce"])
    ad = jcs([seal["tags"][1], seal["vid"], seal["ballot"], seal["slot"], seal["r"]])
    assert ad.decode() == seal["ad"]
    padded = bytes.fromhex(seal["padded"])
    assert len(padded) == 64 and padded.rstrip(b"\0").decode() == seal["name"]
    sealed = sodium.aead_seal(padded, ad, digest[32:56], digest[:32])
    assert base64.b64encode(sealed).decode() == seal["sealed"]


def test_the_write_in_count_recomputes_totals_uses_and_names() -> None:
    doc = document()["write_ins"]
    result = cer.read_ceremony_result(document()["ceremony"]["result"])
    secrets = {t["trustee"]: decode_scalar(t["x"]) for t in document()["ceremony"]["trustees"]}
    context = bal.read_context(doc["context"])
    ballots = [bal.check_ballot(context, case["ballot"]) for case in doc["ballots"]]
    totals = count.aggregate(context.form.selections, ballots)
    assert count.totals_to_json(totals) == doc["totals"]
    partials = [count.check_partial(context.vid, result.share_keys, totals, p["partial"]) for p in doc["partials"]]
    assert list(count.combine(totals, partials, 2, len(ballots))) == doc["counts"]
    assert doc["counts"] == [sum(col) for col in zip(*(case["values"] for case in doc["ballots"]), strict=True)]

    uses = doc["uses"]
    assert count.totals_to_json(writein_count.use_sums(ballots)) == uses["sums"]
    checked = []
    for p in uses["partials"]:
        j = p["partial"]["trustee"]
        made = writein_count.uses_partial(context.vid, j, secrets[j], ballots, Replay(p["randomness"]["draws"]))
        assert made.to_json() == p["partial"]
        checked.append(writein_count.check_uses_partial(context.vid, result.share_keys, ballots, p["partial"]))
    assert [p.trustee for p in checked] == uses["quorum"]
    assert list(writein_count.combine_uses(ballots, checked, 2)) == uses["uses"]

    names = doc["names"]
    round2 = writein_count.with_write_ins(ballots, uses["uses"])
    assert [b.ballot for b in round2] == names["ballots"]
    named = []
    for p in names["partials"]:
        j = p["partial"]["trustee"]
        again = writein_count.names_partial(context.vid, j, secrets[j], round2, Replay(p["randomness"]["draws"]))
        assert again.to_json() == p["partial"]
        named.append(writein_count.check_names_partial(context.vid, result.share_keys, round2, p["partial"]))
    assert {str(j): v.hex() for j, v in count.lagrange_at_zero(names["quorum"]).items()} == names["lagrange"]
    written = writein_count.combine_names(context.vid, round2, [u for u in uses["uses"] if u], named, 2)
    assert [list(n) for n in written] == names["names"] == [
        [n for n in case["names"] if n] for case in doc["ballots"] if any(case["names"])]


def test_every_write_in_refusal_is_refused_with_its_finding() -> None:
    doc = document()["write_ins"]
    context = bal.read_context(doc["context"])
    result = cer.read_ceremony_result(document()["ceremony"]["result"])
    ballots = [bal.check_ballot(context, case["ballot"]) for case in doc["ballots"]]
    round2 = writein_count.with_write_ins(ballots, doc["uses"]["uses"])
    checks: dict[str, Callable[[dict[str, Any]], object]] = {
        "ballot": lambda case: bal.check_ballot(context, case["input"]),
        "opening": lambda case: bal.check_opening(context, bal.check_ballot(context, case["spoiled"]),
                                                  case["input"]),
        "uses-partial": lambda case: writein_count.check_uses_partial(context.vid, result.share_keys, ballots,
                                                                     case["input"]),
        "names-partial": lambda case: writein_count.check_names_partial(context.vid, result.share_keys, round2,
                                                                       case["input"]),
    }
    for case in doc["refusals"]:
        with pytest.raises(BallotCryptoError) as refused:
            checks[case["check"]](case)
        assert refused.value.finding == case["finding"], case["name"]
    assert {case["check"] for case in doc["refusals"]} == set(checks)
