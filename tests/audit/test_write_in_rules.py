"""The verifier's checks of an encrypted election with write-ins (另选他人, docs/ballot-crypto.md
§6.1, docs/verifier-spec.md 15f): a good log verifies and recounts from the write-in names; each
record made to break one rule of the two write-in rounds is named, at its seq, by its finding."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from audit import Report, canonical, verify_export
from audit.encrypted import Ceremonies, CryptoFault, open_encrypted
from audit.spoiled import describe, find_spoiled
from ballotcrypto.count import aggregate, partial_decrypt, totals_to_json
from ballotcrypto.group import GENERATOR, Point
from ballotcrypto.hashing import h256
from ballotcrypto.randomness import Seeded
from ballotcrypto.writein_count import names_partial, uses_partial
from tests.audit.audit_helpers import ORIGIN, Entry, build_export
from tests.audit.encrypted_builder import (
    MOTION,
    Keys,
    encrypted_vote,
    encryption_of,
    key_ceremony,
    misfiled_name,
    position,
)

ELECTION: dict[str, Any] = {"kind": "election", "office": "deputy_head", "title": "副主任选举", "seats": 2,
                            "candidates": ["甲", "乙", "丙"], "members_of_record": 9, "present": 9,
                            "ballots_issued": 9}
BALLOTS: list[dict[str, Any]] = [
    {"marks": {"甲": "yes", "乙": "no"}, "write_ins": ["赵六"]},
    {"marks": {"甲": "yes", "乙": "yes"}},
    {"marks": {"甲": "no", "乙": "no", "丙": "no"}, "write_ins": ["赵六", "钱七"]},
]


@pytest.fixture(scope="module")
def keys() -> Keys:
    return key_ceremony()


def _vote(keys: Keys, **options: Any) -> list[Any]:
    return copy.deepcopy([*keys.entries, *encrypted_vote(keys, "v1-1", BALLOTS, definition=ELECTION, **options)])


def _verify(tmp_path: Path, entries: list[Entry]) -> Report:
    return verify_export(build_export(tmp_path, entries))


def _named(report: Report, code: str, index: int, words: str = "") -> None:
    assert report.failure is not None, "the log verified"
    assert (report.failure.code, report.failure.seq) == (code, index + 1), report.failures
    assert words in report.failure.message, report.failure.message


def _write_in(entries: list[Entry], round_: str, nth: int = 0) -> int:
    return [i for i, (t, body) in enumerate(entries) if t == "write_in_partial" and body["round"] == round_][nth]


def test_an_encrypted_election_with_write_ins_verifies_and_recounts_from_the_names(keys: Keys,
                                                                                  tmp_path: Path) -> None:
    entries = _vote(keys, spoil={"marks": {"丙": "yes"}, "write_ins": ["孙八"]}, trustees=(3, 1))
    decryption = entries[position(entries, "decryption")][1]
    assert decryption["write_ins"] == {"uses_trustees": [1, 3], "uses": [1, 0, 2], "names_trustees": [1, 3],
                                       "names": [["赵六"], ["赵六", "钱七"]]}
    result = entries[position(entries, "result")][1]["result"]
    assert result["write_ins"] == {"赵六": 2, "钱七": 1}
    report = _verify(tmp_path, entries)
    assert report.ok, report.failures


def test_a_vote_with_no_write_in_or_no_ballot_needs_no_second_round(keys: Keys, tmp_path: Path) -> None:
    entries = copy.deepcopy([*keys.entries,
                             *encrypted_vote(keys, "v1-1", [{"marks": {"甲": "yes"}}], definition=ELECTION),
                             *encrypted_vote(keys, "v2-1", [], definition=ELECTION)])
    assert not [body for t, body in entries if t == "write_in_partial" and body["round"] == "names"]
    assert _verify(tmp_path, entries).ok


def test_a_cast_ballot_whose_sealed_name_was_changed_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _vote(keys)
    at = position(entries, "ballot")
    slot = entries[at][1]["ballot"]["write_ins"][0]
    sealed = bytearray(base64.b64decode(slot["sealed"]))
    sealed[5] ^= 1
    slot["sealed"] = base64.b64encode(bytes(sealed)).decode()
    _named(_verify(tmp_path, entries), "bad-write-in-proof", at)


def test_a_write_in_partial_that_does_not_prove_itself_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _vote(keys)
    at = _write_in(entries, "names", 1)
    share = entries[at][1]["partial"]["ballots"][1]["slots"][0]["name"]
    share["d"] = (Point(bytes.fromhex(share["d"])) + GENERATOR).hex()
    _named(_verify(tmp_path / "names", entries), "bad-write-in-partial", at, "另选他人")
    entries = _vote(keys)
    at = _write_in(entries, "uses")
    entries[at][1]["partial"]["shares"] = entries[at][1]["partial"]["shares"][:2]
    _named(_verify(tmp_path / "uses", entries), "bad-write-in-partial", at, "round uses")


def test_write_in_partials_out_of_place_twice_or_of_another_round_are_named(keys: Keys, tmp_path: Path) -> None:
    entries = _vote(keys)
    names = _write_in(entries, "names")
    entries.insert(names + 1, entries[_write_in(entries, "uses")])
    _named(_verify(tmp_path / "late-uses", entries), "bad-write-in-partial", names + 1, "after round names began")
    entries = _vote(keys)
    first = _write_in(entries, "names")
    entries.insert(first + 1, entries[first])
    _named(_verify(tmp_path / "twice", entries), "bad-write-in-partial", first + 1, "twice")
    entries = _vote(keys)
    second_use = _write_in(entries, "uses", 1)
    moved = entries.pop(_write_in(entries, "names"))
    entries.insert(second_use, moved)
    _named(_verify(tmp_path / "early", entries), "bad-write-in-partial", second_use, "before 2 partials")
    entries = _vote(keys)
    at = _write_in(entries, "uses")
    entries[at][1]["round"] = "both"
    _named(_verify(tmp_path / "round", entries), "bad-write-in-partial", at, "not of round")
    entries = _vote(keys)
    at = _write_in(entries, "uses")
    entries.insert(position(entries, "encrypted_totals"), entries.pop(at))
    _named(_verify(tmp_path / "before-totals", entries), "bad-write-in-partial", position(entries, "encrypted_totals")
           - 1, "before the totals")
    entries = _vote(keys)
    decryption = position(entries, "decryption")
    entries.insert(decryption + 1, entries[_write_in(entries, "uses")])
    _named(_verify(tmp_path / "after", entries), "bad-write-in-partial", decryption + 1, "after the count")


def test_a_write_in_partial_of_a_vote_without_write_ins_or_in_clear_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = copy.deepcopy([*keys.entries, *encrypted_vote(keys, "v1-1", [{"choice": "yes"}])])
    at = position(entries, "decryption")
    entries.insert(at, ("write_in_partial", {"vote_id": "v1-1", "round": "uses", "partial": {}}))
    _named(_verify(tmp_path, entries), "bad-write-in-partial", at, "without write-ins")


def test_a_names_partial_for_other_ballots_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _vote(keys)
    at = _write_in(entries, "names")
    partial = entries[at][1]["partial"]
    partial["ballots"] = partial["ballots"][::-1]
    _named(_verify(tmp_path, entries), "bad-write-in-partial", at, "应为")


@pytest.mark.parametrize(("change", "code", "words"), [
    (lambda w: w.update(names=[["赵六"], ["孙八", "钱七"]]), "wrong-write-ins", "write_ins are not"),
    (lambda w: w.update(uses=[1, 1, 1]), "wrong-write-ins", "write_ins are not"),
    (lambda w: w.update(names_trustees=[1]), "wrong-write-ins", "write_ins are not"),
    (lambda w: w.pop("names"), "bad-decryption", "decryption.write_ins"),
])
def test_a_decryption_whose_write_ins_are_not_the_rounds_is_named(keys: Keys, tmp_path: Path, change: Any,
                                                                  code: str, words: str) -> None:
    entries = _vote(keys)
    at = position(entries, "decryption")
    change(entries[at][1]["write_ins"])
    _named(_verify(tmp_path, entries), code, at, words)


def test_a_decryption_without_enough_partials_of_a_round_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _vote(keys)
    del entries[_write_in(entries, "names", 1)]
    _named(_verify(tmp_path / "names", entries), "wrong-write-ins", position(entries, "decryption"), "round names")
    entries = _vote(keys)
    for _ in range(2):
        del entries[_write_in(entries, "names")]
    del entries[_write_in(entries, "uses", 1)]
    _named(_verify(tmp_path / "uses", entries), "wrong-write-ins", position(entries, "decryption"), "round uses")


def test_tally_counts_with_other_write_in_names_are_named(keys: Keys, tmp_path: Path) -> None:
    entries = _vote(keys)
    at = position(entries, "decryption")
    entries[at][1]["tally_counts"]["write_in_ballots"] = [["赵六"], ["赵六", "孙八"]]
    _named(_verify(tmp_path, entries), "wrong-counts", at, "tally_counts")


def test_write_ins_in_the_decryption_of_a_vote_without_slots_are_named(keys: Keys, tmp_path: Path) -> None:
    entries: list[Any] = copy.deepcopy([*keys.entries, *encrypted_vote(keys, "v1-1", [{"choice": "yes"}])])
    at = position(entries, "decryption")
    entries[at][1]["write_ins"] = {}
    _named(_verify(tmp_path, entries), "bad-decryption", at, "no write-in slots")


def test_a_name_that_does_not_open_is_named_at_the_decryption(keys: Keys) -> None:
    """A faulty tablet sealed slot 0's name under slot 1's associated data and proved ρ honestly:
    every record checks until the names are recovered; the decryption is ``bad-write-in``."""
    context, encryption = encryption_of(keys, "v1-1", ELECTION)
    vote = open_encrypted("v1-1", ELECTION, encryption, _ceremonies(keys), None)
    faulty = misfiled_name(encryption, BALLOTS[0], "赵六", Seeded("faulty"))
    parsed, packed = vote.cast(canonical.dumps(json.loads(json.dumps(faulty.to_json()))))
    vote.check(parsed)
    totals = aggregate(context.form.selections, [faulty])
    vote.total({"totals": totals_to_json(totals), "ballots_cast": 1}, [packed])
    for j in (1, 2):
        vote.partial(partial_decrypt(context.vid, j, keys.shares[j], totals).to_json())
        vote.write_in_partial({"round": "uses", "partial": uses_partial(context.vid, j, keys.shares[j],
                                                                         [faulty]).to_json()})
    for j in (1, 2):
        vote.write_in_partial({"round": "names", "partial": names_partial(context.vid, j, keys.shares[j],
                                                                          [faulty]).to_json()})
    write_ins = {"uses_trustees": [1, 2], "uses": [1], "names_trustees": [1, 2], "names": [["赵六"]]}
    with pytest.raises(CryptoFault) as refused:
        vote.decryption({"trustees": [1, 2], "counts": [], "tally_counts": {}, "write_ins": write_ins}, ELECTION)
    assert refused.value.code == "bad-write-in" and faulty.ballot in refused.value.message


def _ceremonies(keys: Keys) -> Ceremonies:
    ceremonies = Ceremonies(ORIGIN)
    for type_, body in keys.entries:
        ceremonies.record(type_, body)
    return ceremonies


def test_the_motion_builder_still_makes_a_form_without_slots(keys: Keys) -> None:
    context, _ = encryption_of(keys, "v1-1", dict(MOTION))
    assert context.form.write_ins == 0 and "write_ins" not in context.form.to_json()


@pytest.mark.parametrize(("challenged", "shown"), [
    ({"marks": {"甲": "yes"}, "write_ins": ["赵六"]}, "  另选他人 write-ins: 赵六"),
    ({"marks": {"甲": "yes", "乙": "yes"}}, "  另选他人 write-ins: 无 none"),
])
def test_a_challenged_write_in_ballot_shows_the_names_its_tablet_sealed(keys: Keys, tmp_path: Path,
                                                                       challenged: dict[str, Any], shown: str) -> None:
    plain = [("vote_opened", {"vote_id": "v0-1", "definition": MOTION, "secrecy": "plaintext"})]
    entries = [*copy.deepcopy(keys.entries), *plain,
               *encrypted_vote(keys, "v1-1", BALLOTS, definition=ELECTION, spoil=challenged)]
    out = build_export(tmp_path, entries)
    at = position(entries, "ballot_spoiled")
    tracker = h256(entries[at][1]["ballot"])
    [found] = find_spoiled(out, tracker[:16])
    lines = describe(found)
    assert lines[-2] == shown and lines[-3].startswith("  即 that is: 甲：赞成；乙：")
    assert not any("write_in" in line for line in lines)  # the use bits are told by the names, not as marks
