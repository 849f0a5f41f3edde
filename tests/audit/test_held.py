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


@pytest.mark.parametrize("key_size", [0, 1, 32, 63, 64, 65, 131, 1000])
def test_hmac_equals_hmacs_for_keys_shorter_than_as_long_as_and_longer_than_the_block(key_size: int) -> None:
    """RFC 2104 §2: a key longer than SHA-256's 64-byte block is hashed first, a shorter one zero-filled."""
    key = os.urandom(key_size)
    for size in (0, 20, held.PIECE + 1):
        data = os.urandom(size)
        assert held.hmac_sha256(key, data) == hmac.digest(key, data, "sha256")


@pytest.mark.parametrize(("key", "data", "mac"), [
    # RFC 4231 §4.2, test case 1
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    # RFC 4231 §4.3, test case 2: a key shorter than the output
    (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    # RFC 4231 §4.7, test case 6: a 131-byte key, hashed first
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
])
def test_hmac_gives_rfc_4231s_test_vectors(key: bytes, data: bytes, mac: str) -> None:
    assert held.hmac_sha256(key, data).hex() == mac


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
    assert all(len(piece) <= held.PIECE for piece in recorder.pieces)
    assert len(recorder.pieces) == max(1, -(-size // held.PIECE))  # short data in one call


def test_hmac_never_goes_through_hmac_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    def released(*_args: object) -> bytes:
        raise AssertionError("hmac.digest lets go of the GIL")

    expected = hmac.new(b"k" * 32, b"renda-voter/1\n42", hashlib.sha256).hexdigest()
    monkeypatch.setattr(hmac, "digest", released)
    monkeypatch.setattr(hmac, "new", released)  # nor through hmac.new, whose wrapper costs twice as much
    assert held.hmac_sha256(b"k" * 32, b"renda-voter/1\n42").hex() == expected
