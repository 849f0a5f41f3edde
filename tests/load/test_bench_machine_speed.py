"""The benchmark reports the machine's speed beside its figures (load/bench.py): the share of
time the hypervisor stole, and a plain Python loop timed."""

from __future__ import annotations

from collections import namedtuple

from load.bench import python_loop_seconds, steal_percent

Linux = namedtuple("Linux", "user nice system idle iowait irq softirq steal guest guest_nice")
Other = namedtuple("Other", "user system idle")


def test_steal_is_the_share_of_all_cores_time_between_two_readings() -> None:
    before = Linux(100.0, 0.0, 20.0, 500.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0)
    after = Linux(160.0, 0.0, 30.0, 520.0, 1.0, 0.0, 1.0, 12.0, 0.0, 0.0)  # 100 s in all, 10 of them stolen
    assert steal_percent(before, after) == 10.0


def test_guest_time_already_counted_in_user_time_is_not_counted_twice() -> None:
    before = Linux(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    after = Linux(50.0, 0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 10.0, 50.0, 0.0)  # 100 s, not 150
    assert steal_percent(before, after) == 10.0


def test_no_steal_figure_where_the_system_reports_none_or_no_time_passed() -> None:
    assert steal_percent(Other(1.0, 1.0, 1.0), Other(2.0, 2.0, 2.0)) is None
    same = Linux(1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert steal_percent(same, same) is None


def test_the_python_loop_takes_longer_for_more_additions() -> None:
    assert 0 <= python_loop_seconds(1000) < python_loop_seconds(3_000_000)  # ≈ 0.00 s against ≈ 0.2 s
