"""Each rule of the key ceremony and of encrypted votes (audit/encrypted.py, docs/verifier-spec.md
§4.4 15e–15f), on logs built record by record with ballotcrypto: a good log verifies, and each
record made to break one rule is named, at its seq, by its finding."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from audit import Report, verify_export
from audit.encrypted import CryptoFault, EncryptedVote, check_ballots
from audit.export import TallyInputs
from audit.records import Record
from ballotcrypto.ballot import Context, encrypt_ballot
from ballotcrypto.ceremony import Ceremony
from ballotcrypto.count import partial_decrypt
from ballotcrypto.elgamal import encrypt
from ballotcrypto.forms import motion_form
from ballotcrypto.group import Point, Scalar
from ballotcrypto.votes import vote_form
from tests.audit.audit_helpers import ORIGIN, Entry, build_export, motion_entries
from tests.audit.encrypted_builder import (
    MOTION,
    Keys,
    ballot_entry,
    encrypted_vote,
    encryption_of,
    key_ceremony,
    position,
)

YES, NO = {"choice": "yes"}, {"choice": "no"}


@pytest.fixture(scope="module")
def keys() -> Keys:
    return key_ceremony()


def _verify(tmp_path: Path, entries: list[Entry], **options: Any) -> Report:
    return verify_export(build_export(tmp_path, entries), **options)


def _named(report: Report, code: str, index: int, words: str = "") -> None:
    """The finding is `code` at the entry `index` (seq index + 1: log_opened is seq 0)."""
    assert report.failure is not None, "the log verified"
    assert (report.failure.code, report.failure.seq, report.failure.signed) == (code, index + 1, True), \
        report.failures
    assert words in report.failure.message


def _ceremony(keys: Keys) -> list[Entry]:
    return copy.deepcopy(keys.entries)


def _body(entries: list[Entry], index: int) -> dict[str, Any]:
    body = dict(entries[index][1])
    entries[index] = (entries[index][0], body)
    return body


def test_a_log_built_with_ballotcrypto_verifies(keys: Keys, tmp_path: Path) -> None:
    entries = [*_ceremony(keys), *encrypted_vote(keys, "v1-1", [YES] * 4 + [NO], spoil=NO, trustees=(3, 1)),
               *encrypted_vote(keys, "v2-1")]
    report = _verify(tmp_path, entries)
    assert report.ok, report.failures
    assert report.encrypted_ballots == 5 and report.selection_proofs == 15


# -- the key ceremony ----------------------------------------------------------------------------


def test_a_statement_that_is_not_one_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    _body(entries, 0)["ceremony"] = {**keys.statement.to_json(), "suite": "another-suite"}
    _named(_verify(tmp_path, entries), "bad-ceremony", 0, "ceremony.suite")


def test_a_statement_for_another_log_is_named(keys: Keys, tmp_path: Path) -> None:
    elsewhere = Ceremony("another.example/log", "c1-1", 3, 2, keys.statement.trustees)
    entries = _ceremony(keys)
    _body(entries, 0).update(ceremony=elsewhere.to_json(), cid=elsewhere.cid)
    _named(_verify(tmp_path, entries), "bad-ceremony", 0, "names the log another.example/log")


def test_a_ceremony_id_started_twice_is_named(keys: Keys, tmp_path: Path) -> None:
    started = keys.entries[0]
    abandon: Entry = ("ceremony_abandoned", {"meeting_id": 1, "ceremony": "c1-1", "by": "staff:test"})
    _named(_verify(tmp_path, [started, abandon, started]), "bad-ceremony", 2, "started twice")


@pytest.mark.parametrize("accounts", [["trustee1", "trustee2"], ["trustee1", "trustee1", "trustee2"], [1, 2, 3]])
def test_accounts_that_are_not_one_per_trustee_are_named(keys: Keys, tmp_path: Path, accounts: list[Any]) -> None:
    entries = _ceremony(keys)
    _body(entries, 0)["accounts"] = accounts
    _named(_verify(tmp_path, entries), "bad-ceremony", 0, "accounts")


@pytest.mark.parametrize(("member", "value"), [("ceremony", "c9-9"), ("meeting_id", 2)])
def test_a_commitment_to_a_ceremony_never_started_is_named(keys: Keys, tmp_path: Path, member: str,
                                                            value: Any) -> None:
    entries = _ceremony(keys)
    _body(entries, 1)[member] = value
    _named(_verify(tmp_path, entries), "bad-ceremony", 1, "never started")


def test_messages_of_an_abandoned_or_finished_ceremony_are_named(keys: Keys, tmp_path: Path) -> None:
    abandon: Entry = ("ceremony_abandoned", {"meeting_id": 1, "ceremony": "c1-1", "by": "staff:test"})
    entries = _ceremony(keys)
    entries.insert(2, abandon)
    _named(_verify(tmp_path / "abandoned", entries), "bad-ceremony", 3, "which is abandoned")
    entries = [*_ceremony(keys), keys.entries[1]]
    _named(_verify(tmp_path / "done", entries), "bad-ceremony", len(entries) - 1, "which is done")
    entries = [*_ceremony(keys), abandon]
    _named(_verify(tmp_path / "abandon-done", entries), "bad-ceremony", len(entries) - 1, "which is done")


def test_a_second_ceremony_for_a_meeting_with_a_key_is_named(keys: Keys, tmp_path: Path) -> None:
    again = key_ceremony(2, 2, name="c1-2")
    entries = [*_ceremony(keys), again.entries[0]]
    _named(_verify(tmp_path, entries), "bad-ceremony", len(entries) - 1, "already has an election key")
    other_meeting = key_ceremony(2, 2, name="c2-1", meeting_id=2)
    assert _verify(tmp_path / "other", [*_ceremony(keys), *other_meeting.entries]).ok


def test_a_trustee_who_commits_twice_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    entries.insert(2, entries[1])
    _named(_verify(tmp_path, entries), "bad-commitment", 2, "committed twice")


def test_shares_before_every_commitment_are_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    shares = entries.pop(position(entries, "trustee_shares"))
    entries.insert(3, shares)
    _named(_verify(tmp_path, entries), "bad-ceremony", 3, "shares before every trustee's commitment")


@pytest.mark.parametrize("trustee", [0, 4])
def test_shares_of_no_trustee_are_named(keys: Keys, tmp_path: Path, trustee: int) -> None:
    entries = _ceremony(keys)
    first = position(entries, "trustee_shares")
    body = _body(entries, first)
    body["trustee"] = trustee
    body["shares"] = [{**s, "trustee": trustee} for s in body["shares"]]
    _named(_verify(tmp_path, entries), "bad-ceremony", first, f"shares of trustee {trustee}, not one of 1 to 3")


def test_a_trustee_who_posts_shares_twice_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    first = position(entries, "trustee_shares")
    entries.insert(first + 1, entries[first])
    _named(_verify(tmp_path, entries), "bad-ceremony", first + 1, "or again")


@pytest.mark.parametrize(("change", "words"), [
    (lambda shares: [{"trustee": 1, "to": 2}, *shares[1:]], "share"),
    (lambda shares: [{**shares[0], "trustee": 3}, *shares[1:]], "a share of another"),
    (lambda shares: shares[::-1], "one to every other trustee"),
    (lambda shares: shares[:1], "one to every other trustee"),
    (lambda shares: [*shares, {**shares[0], "to": 1}], "one to every other trustee"),
])
def test_shares_that_are_not_one_to_every_other_trustee_are_named(keys: Keys, tmp_path: Path, change: Any,
                                                                   words: str) -> None:
    entries = _ceremony(keys)
    first = position(entries, "trustee_shares")
    body = _body(entries, first)
    body["shares"] = change(body["shares"])
    _named(_verify(tmp_path, entries), "bad-ceremony", first, words)


def test_a_confirmation_before_every_share_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    confirmation = entries.pop(position(entries, "trustee_confirmation"))
    last_shares = position(entries, "trustee_shares", 2)
    entries.insert(last_shares, confirmation)
    _named(_verify(tmp_path, entries), "bad-confirmation", last_shares, "before every trustee's shares")


def test_a_trustee_who_confirms_twice_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    first = position(entries, "trustee_confirmation")
    entries.insert(first + 1, entries[first])
    _named(_verify(tmp_path, entries), "bad-confirmation", first + 1, "confirmed twice")


def test_an_election_key_before_every_confirmation_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = _ceremony(keys)
    key = entries.pop()
    last = position(entries, "trustee_confirmation", 2)
    entries.insert(last, key)
    _named(_verify(tmp_path, entries), "bad-election-key", last, "before every confirmation")


def test_trustees_whose_key_cancels_out_are_named(tmp_path: Path) -> None:
    """Two colluding 监票人 pick a_{2,0} = −a_{1,0}: every proof holds, but K is the identity and every
    ballot would be in clear."""
    cancelled = key_ceremony(cancel_out=True)
    identity = "00" * 32
    entries = [*cancelled.entries, ("election_key", {
        "meeting_id": 1, "ceremony": "c1-1", "cid": cancelled.statement.cid, "key": identity,
        "share_keys": [x.hex() for x in cancelled.share_keys], "fingerprint": cancelled.fingerprint})]
    _named(_verify(tmp_path, entries), "bad-election-key", len(entries) - 1, "单位元")


# -- an encrypted vote's opening ------------------------------------------------------------------


def test_an_encryption_with_members_of_its_own_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = [*_ceremony(keys), *encrypted_vote(keys, "v1-1", [YES])]
    opened = position(entries, "vote_opened")
    _body(entries, opened)["encryption"] = {**entries[opened][1]["encryption"], "note": "x"}
    _named(_verify(tmp_path, entries), "bad-encryption", opened, "encryption")


def test_a_vote_encrypted_to_no_finished_ceremony_is_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES])
    _named(_verify(tmp_path / "none", [*_ceremony(keys)[:-1], *vote]), "bad-encryption", len(keys.entries) - 1,
           "no finished key ceremony")
    entries = [*_ceremony(keys), *vote]
    opened = position(entries, "vote_opened")
    _body(entries, opened)["encryption"] = {**entries[opened][1]["encryption"], "ceremony": 7}
    _named(_verify(tmp_path / "number", entries), "bad-encryption", opened, "no finished key ceremony")


@pytest.mark.parametrize(("definition", "words"), [
    # write-ins: the form of BC §6.1, not the motion's this encryption has
    ({"kind": "election", "seats": 1, "candidates": ["甲", "乙"]}, "encryption.context is not"),
    ({"kind": "election", "seats": 1, "allow_write_ins": False}, "no encrypted form"),  # no candidates
    ({"kind": "project_vote", "mode": "ranking", "choose": 1, "projects": ["甲", "乙"]}, "no encrypted form"),
    ({"kind": "appointment", "items": ["甲"]}, "no encrypted form"),  # an item that is no object
])
def test_a_vote_whose_ballot_cannot_be_encrypted_is_named(keys: Keys, tmp_path: Path,
                                                          definition: dict[str, Any], words: str) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES])
    _body(vote, 0)["definition"] = {**MOTION, **definition}
    entries = [*_ceremony(keys), *vote]
    _named(_verify(tmp_path, entries), "bad-encryption", len(keys.entries), words)


def test_selections_labelled_otherwise_than_the_definition_gives_are_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES])
    encryption = vote[0][1]["encryption"]
    _body(vote, 0)["encryption"] = {**encryption, "selections": encryption["selections"][::-1]}
    _named(_verify(tmp_path, [*_ceremony(keys), *vote]), "bad-encryption", len(keys.entries), "selections")


def test_a_vote_definition_with_counts_or_an_encryption_not_an_object_is_a_bad_record() -> None:
    """The writer refuses to sign such a record, and the verifier's reader refuses it (bad-record)."""
    from audit import canonical
    from audit.errors import RecordError
    from audit.records import decode_full, encode

    for body in ({"vote_id": "v1-1", "definition": MOTION, "encryption": "on"},
                 {"vote_id": "v1-1", "definition": {**MOTION, "counts": {"yes": 9, "no": 0, "abstain": 0}}}):
        with pytest.raises(RecordError, match=r"encryption|counts"):
            encode(1, "vote_opened", "2026-11-23T09:00:00.123Z", "0" * 64, body)
        line = canonical.dumps({"body": body, "prev": "0" * 64, "seq": 1, "time": "2026-11-23T09:00:00.123Z",
                                "type": "vote_opened"})
        with pytest.raises(RecordError, match=r"encryption|counts"):
            decode_full(line)


# -- ballots and challenges -----------------------------------------------------------------------


def test_a_malformed_encrypted_ballot_is_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    cast = position(vote, "ballot", 1)
    ballot = vote[cast][1]["ballot"]
    _body(vote, cast)["ballot"] = {**ballot, "selections": ballot["selections"][:2]}
    _named(_verify(tmp_path, [*_ceremony(keys), *vote]), "bad-ballot", len(keys.entries) + cast,
           "选票应有3个选择项")


def test_a_ballot_of_another_vote_is_named(keys: Keys, tmp_path: Path) -> None:
    elsewhere, _ = encryption_of(keys, "v2-1", dict(MOTION))
    stray = encrypt_ballot(elsewhere, [1, 0, 0]).ballot.to_json()
    vote = encrypted_vote(keys, "v1-1", [YES])
    vote.insert(2, ballot_entry("v1-1", stray))
    _named(_verify(tmp_path, [*_ceremony(keys), *vote]), "bad-ballot", len(keys.entries) + 2, "(vid)")


def test_a_bad_proof_is_named_whether_checked_here_or_by_a_worker(keys: Keys, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("audit.verify.PROOF_BATCH", 6)  # two ballots a batch
    vote = encrypted_vote(keys, "v1-1", [YES, NO, YES, YES, NO])
    cast = position(vote, "ballot", 3)
    ballot = copy.deepcopy(vote[cast][1]["ballot"])
    ballot["limits"][0]["proof"][0]["c"] = ballot["selections"][0]["proof"][0]["c"]
    _body(vote, cast)["ballot"] = ballot
    entries = [*_ceremony(keys), *vote]
    alone = _verify(tmp_path / "alone", entries, workers=0)
    _named(alone, "bad-limit-proof", len(keys.entries) + cast, "(l0)")
    assert verify_export(tmp_path / "alone" / "export", workers=1) == alone


def test_workers_behind_leave_the_proofs_to_the_reader(keys: Keys, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With every worker two batches behind, the reader checks the next batch itself: same verdicts."""
    monkeypatch.setattr("audit.verify.PROOF_BATCH", 3)  # one ballot a batch
    monkeypatch.setattr("audit.workers.Job.done", lambda job: False)  # the workers never catch up
    vote = encrypted_vote(keys, "v1-1", [YES, NO, YES, NO, YES, YES])
    good = build_export(tmp_path / "good", [*_ceremony(keys), *vote])
    assert verify_export(good, workers=1).ok
    cast = position(vote, "ballot", 5)
    ballot = copy.deepcopy(vote[cast][1]["ballot"])
    ballot["selections"][2]["proof"][1]["s"] = ballot["selections"][2]["proof"][0]["s"]
    _body(vote, cast)["ballot"] = ballot
    _named(_verify(tmp_path / "bad", [*_ceremony(keys), *vote], workers=1), "bad-selection-proof",
           len(keys.entries) + cast, "(s2)")


def test_challenges_of_a_plaintext_closed_or_malformed_ballot_are_named(keys: Keys, tmp_path: Path) -> None:
    plain = motion_entries("v1", ["yes"] * 3)
    spoil: Entry = ("ballot_spoiled", {"vote_id": "v1", "ballot": {"choice": "yes"}, "opening": {}})
    plain.insert(2, spoil)
    _named(_verify(tmp_path / "plain", plain), "bad-ballot-opening", 2, "not encrypted")
    vote = encrypted_vote(keys, "v1-1", [YES], spoil=NO)
    challenged = vote.pop(1)
    closed = position(vote, "vote_closed")
    vote.insert(closed + 1, challenged)
    _named(_verify(tmp_path / "late", [*_ceremony(keys), *vote]), "late-ballot",
           len(keys.entries) + closed + 1, "ballot_spoiled after vote v1-1 was closed")
    vote = encrypted_vote(keys, "v1-1", [YES], spoil=NO)
    _body(vote, 1)["ballot"] = {"ballot": "00"}
    _named(_verify(tmp_path / "malformed", [*_ceremony(keys), *vote]), "bad-ballot-opening", len(keys.entries) + 1)


# -- totals, partial decryptions, decryption ---------------------------------------------------------


def _moved(entries: list[Entry], type_: str, before: str) -> int:
    moving = entries.pop(position(entries, type_))
    at = position(entries, before)
    entries.insert(at, moving)
    return at


def test_totals_out_of_place_twice_or_malformed_are_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    at = _moved(vote, "encrypted_totals", "vote_closed")
    _named(_verify(tmp_path / "early", [*_ceremony(keys), *vote]), "wrong-totals", len(keys.entries) + at,
           "before it closed")
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    totals = position(vote, "encrypted_totals")
    vote.insert(totals + 1, vote[totals])
    _named(_verify(tmp_path / "twice", [*_ceremony(keys), *vote]), "wrong-totals", len(keys.entries) + totals + 1,
           "again")
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    _body(vote, totals)["totals"] = vote[totals][1]["totals"][:2]
    _named(_verify(tmp_path / "short", [*_ceremony(keys), *vote]), "wrong-totals", len(keys.entries) + totals,
           "totals")
    plain = motion_entries("v1", ["yes"])
    plain.insert(-1, ("encrypted_totals", {"vote_id": "v1", "totals": [], "ballots_cast": 1}))
    _named(_verify(tmp_path / "plain", plain), "wrong-totals", len(plain) - 2, "not encrypted")


def test_partial_decryptions_out_of_place_or_twice_are_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    at = _moved(vote, "partial_decryption", "encrypted_totals")
    _named(_verify(tmp_path / "early", [*_ceremony(keys), *vote]), "bad-partial", len(keys.entries) + at,
           "before the totals")
    vote = encrypted_vote(keys, "v1-1", [YES, NO], trustees=(1, 2, 3))
    third = vote.pop(position(vote, "partial_decryption", 2))
    decryption = position(vote, "decryption")
    vote.insert(decryption + 1, third)
    _named(_verify(tmp_path / "late", [*_ceremony(keys), *vote]), "bad-partial", len(keys.entries) + decryption + 1,
           "after the count was decrypted")
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    first = position(vote, "partial_decryption")
    vote.insert(first + 1, vote[first])
    _named(_verify(tmp_path / "twice", [*_ceremony(keys), *vote]), "bad-partial", len(keys.entries) + first + 1,
           "decrypted twice")
    plain = motion_entries("v1", ["yes"])
    plain.insert(-1, ("partial_decryption", {"vote_id": "v1", "partial": {}}))
    _named(_verify(tmp_path / "plain", plain), "bad-partial", len(plain) - 2, "not encrypted")


def test_a_third_partial_before_the_decryption_is_not_used(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO, YES], trustees=(2, 3, 1))
    assert vote[position(vote, "decryption")][1]["trustees"] == [2, 3]
    assert _verify(tmp_path, [*_ceremony(keys), *vote]).ok


@pytest.mark.parametrize(("trustees", "words"), [([1], "decrypted by trustees [1]"), (["1", 2], "[\"1\", 2]"),
                                                 ([1, 3], "the first 2 partial decryptions are of [1, 2]")])
def test_a_decryption_that_does_not_name_the_first_k_partials_is_named(keys: Keys, tmp_path: Path,
                                                                       trustees: list[Any], words: str) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    decryption = position(vote, "decryption")
    _body(vote, decryption)["trustees"] = trustees
    _named(_verify(tmp_path, [*_ceremony(keys), *vote]), "bad-decryption", len(keys.entries) + decryption, words)


def test_a_decryption_with_fewer_than_k_partials_is_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    del vote[position(vote, "partial_decryption", 1)]
    decryption = position(vote, "decryption")
    _named(_verify(tmp_path, [*_ceremony(keys), *vote]), "bad-decryption", len(keys.entries) + decryption)


def test_decryptions_out_of_place_twice_or_of_a_plaintext_vote_are_named(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    at = _moved(vote, "decryption", "encrypted_totals")
    _named(_verify(tmp_path / "early", [*_ceremony(keys), *vote]), "bad-decryption", len(keys.entries) + at,
           "before the totals")
    vote = encrypted_vote(keys, "v1-1", [YES, NO])
    decryption = position(vote, "decryption")
    vote.insert(decryption + 1, vote[decryption])
    _named(_verify(tmp_path / "twice", [*_ceremony(keys), *vote]), "bad-decryption",
           len(keys.entries) + decryption + 1, "again")
    plain = motion_entries("v1", ["yes"])
    plain.insert(-1, ("decryption", {"vote_id": "v1", "trustees": [], "counts": [], "tally_counts": {}}))
    _named(_verify(tmp_path / "plain", plain), "bad-decryption", len(plain) - 2, "not encrypted")


def test_a_vote_with_no_ballot_is_decrypted_by_nobody_into_zeros(keys: Keys, tmp_path: Path) -> None:
    vote = encrypted_vote(keys, "v1-1")
    decryption = position(vote, "decryption")
    _body(vote, decryption)["trustees"] = [1]
    _named(_verify(tmp_path / "trustee", [*_ceremony(keys), *vote]), "bad-decryption", len(keys.entries) + decryption)
    vote = encrypted_vote(keys, "v1-1")
    _body(vote, decryption)["counts"] = [0, 0, 1]
    _named(_verify(tmp_path / "count", [*_ceremony(keys), *vote]), "wrong-counts", len(keys.entries) + decryption)


def test_totals_no_count_fits_are_named_at_the_decryption(keys: Keys) -> None:
    """Totals of 5 with one ballot counted (only possible after a ballot whose proof fails, found by a
    worker later): the partial decryptions hold, but no count in [0, 1] gives them."""
    context, _ = encryption_of(keys, "v1-1", dict(MOTION))
    shaped = vote_form(MOTION)
    assert shaped is not None
    vote = EncryptedVote("v1-1", context, shaped.labels, keys.share_keys, 2)
    forged = [encrypt(5, Scalar(7 + i), keys.key) for i in range(3)]
    packed = [b"".join(c.alpha.encoding + c.beta.encoding for c in forged)]
    vote.total({"totals": [c.to_json() for c in forged], "ballots_cast": 1}, packed)
    for j in (1, 2):
        vote.partial(partial_decrypt(context.vid, j, keys.shares[j], forged).to_json())
    with pytest.raises(CryptoFault) as refused:
        vote.decryption({"trustees": [1, 2], "counts": [5, 5, 5], "tally_counts": {}}, MOTION)
    assert refused.value.code == "wrong-counts" and "give no count" in refused.value.message


# -- pieces -------------------------------------------------------------------------------------------


def test_a_worker_keeps_a_bounded_number_of_vote_contexts(keys: Keys) -> None:
    for number in range(70):
        context = Context(ORIGIN, f"v{number}-1", keys.key, motion_form())
        assert check_ballots(context.to_json(), []) is None
    made = Context(ORIGIN, "v1-1", keys.key, motion_form())
    ballot = encrypt_ballot(made, [0, 0, 1]).ballot.to_json()
    from audit import canonical

    assert check_ballots(made.to_json(), [(4, canonical.dumps(ballot))]) is None
    other = Context(ORIGIN, "v1-1", Point.trusted(keys.share_keys[0].encoding), motion_form())
    found = check_ballots(other.to_json(), [(4, canonical.dumps({**ballot, "vid": other.vid}))])
    assert found is not None and found[:2] == (4, "bad-selection-proof")


def test_tally_inputs_count_an_encrypted_vote_from_its_decryption_only(keys: Keys) -> None:
    inputs = TallyInputs()
    for seq, (type_, body) in enumerate(encrypted_vote(keys, "v1-1", [YES, NO, NO])):
        record = Record(seq, type_, "2026-11-23T09:00:00.123Z", "0" * 64, body)
        if type_ == "decryption":
            assert inputs.document("v1-1") == MOTION  # not decrypted yet: the definition alone
        inputs.add(record)
    assert inputs.document("v1-1") == {**MOTION, "counts": {"yes": 1, "no": 2, "abstain": 0}}
    inputs.add(Record(9, "decryption", "2026-11-23T09:00:00.123Z", "0" * 64,
                      {"vote_id": "v1-1", "trustees": [], "counts": [], "tally_counts": {"yes": 0}}))
    assert inputs.document("v1-1")["counts"]["yes"] == 1  # the first decryption counts
    plain = TallyInputs()
    for seq, (type_, body) in enumerate(motion_entries("v1", ["no"])):
        plain.add(Record(seq, type_, "2026-11-23T09:00:00.123Z", "0" * 64, body))
    plain.add(Record(9, "decryption", "2026-11-23T09:00:00.123Z", "0" * 64,
                     {"vote_id": "v1", "trustees": [], "counts": [], "tally_counts": {"yes": 0}}))
    assert plain.document("v1")["ballots"] == [{"choice": "no"}] and "counts" not in plain.document("v1")


def test_an_export_with_the_servers_tally_inputs_of_an_encrypted_vote(keys: Keys, tmp_path: Path) -> None:
    from audit import export
    from tests.audit.audit_helpers import build_log

    build_log(tmp_path / "log", [*_ceremony(keys), *encrypted_vote(keys, "v1-1", [YES, YES, NO])])
    supplied = {"v1-1": {**MOTION, "counts": {"yes": 2, "no": 1, "abstain": 0}}}
    assert export(tmp_path / "log", tmp_path / "ok", tally_inputs=supplied).votes == 1
    from audit.errors import ExportError

    with pytest.raises(ExportError, match="disagree on vote v1-1"):
        export(tmp_path / "log", tmp_path / "refused", tally_inputs={"v1-1": {**MOTION, "counts": {"yes": 3}}})
    assert os.listdir(tmp_path / "ok")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key in value for leaf in _leaves(value[key], (*path, key))]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))] or [path]
    return [path]


def test_any_value_of_an_encrypted_vote_or_ceremony_record_made_wrong_is_a_finding_never_a_crash(
        tmp_path: Path) -> None:
    """300 records, each with one value replaced by junk of another type or a near miss: the verifier
    answers each with a report (a finding, or a pass where the value is one it does not read)."""
    import random

    from audit.errors import RecordError

    small = key_ceremony(2, 2)
    entries = [*small.entries, *encrypted_vote(small, "v1-1", [YES, NO], spoil=YES)]
    targets = [(i, path) for i, (type_, body) in enumerate(entries) if type_ != "trustee_shares"
               for path in _leaves(body)]
    rng = random.Random(13)
    junk = [None, True, -1, 2**60, "", "zz", "00" * 32, [], {}, [1], {"a": 1}]
    found: dict[str, int] = {}
    for attempt in range(300):
        index, path = rng.choice(targets)
        changed = copy.deepcopy(entries)
        holder: Any = changed[index][1]
        for key in path[:-1]:
            holder = holder[key]
        original = holder[path[-1]]
        holder[path[-1]] = rng.choice([*junk, original + 1 if type(original) is int else original * 2
                                       if isinstance(original, str) else original])
        try:
            out = build_export(tmp_path / str(attempt), changed)
        except RecordError:
            continue  # the writer refuses to sign it (and the verifier's reader refuses it: bad-record)
        report = verify_export(out, workers=0)
        code = "pass" if report.failure is None else report.failure.code
        found[code] = found.get(code, 0) + 1
    named = set(found) - {"pass", "bad-record"}
    assert len(named) >= 12, found  # the rules, not only the reader, met the junk
    assert found.get("pass", 0) < sum(found.values()) / 10, found  # and most of it is read
