"""Shared material for the ballotcrypto tests: one n = 3, k = 2 ceremony run once, contexts of the
three forms, and a scripted source of randomness."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from ballotcrypto import ballot as bal
from ballotcrypto import ceremony as cer
from ballotcrypto import forms
from ballotcrypto.group import Scalar
from ballotcrypto.randomness import Seeded

ORIGIN = "renda.local/session-log"


@dataclass(frozen=True)
class Keys:
    ceremony: cer.Ceremony
    secrets: tuple[cer.TrusteeSecret, ...]
    commitments: tuple[cer.Commitment, ...]
    shares: dict[int, Scalar]  # x_j
    result: cer.CeremonyResult


def run_ceremony(n: int, k: int, seed: str = "tests") -> Keys:
    """Every round of an honest ceremony, through the public checks."""
    ceremony = cer.Ceremony(ORIGIN, f"ceremony-{seed}", n, k, tuple(f"监票人{i}" for i in range(1, n + 1)))
    rng = Seeded(seed)
    started = [cer.start(ceremony, i, rng) for i in range(1, n + 1)]
    commitments = tuple(cer.check_commitment(ceremony, c.to_json()) for _, c in started)
    sealed = [share for secret, _ in started for share in cer.seal_shares(ceremony, secret, commitments)]
    shares: dict[int, Scalar] = {}
    confirmations = []
    for secret, _ in started:
        received = {s.trustee: cer.open_share(ceremony, secret, commitments, s.to_json())
                    for s in sealed if s.to == secret.trustee}
        x, confirmation = cer.confirm(ceremony, secret, commitments, received, rng)
        shares[secret.trustee] = x
        confirmations.append(cer.check_confirmation(ceremony, commitments, confirmation.to_json()))
    result = cer.election_key(ceremony, commitments, confirmations)
    return Keys(ceremony, tuple(s for s, _ in started), commitments, shares, result)


@cache
def keys() -> Keys:
    return run_ceremony(3, 2)


def context(form: forms.Form, vote: str = "v1") -> bal.Context:
    return bal.Context(ORIGIN, vote, keys().result.key, form)


def motion() -> bal.Context:
    return context(forms.motion_form(), "v-motion")


def election() -> bal.Context:
    return context(forms.election_form(3, 2), "v-election")


def satisfaction() -> bal.Context:
    return context(forms.satisfaction_form(2), "v-satisfaction")


class Scripted:
    """Randomness that hands out the given scalars first, then a seeded sequence."""

    def __init__(self, scalars: Iterable[int], seed: str = "scripted") -> None:
        self.queue = [Scalar(v) for v in scalars]
        self.rest = Seeded(seed)

    def scalar(self) -> Scalar:
        return self.queue.pop(0) if self.queue else self.rest.scalar()

    def octets(self, size: int) -> bytes:
        return self.rest.octets(size)
