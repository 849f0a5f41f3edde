"""A challenged (spoiled) ballot as the deputy who challenged it checks it: what their tablet
encrypted, in the vote's own labels, in Chinese (docs/ballot-crypto.md §3.6; docs/verifier-spec.md
§7; ``python -m audit spoiled``).

A deputy who doubts their tablet challenges the encrypted ballot it shows instead of casting it:
the tablet publishes the randomness, the server logs the ballot and its opening
(``ballot_spoiled``), and the verifier checks that the opening opens the ballot.  Only the deputy
knows what the screen showed; `find_spoiled` finds the ballot by the tracking code the tablet
showed, and `describe` says what it holds, selection by selection.  Run it on an export that
verifies (the command verifies it first): then the values shown are the ones the ballot encrypts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.limits import MAX_RECORD_BYTES
from audit.logfile import RECORDS, LineReader
from audit.receipt import label
from audit.records import RecordType, decode_full
from ballotcrypto.ballot import display_code
from ballotcrypto.hashing import h256
from ballotcrypto.votes import WRITE_IN

__all__ = ["Spoiled", "describe", "find_spoiled", "tracker_prefix"]

_OPENED = b'"type":"vote_opened"}'
_SPOILED = b'"type":"ballot_spoiled"}'


@dataclass(frozen=True)
class Spoiled:
    """A challenged ballot: where it is, its vote, its tracker and what each selection held."""

    seq: int
    vote_id: str
    title: str
    tracker: str
    selections: tuple[tuple[str | None, str, int], ...]  # (question, choice, value) in form order
    write_ins: tuple[str, ...] = ()  # the names sealed in its write-in slots (另选他人, §6.1), used ones only


def tracker_prefix(code: str) -> str:
    """The hex digits of a tracking code as typed (``3F9A-1C07…``, any case, dashes and spaces
    ignored), lower case; ValueError unless at least 4 hex digits and nothing else."""
    digits = re.sub(r"[\s-]", "", code).lower()
    if not re.fullmatch(r"[0-9a-f]{4,64}", digits):
        raise ValueError("核验码应为至少4位十六进制字符 a tracking code is at least 4 hex digits (dashes allowed)")
    return digits


def find_spoiled(export_dir: str | Path, code: str) -> list[Spoiled]:
    """Every challenged ballot in the export whose tracker begins with `code` (`tracker_prefix`)."""
    prefix = tracker_prefix(code)
    votes: dict[str, tuple[str, list[Any]]] = {}  # vote id -> (title, selection labels)
    found: list[Spoiled] = []
    with (Path(export_dir) / RECORDS).open("rb") as handle:
        seq = 0
        for block in LineReader(handle, MAX_RECORD_BYTES):
            for line in block:
                if line.endswith(_OPENED) or line.endswith(_SPOILED):
                    _take(decode_full(line), seq, prefix, votes, found)
                seq += 1
    return found


def _take(record: Any, seq: int, prefix: str, votes: dict[str, tuple[str, list[Any]]], found: list[Spoiled]) -> None:
    body = record.body
    if record.type == RecordType.VOTE_OPENED:
        encryption = body.get("encryption")
        if isinstance(encryption, dict):
            votes.setdefault(body["vote_id"], (str(body["definition"].get("title", "")), encryption["selections"]))
        return
    tracker = h256(body["ballot"])
    if not tracker.startswith(prefix):
        return
    title, labels = votes[body["vote_id"]]
    values = body["opening"]["values"]
    names = tuple(str(slot["name"]) for slot in body["opening"].get("write_ins", []) if slot["name"])
    found.append(Spoiled(seq, body["vote_id"], title, tracker, tuple(
        (item["question"], item["choice"], value) for item, value in zip(labels, values, strict=True)), names))


def describe(spoiled: Spoiled) -> list[str]:
    """The lines `python -m audit spoiled` prints for one challenged ballot."""
    out = [
        f"公开核验的选票 challenged ballot (record seq {spoiled.seq})",
        f"  表决 vote {spoiled.vote_id} {spoiled.title}",
        f"  核验码 tracking code {display_code(spoiled.tracker)} (tracker {spoiled.tracker})",
        "  这张选票加密的内容 what it encrypted:",
    ]
    marked: dict[str | None, list[str]] = {}
    for question, choice, value in spoiled.selections:
        if choice == WRITE_IN:  # a use bit: the names below say what it held
            continue
        where = f"{question}：" if question is not None else ""
        state = "选 marked" if value else "未选 not marked"
        out.append(f"    {where}{label(choice)}: {value}（{state}）")
        chosen = marked.setdefault(question, [])
        if value:
            chosen.append(label(choice).split(" ")[0])
    summary = "；".join(f"{question + '：' if question is not None else ''}{'、'.join(chosen) or '未选'}"
                       for question, chosen in marked.items())
    out.append(f"  即 that is: {summary}")
    if any(choice == WRITE_IN for _, choice, _ in spoiled.selections):
        written = "、".join(spoiled.write_ins) if spoiled.write_ins else "无 none"
        out.append(f"  另选他人 write-ins: {written}")
    out.append("  请与当时平板屏幕显示的选择核对 compare it with what your tablet's screen showed")
    return out
