"""Failed sign-ins are limited per account, per client that never signed in, and overall — never
per address alone (server/auth.py ``SignInGuard``; arithmetic in docs/reliability.md)."""

from __future__ import annotations

import pytest

from server.auth import SignInGuard
from server.errors import ServerError


def guard() -> SignInGuard:
    return SignInGuard(per_account=10, per_client=10, overall=120, window_s=60.0)


def refused(g: SignInGuard, client: str, account: str | None = None, now: float = 0.0) -> bool:
    try:
        g.check(client, account, now=now)
    except ServerError as error:
        assert (error.status, error.code) == (429, "rate_limited") and error.message
        return True
    return False


def test_a_hall_behind_one_address_signs_in_while_one_deputy_mistypes_twenty_times() -> None:
    g = guard()
    for i in range(5000):
        assert not refused(g, "hall-nat", now=i * 0.001)
        g.succeeded("hall-nat", now=i * 0.001)
        if i % 250 == 0:  # twenty typos spread over the check-in
            g.failed("hall-nat", now=i * 0.001)
    assert not refused(g, "hall-nat", now=5.0)


def test_one_address_that_never_signed_in_is_stopped_after_ten_failures_for_a_minute() -> None:
    g = guard()
    for i in range(10):
        assert not refused(g, "guesser", now=i)
        g.failed("guesser", now=i)
    assert refused(g, "guesser", now=10)
    assert not refused(g, "someone-else", now=10)
    assert not refused(g, "guesser", now=61)  # the first failures have left the window


def test_after_the_overall_budget_only_clients_that_have_not_failed_may_try() -> None:
    g = guard()
    for i in range(120):  # many addresses, one guess each
        g.failed(f"10.0.0.{i}", now=1.0)
    assert refused(g, "10.0.0.7", now=2.0)
    assert not refused(g, "a-deputy-who-typed-nothing-wrong", now=2.0)
    assert not refused(g, "10.0.0.7", now=62.0)


def test_one_account_is_stopped_after_ten_wrong_passwords_from_any_addresses() -> None:
    g = guard()
    for i in range(10):
        g.failed(f"addr-{i}", "chair", now=1.0)
    assert refused(g, "addr-new", "chair", now=2.0)
    assert not refused(g, "addr-new", "staff", now=2.0)


def test_forgotten_addresses_do_not_grow_without_bound() -> None:
    g = guard()
    for i in range(10_001):
        g.failed(f"a{i}", now=0.0)
    g.failed("late", now=100.0)
    assert len(g._clients) == 1


@pytest.mark.parametrize(("origin", "host", "foreign"), [
    (None, "hall.local:8443", False), ("https://hall.local:8443", "hall.local:8443", False),
    ("https://evil.example", "hall.local:8443", True), ("null", "hall.local:8443", True),
    ("https://HALL.local:8443", "hall.local:8443", False), ("https://hall.local:9999", "hall.local:8443", True),
])
def test_an_origin_is_foreign_unless_it_names_the_host_the_request_was_sent_to(
        origin: str | None, host: str, foreign: bool) -> None:
    from server.auth import foreign_origin

    assert foreign_origin(origin, host) is foreign
    assert foreign_origin(origin, host, ("https://evil.example",)) is (foreign and origin != "https://evil.example")
