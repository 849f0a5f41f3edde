"""The seat map (座位图, issue 16 item 3): the roll laid out by its seats, for check-in on the chair
console and the staff page, and for a named (记名) vote on the hall screen — 赞成/反对/弃权/未按 by
seat. A secret vote has none: nothing here is ever built from a secret vote's ballots (the caller,
server/routes/roll.py, refuses before any ballot is read).

A seat is the roll's 座位 as written (docs/roll-file.md). Seats written as a row and a number —
``3排12座``, ``3排12号``, ``第3排第12座``, ``3-12``, ``3行12列`` (full-width digits are NFKC-normalised
by the roll reader) — are placed on a grid of rows and columns; other labels (``主席台``, ``A区5``)
are listed apart by label, and so are deputies without a seat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from server.domain import JsonObject

_POSITION = (
    re.compile(r"^第?(\d{1,3})排第?(\d{1,3})[座号]?$"),
    re.compile(r"^第?(\d{1,3})行第?(\d{1,3})列?$"),
    re.compile(r"^(\d{1,3})\s*[-－—_/,，]\s*(\d{1,3})$"),
)
MAX_GRID = 200
"""Rows or columns beyond this are not placed on the grid (a typo such as 「3排120座」 would draw a
hall of empty seats); such seats are listed apart like any other label."""


def seat_position(seat: str) -> tuple[int, int] | None:
    """(row, column), both from 1, of a seat written as a row and a number; None otherwise."""
    text = seat.strip()
    for pattern in _POSITION:
        found = pattern.match(text)
        if found is not None:
            row, column = int(found.group(1)), int(found.group(2))
            if 1 <= row <= MAX_GRID and 1 <= column <= MAX_GRID:
                return row, column
    return None


def layout(entries: Iterable[dict[str, Any]]) -> JsonObject:
    """Lay out entries that each have a ``seat``: ``{rows, columns, placed, other, unseated}``.

    ``placed`` have ``row`` and ``column`` added (sorted by them); ``other`` are seats that are not
    a row and a number, or name a place already taken (by label); ``unseated`` have no seat (in the
    given order)."""
    placed: list[JsonObject] = []
    other: list[JsonObject] = []
    unseated: list[JsonObject] = []
    taken: set[tuple[int, int]] = set()
    for entry in entries:
        seat = str(entry.get("seat") or "")
        position = seat_position(seat) if seat else None
        if position is not None and position not in taken:  # 「3排12座」 and 「3-12」 on one roll: the second apart
            taken.add(position)
            placed.append({**entry, "row": position[0], "column": position[1]})
        elif seat:
            other.append(dict(entry))
        else:
            unseated.append(dict(entry))
    placed.sort(key=lambda e: (e["row"], e["column"]))
    other.sort(key=lambda e: str(e["seat"]))
    return {"rows": max((e["row"] for e in placed), default=0),
            "columns": max((e["column"] for e in placed), default=0),
            "placed": placed, "other": other, "unseated": unseated}
