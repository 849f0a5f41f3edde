"""Ranking mode for 民生实事项目票决: points by priority (a setting of the 票决办法).

shared/domain.md "民生实事项目票决": per-project 赞成/反对/弃权 is the default; a 票决办法 may instead ask
deputies to rank up to N projects by priority. Borda-style points with N places:

    points(rank r) = N - r + 1        (rank 1 = N points, rank N = 1 point, unranked = 0)

N = 3: a ballot ranking A 1, B 2, C 3 gives A 3, B 2, C 1 points.
Two ballots (A 1, B 2) and (B 1, C 2) with N = 3: A 3, B 5, C 2.
"""

from __future__ import annotations


def points(rank: int, places: int) -> int:
    """Points for ``rank`` (1-based) on a ballot with ``places`` ranks."""
    return places - rank + 1
