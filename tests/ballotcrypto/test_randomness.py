"""Secret randomness: libsodium's by default, a seed's for vectors; never zero where a non-zero
scalar is asked for."""

from __future__ import annotations

import hashlib

import pytest

from ballotcrypto import randomness, sodium
from ballotcrypto.group import L, Scalar
from ballotcrypto.hashing import jcs
from ballotcrypto.randomness import SYSTEM, Seeded


def test_seeded_draws_are_the_documented_hashes_in_order() -> None:
    rng = Seeded("example")
    first = rng.scalar()
    octets = rng.octets(16)
    expected_first = int.from_bytes(hashlib.sha512(jcs(["renda-ballot-v1/test-scalar", "example", 0])).digest(),
                                    "little") % L
    assert first.value == expected_first
    assert octets == hashlib.sha512(jcs(["renda-ballot-v1/test-bytes", "example", 1])).digest()[:16]
    again = Seeded("example")
    assert [again.scalar(), again.octets(16)] == [first, octets]
    assert Seeded("other").scalar() != first


def test_system_scalars_are_non_zero_distinct_and_in_range() -> None:
    draws = [SYSTEM.scalar() for _ in range(50)]
    assert len(set(draws)) == 50 and all(0 < d.value < L for d in draws)
    assert SYSTEM.octets(32) != SYSTEM.octets(32)


def test_a_zero_draw_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([bytes(32), (5).to_bytes(32, "little")])
    monkeypatch.setattr(sodium, "scalar_random", lambda: next(draws))
    assert SYSTEM.scalar() == Scalar(5)
    hashes = iter([Scalar(0), Scalar(9)])
    monkeypatch.setattr(randomness, "hs", lambda tag, items: next(hashes))
    rng = Seeded("z")
    assert rng.scalar() == Scalar(9) and rng.counter == 2


@pytest.mark.parametrize("source", [SYSTEM, Seeded("x")])
def test_octets_are_at_most_64_bytes(source: randomness.Randomness) -> None:
    assert len(source.octets(64)) == 64
    for size in (-1, 65):
        with pytest.raises(ValueError):
            source.octets(size)
