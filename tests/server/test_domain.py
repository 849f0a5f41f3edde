"""The server's vocabulary (server/domain.py) names exactly the words tally/ counts with, so the
label table has a label for every value a result or a definition can hold, and no stray one."""

from __future__ import annotations

import pytest

from server.domain import (
    LABEL_TABLES,
    Action,
    BodyKind,
    Choice,
    Grade,
    ItemKind,
    Office,
    RoundKind,
    Vocabulary,
    label_tables,
)
from tally.document import KINDS
from tally.model import CHOICES
from tally.rounds import ROUND_KINDS
from tally.rules.appointment_body import ACTIONS
from tally.rules.candidate_count import OFFICES
from tally.rules.quorum import BODIES
from tally.satisfaction import GRADES


@pytest.mark.parametrize(("vocabulary", "tally_words"), [
    (ItemKind, KINDS), (Choice, CHOICES), (Grade, GRADES), (Action, ACTIONS), (Office, OFFICES),
    (BodyKind, tuple(b for b in BODIES if b != "voters")),  # 选民 vote outside a meeting
    (RoundKind, (*ROUND_KINDS, "manual")),  # a result entered by hand is a round of its own
])
def test_the_vocabulary_has_the_words_tally_counts_with(vocabulary: type[Vocabulary], tally_words: tuple[str, ...]) \
        -> None:
    assert {member.value for member in vocabulary} == set(tally_words)


def test_every_word_has_a_chinese_label_and_no_two_words_of_a_table_share_one() -> None:
    for name, table in label_tables().items():
        assert all(label and not label.isascii() for label in table.values()), name
        assert len(set(table.values())) == len(table), name
    assert set(LABEL_TABLES) == set(label_tables())


def test_parse_gives_the_member_or_none_for_anything_else() -> None:
    assert Choice.parse("yes") is Choice.YES and Choice.YES.label == "赞成"
    assert Choice.parse("YES") is None and Choice.parse(None) is None and Choice.parse(1) is None
