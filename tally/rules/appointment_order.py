"""For one post, 免职 is voted before 任职; amendments before the main motion.

shared/domain.md "Appointments and removals": "For the same post, 免职 is voted before 任职";
"Motions and decisions": "Amendments are voted before the main motion".
Given the items in voting order, the first index that breaks the rule (or ``None``):

    [免职 副县长 张三, 任命 副县长 李四]  -> fine
    [任命 副县长 李四, 免职 副县长 张三]  -> item 2 (免职 after 任职 for the same post) is out of order
"""

from __future__ import annotations

from collections.abc import Sequence


def first_out_of_order(items: Sequence[tuple[str, str]]) -> int | None:
    """``items`` are (action, post) pairs in voting order; actions "appoint"/"dismiss" matter."""
    appointed_posts: set[str] = set()
    for index, (action, post) in enumerate(items):
        if action == "dismiss" and post in appointed_posts:
            return index
        if action == "appoint":
            appointed_posts.add(post)
    return None
