"""The collector's policy for a server with thousands of connections (server/gcpolicy.py)."""

from __future__ import annotations

import gc

from server import gcpolicy


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


def test_the_watch_counts_full_collections_and_keeps_the_longest_pause() -> None:
    watch = gcpolicy.install()
    try:
        gc.collect()
        gc.collect(0)
        assert watch.full_collections == 1
        assert watch.longest_pause_ms >= 0.0
    finally:
        gcpolicy.uninstall(watch)


def test_a_full_collection_runs_only_while_no_vote_is_open_and_not_too_often() -> None:
    watch = gcpolicy.GcWatch()
    watch.last_full_at -= gcpolicy.IDLE_COLLECT_EVERY_S + 1
    assert gcpolicy.collect_if_idle(watch, any_vote_open=True) is False
    assert gcpolicy.collect_if_idle(watch, any_vote_open=False) is True
    assert gcpolicy.collect_if_idle(watch, any_vote_open=False) is False  # ran a moment ago
