"""Whether an item stays pending after a round: something is left that another round must settle.

shared/domain.md "Elections": a tie blocking the last seat is voted again among the tied; unfilled
seats go to 另行选举 (组织法 第二十九条; 选举法 第四十五条), as long as the 选举办法's limit on
rounds leaves one (tally then proposes a slate, ``runoff``); a round with more ballots returned than
issued is void and must be held again (选举法 第四十四条). "Motions and decisions": an invalid vote
(``outcome = "invalid"``) is cured by a re-vote, while a valid 未通过 is final. "民生实事项目票决": a tie
at the cutoff is voted again. A 预选 only fixes the list of formal candidates (组织法 第二十七条;
选举法 第三十一条): the election proper is still to come, so the item stays pending after it.

    pending  <=>  round == "preliminary"  or  tied  or  (unfilled and a slate proposed)
                  or  round_valid is False  or  outcome == "invalid"

    election: A elected, B and C tied for 1 seat              -> pending (tie re-vote)
    县长: nobody elected, slate 周正, 吴刚                       -> pending (另行选举)
    县长: nobody elected, the 选举办法 allows no more rounds     -> done (runoff is None)
    election: 51 ballots returned, 50 issued                   -> pending (void, held again)
    预选: 甲 乙 丙 ranked for a list of 3                      -> pending (the election proper follows)
    motion: 赞成 29 of 60, 未通过                               -> done (final)
"""

from __future__ import annotations

from collections.abc import Mapping


def needs_another_round(result: Mapping[str, object]) -> bool:
    """True iff ``result`` (tally's JSON for one round) leaves the item to another round."""
    return (
        result.get("round") == "preliminary"
        or bool(result.get("tied"))
        or (bool(result.get("unfilled")) and result.get("runoff") is not None)
        or result.get("round_valid") is False
        or result.get("outcome") == "invalid"
    )
