"""What the audit package reads at most: line lengths and JSON nesting (docs/verifier-spec.md,
"Limits").

Every file of an export comes from someone the auditor does not trust, so nothing is parsed that
could cost more than a bounded amount of memory or stack: a line longer than its limit is refused
before it is parsed (the reader stops at the limit, it never holds the whole line), and JSON
nested deeper than `MAX_DEPTH` is refused before a recursive parser sees it.  The writer
(`audit.records.encode`) refuses the same, so a log never signs what its verifier would refuse.

    records.jsonl      one line <= MAX_RECORD_BYTES     (the largest real record is a roll of a
                                                          few thousand deputies: ~100 bytes each)
    checkpoints.jsonl  one line <= MAX_CHECKPOINT_BYTES  (a note of up to 100 signatures)
    receipt file       <= MAX_RECEIPT_BYTES
    vkey.txt           <= MAX_VKEY_BYTES
    JSON arrays and objects nested at most MAX_DEPTH deep
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_CHECKPOINT_BYTES",
    "MAX_DEPTH",
    "MAX_RECEIPT_BYTES",
    "MAX_RECORD_BYTES",
    "MAX_VKEY_BYTES",
    "too_deep",
]

MAX_RECORD_BYTES = 4 * 1024 * 1024
MAX_CHECKPOINT_BYTES = 64 * 1024
MAX_RECEIPT_BYTES = 1024 * 1024
MAX_VKEY_BYTES = 4096
MAX_DEPTH = 64

# A JSON string: runs of plain characters between escapes (the "unrolled" form of
# "(?:[^"\\]|\\.)*", the same strings; 5x faster on an encrypted ballot's 40 kB record).
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str) -> bool:
    """True if the JSON text nests arrays and objects deeper than `MAX_DEPTH` (brackets inside
    strings do not count).  Cheap for the common case: a text with at most `MAX_DEPTH` opening
    brackets cannot nest deeper, and is not scanned."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    # Without a backslash every quote opens or closes a string: the text outside strings is every
    # other piece between quotes (an unterminated last string hides what follows it, as it does
    # from a parser). 10x faster than the regular expression on an encrypted ballot's record.
    outside = "".join(text.split('"')[::2]) if "\\" not in text else _STRINGS.sub("", text)
    depth = 0
    for bracket in _BRACKETS.findall(outside):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False
