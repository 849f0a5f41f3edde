"""audit.held: the same SHA-256 and HMAC-SHA256 as hashlib and hmac, fed so that CPython never lets
go of the GIL (the server's writer thread shares it with the event loop: docs/performance.md
"The GIL"). CPython releases it to hash 2,048 bytes or more in one call (HASHLIB_GIL_MINSIZE) and
in every ``hmac.digest``; the held functions make neither call."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest

from audit import held

SIZES = (0, 1, held.PIECE - 1, held.PIECE, held.PIECE + 1, 2 * held.PIECE, 2 * held.PIECE + 5, 40_000)


@pytest.mark.parametrize("size", SIZES)
def test_held_digests_equal_hashlibs_and_hmacs_at_every_size(size: int) -> None:
    data, key = os.urandom(size), os.urandom(32)
    assert held.sha256(data) == hashlib.sha256(data).digest()
    assert held.hmac_sha256(key, data) == hmac.digest(key, data, "sha256")


class _Recorder:
    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def update(self, piece: memoryview) -> None:
        self.pieces.append(bytes(piece))


@pytest.mark.parametrize("size", SIZES)
def test_data_is_fed_in_pieces_too_small_for_cpython_to_release_the_gil(size: int) -> None:
    data = os.urandom(size)
    recorder = _Recorder()
    held._feed(recorder, data)  # type: ignore[arg-type]
    assert held.PIECE < 2048
    assert b"".join(recorder.pieces) == data
    assert all(0 < len(piece) <= held.PIECE for piece in recorder.pieces)


def test_hmac_never_goes_through_hmac_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    def released(*_args: object) -> bytes:
        raise AssertionError("hmac.digest lets go of the GIL")

    monkeypatch.setattr(hmac, "digest", released)
    assert held.hmac_sha256(b"k" * 32, b"renda-voter/1\n42").hex() == \
        hmac.new(b"k" * 32, b"renda-voter/1\n42", hashlib.sha256).hexdigest()
