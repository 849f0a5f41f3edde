"""A 监票人's device in Python: the key ceremony's three rounds and the partial decryption of an
encrypted vote's totals, over the HTTP API (docs/protocol.md "Encrypted secret votes", "The key
ceremony"), with ``ballotcrypto`` doing what the scrutineer page's ``ballot_crypto.js`` does.

The load bench and the tests drive 监票人 with it; the share stays in this process (the scrutineer
page and the CLI keep it on the device under a passphrase, docs/ballot-crypto.md §7). The CLI for a
监票人's own (offline) laptop is ``python -m terminals.trustee`` (`terminals/trustee/__main__.py`);
what each step checks and computes is `terminals.trustee.steps`, shared by both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ballotcrypto.ceremony import (
    TrusteeSecret,
    check_commitment,
    confirm,
    open_share,
    read_ceremony,
    seal_shares,
    start,
)
from ballotcrypto.group import Point, Scalar, base_mul
from ballotcrypto.keyfile import TrusteeShare
from terminals.trustee import steps


class TrusteeError(RuntimeError):
    """The server refused a step, or the ceremony did not finish."""


@dataclass
class Trustee:
    """A 监票人's device: their number in the ceremony (trustee 1 first), their account, the
    client signed in with it, and what the ceremony gave them."""

    number: int
    username: str
    client: httpx.Client
    secret: TrusteeSecret | None = None
    share: Scalar | None = None
    meeting_id: int | None = None


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise TrusteeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:500]}")
    return response.json()


def run_ceremony(staff: httpx.Client, trustees: Sequence[Trustee], meeting_id: int, k: int) -> dict[str, Any]:
    """The key ceremony: staff start it with the trustees' accounts in order, then each 监票人 posts a
    commitment, sealed shares and a confirmation in turn, reading the others' with GET. Returns the
    election key's result (``{cid, key, share_keys, fingerprint}``)."""
    path = f"/api/meetings/{meeting_id}/ceremony"
    started = _ok(staff.post(path, json={"trustees": [t.username for t in trustees], "k": k}))
    statement = read_ceremony(started["ceremony"]["statement"])
    for trustee in trustees:
        trustee.meeting_id = meeting_id
        trustee.secret, commitment = start(statement, trustee.number)
        _ok(trustee.client.post(f"{path}/commitment", json=commitment.to_json()))
    for trustee in trustees:
        commitments = [check_commitment(statement, c) for c in _ok(trustee.client.get(path))["ceremony"]["commitments"]]
        assert trustee.secret is not None
        sealed = seal_shares(statement, trustee.secret, commitments)
        _ok(trustee.client.post(f"{path}/shares", json={"shares": [s.to_json() for s in sealed]}))
    answer: dict[str, Any] = {}
    for trustee in trustees:
        view = _ok(trustee.client.get(path))
        commitments = [check_commitment(statement, c) for c in view["ceremony"]["commitments"]]
        assert trustee.secret is not None
        received = {s["trustee"]: open_share(statement, trustee.secret, commitments, s) for s in view["shares_for_me"]}
        trustee.share, confirmation = confirm(statement, trustee.secret, commitments, received)
        answer = _ok(trustee.client.post(f"{path}/confirmation", json=confirmation.to_json()))
    if answer["ceremony"]["state"] != "done":
        raise TrusteeError(f"the key ceremony did not finish: {answer['ceremony']['state']}")
    result: dict[str, Any] = answer["ceremony"]["result"]
    return result


def partial_for(trustee: Trustee, vote_id: str, *, check_proofs: bool = True) -> dict[str, Any]:
    """The 监票人's partial decryption of the vote's totals, computed on their device once the
    totals are the sum of the counted ballots and the key the ceremony's (`steps.partial`)."""
    assert trustee.share is not None and trustee.meeting_id is not None
    client, meeting_id = trustee.client, trustee.meeting_id
    view = _ok(client.get(f"/api/meetings/{meeting_id}/ceremony"))
    share = TrusteeShare(trustee.number, trustee.share, Point.trusted(base_mul(trustee.share.value)))
    try:
        answer = steps.partial(meeting_id, view, _ok(client.get(f"/api/votes/{vote_id}")),
                               _ok(client.get(f"/api/votes/{vote_id}/decryption")),
                               _ok(client.get(f"/api/votes/{vote_id}/ballots")), share, check_proofs=check_proofs)
    except steps.StepRefused as refused:
        raise TrusteeError(refused.message) from refused
    return answer.body


def post_partial(trustee: Trustee, vote_id: str) -> httpx.Response:
    """Compute and post the partial decryption; the server's answer as it came (the k-th carries the result)."""
    return trustee.client.post(f"/api/votes/{vote_id}/partial", json=partial_for(trustee, vote_id))


def decrypt_step(trustee: Trustee, vote_id: str, *, check_proofs: bool = True) -> steps.Answer:
    """What the 监票人's device posts for the decryption round the vote is waiting for: the totals'
    partial, or a write-in round's (另选他人, `steps.decrypt`)."""
    assert trustee.share is not None and trustee.meeting_id is not None
    client, meeting_id = trustee.client, trustee.meeting_id
    view = _ok(client.get(f"/api/meetings/{meeting_id}/ceremony"))
    share = TrusteeShare(trustee.number, trustee.share, Point.trusted(base_mul(trustee.share.value)))
    try:
        return steps.decrypt(meeting_id, view, _ok(client.get(f"/api/votes/{vote_id}")),
                             _ok(client.get(f"/api/votes/{vote_id}/decryption")),
                             _ok(client.get(f"/api/votes/{vote_id}/ballots")), share, check_proofs=check_proofs)
    except steps.StepRefused as refused:
        raise TrusteeError(refused.message) from refused


def post_decryption(trustee: Trustee, vote_id: str) -> httpx.Response:
    """Compute and post the partial of the round under way; the server's answer as it came."""
    answer = decrypt_step(trustee, vote_id)
    return trustee.client.post(answer.path, json=answer.body)
