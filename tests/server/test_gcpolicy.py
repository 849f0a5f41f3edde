"""The collector's policy for a server with thousands of connections (server/gcpolicy.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from server import gcpolicy


@pytest.fixture
def installed() -> Iterator[gcpolicy.GcWatch]:
    watch = gcpolicy.install()
    try:
        yield watch
    finally:
        gcpolicy.uninstall(watch)


def test_install_freezes_start_up_raises_thresholds_and_uninstall_restores_them() -> None:
    before = gc.get_threshold()
    watch = gcpolicy.install()
    try:
        assert gc.get_threshold() == gcpolicy.THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert watch in gc.callbacks
    finally:
        gcpolicy.uninstall(watch)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert watch not in gc.callbacks


def test_the_watch_counts_full_collections_and_keeps_the_longest_pause(installed: gcpolicy.GcWatch) -> None:
    gc.collect()
    gc.collect(0)
    assert installed.full_collections == 1
    assert installed.longest_pause_ms >= 0.0


def test_a_vote_opening_raises_the_young_threshold_until_no_vote_is_open(installed: gcpolicy.GcWatch) -> None:
    gcpolicy.vote_opening(installed)
    assert gc.get_threshold() == gcpolicy.VOTING_THRESHOLDS and installed.voting
    assert gcpolicy.tick(installed, any_vote_open=True) is False
    assert gc.get_threshold() == gcpolicy.VOTING_THRESHOLDS
    frozen = gc.get_freeze_count()
    kept = [[n] for n in range(1000)]  # what a vote builds and keeps: receipts, ballots
    assert gcpolicy.tick(installed, any_vote_open=False) is False
    assert gc.get_threshold() == gcpolicy.THRESHOLDS and not installed.voting
    assert gc.get_freeze_count() >= frozen + len(kept)  # frozen at once, not traced
    assert gc.get_count()[0] < len(kept)


def test_a_vote_already_open_at_start_gets_the_voting_thresholds_at_the_first_tick(
        installed: gcpolicy.GcWatch) -> None:
    assert gcpolicy.tick(installed, any_vote_open=True) is False
    assert gc.get_threshold() == gcpolicy.VOTING_THRESHOLDS and installed.voting


def test_a_vote_opening_changes_nothing_without_an_installed_policy() -> None:
    before = gc.get_threshold()
    gcpolicy.vote_opening(None)
    assert gc.get_threshold() == before


def test_a_full_collection_runs_only_while_no_vote_is_open_and_not_too_often(
        installed: gcpolicy.GcWatch) -> None:
    installed.last_full_at -= gcpolicy.IDLE_COLLECT_EVERY_S + 1
    assert gcpolicy.tick(installed, any_vote_open=True) is False
    assert installed.full_collections == 0
    class Node:
        other: object = None

    node = Node()
    node.other = node  # garbage the vote left, frozen with the rest at its end
    gone = weakref.ref(node)
    del node
    assert gcpolicy.tick(installed, any_vote_open=False) is True
    assert gone() is None  # the full collection looks at what was frozen, too
    assert installed.full_collections == 1 and gc.get_freeze_count() > 0
    assert gcpolicy.tick(installed, any_vote_open=False) is False  # ran a moment ago
