"""How a vote's ballots are kept, as its ``vote_opened`` says (``secrecy``: named, encrypted,
plaintext, paper; docs/verifier-spec.md 15f, audit/encrypted.py ``check_secrecy``): each claim that
its item, its encryption or the meeting's election key contradicts is ``wrong-secrecy`` at its seq
— above all a secret vote kept in clear although it could have been encrypted."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from audit import Report, verify_export
from audit.records import RecordType
from tests.audit.audit_helpers import DEFINITION, Entry, build_export, edit_record, motion_entries
from tests.audit.encrypted_builder import Keys, encrypted_vote, key_ceremony, position
from tests.audit.test_session_rules import ROLL4, closed_with_result, item, opened

UNSTATED = "does not say how its ballots are kept"


@pytest.fixture(scope="module")
def keys() -> Keys:
    return key_ceremony()


def _verify(tmp_path: Path, entries: list[Entry]) -> Report:
    return verify_export(build_export(tmp_path, entries))


def _failure(report: Report) -> tuple[str, int | None]:
    assert report.failure is not None, report.lines()
    return report.failure.code, report.failure.seq


def _said(entry: Entry, secrecy: str) -> Entry:
    return entry[0], {**entry[1], "secrecy": secrecy}


def _session(secret: bool, secrecy: str, *after: Entry) -> list[Entry]:
    vote = _said(opened(), secrecy)
    return [*ROLL4, item(secret=secret), vote, *after, *closed_with_result("v1-1", vote[1]["definition"], [])]


def _motion(vote_id: str, secrecy: str | None, named: bool = False) -> list[Entry]:
    entries = motion_entries(vote_id, ["yes", "no"] if not named else [])
    if secrecy is not None:
        entries[0] = _said(entries[0], secrecy)
    if named:
        entries.insert(1, (RecordType.VOTE_NAMED, {"vote_id": vote_id}))
    return entries


def test_a_session_whose_votes_say_how_their_ballots_are_kept_verifies(tmp_path: Path) -> None:
    named = _session(False, "named", (RecordType.VOTE_NAMED, {"vote_id": "v1-1"}))
    for name, entries in {"plaintext": _session(True, "plaintext"), "paper": _session(True, "paper"),
                          "named": named}.items():
        report = _verify(tmp_path / name, entries)
        assert report.ok, report.lines()
        assert not any(UNSTATED in w for w in report.warnings)


@pytest.mark.parametrize(("secret", "secrecy", "after", "seq"), [
    (True, "named", (), 7),  # a secret item's vote claimed named
    (False, "plaintext", (), 7),  # a named item's vote claimed secret
    (False, "encrypted", (), 7),  # encrypted, with no encryption
    (False, "named", (), 8),  # named, closed with no vote_named
])
def test_a_secrecy_the_item_or_the_record_contradicts_is_named(tmp_path: Path, secret: bool, secrecy: str,
                                                               after: tuple[Entry, ...], seq: int) -> None:
    assert _failure(_verify(tmp_path, _session(secret, secrecy, *after))) == ("wrong-secrecy", seq)


def test_a_named_record_for_a_vote_opened_secret_is_named(tmp_path: Path) -> None:
    entries = _motion("v1", "plaintext", named=True)
    assert _failure(_verify(tmp_path, entries)) == ("wrong-secrecy", 2)
    voided = [_said(motion_entries("v2")[0], "named"), (RecordType.VOTE_VOIDED, {"vote_id": "v2", "reason": "x"})]
    assert _failure(_verify(tmp_path / "voided", voided)) == ("wrong-secrecy", 2)


def test_a_secrecy_that_is_not_one_of_the_four_is_a_bad_record(tmp_path: Path) -> None:
    export = build_export(tmp_path, _motion("v1", "plaintext"))
    edit_record(export, 1, lambda record: record["body"].update(secrecy="secret"))
    report = verify_export(export)
    assert report.failure is not None and (report.failure.code, report.failure.seq) == ("bad-record", 1)


def test_a_log_written_before_secrecy_gets_one_warning(tmp_path: Path) -> None:
    report = _verify(tmp_path, [*_motion("v1", None), *_motion("v2", None)])
    assert report.ok, report.lines()
    assert sum(UNSTATED in w for w in report.warnings) == 1


def test_an_encrypted_vote_said_to_be_in_clear_is_named(keys: Keys, tmp_path: Path) -> None:
    entries = [*copy.deepcopy(keys.entries), *encrypted_vote(keys, "v1-1", [{"choice": "yes"}])]
    opened_at = position(entries, "vote_opened")
    entries[opened_at] = _said(entries[opened_at], "plaintext")
    assert _failure(_verify(tmp_path, entries)) == ("wrong-secrecy", opened_at + 1)


def test_a_secret_vote_kept_in_clear_once_the_key_exists_is_named(keys: Keys, tmp_path: Path) -> None:
    before = [*_motion("v0", "plaintext"), *copy.deepcopy(keys.entries)]
    assert _verify(tmp_path / "before", before).ok  # no election key yet: in clear, as the server does
    after = [*copy.deepcopy(keys.entries), *_motion("v1", "plaintext")]
    assert _failure(_verify(tmp_path / "after", after)) == ("wrong-secrecy", len(keys.entries) + 1)


@pytest.mark.parametrize("definition", [
    {**DEFINITION, "kind": "project_vote", "projects": ["路", "桥"], "choose": 1, "mode": "ranking"},  # a rank
    {"kind": "election", "allow_write_ins": False},  # no tally document at all
])
def test_a_vote_whose_ballot_cannot_be_encrypted_may_be_in_clear(keys: Keys, tmp_path: Path,
                                                                definition: dict[str, Any]) -> None:
    entries = [*copy.deepcopy(keys.entries),
               (RecordType.VOTE_OPENED, {"vote_id": "v1", "definition": definition, "secrecy": "plaintext"})]
    report = _verify(tmp_path, entries)
    assert report.ok, report.lines()


def test_an_election_round_with_write_ins_kept_in_clear_once_the_key_exists_is_named(keys: Keys,
                                                                                    tmp_path: Path) -> None:
    definition = {**DEFINITION, "kind": "election", "candidates": ["甲", "乙"], "seats": 1}  # 另选他人 allowed
    entries = [*copy.deepcopy(keys.entries),
               (RecordType.VOTE_OPENED, {"vote_id": "v1", "definition": definition, "secrecy": "plaintext"})]
    assert _failure(_verify(tmp_path, entries)) == ("wrong-secrecy", len(keys.entries) + 1)
