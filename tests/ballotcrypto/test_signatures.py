"""libsodium's Ed25519 check (`ballotcrypto.sodium.sign_verify_detached`), which the audit
verifier uses for every checkpoint: it agrees with `cryptography` on honest signatures and on
every kind of forgery, and refuses wrong lengths instead of reading past a buffer."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ballotcrypto.sodium import sign_verify_detached

# RFC 8032 §7.1, TEST 2 (one-byte message)
RFC8032_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC8032_MESSAGE = bytes.fromhex("72")
RFC8032_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")


def test_rfc8032_vector_verifies() -> None:
    assert sign_verify_detached(RFC8032_SIGNATURE, RFC8032_MESSAGE, RFC8032_PUBLIC)


def test_a_changed_message_signature_or_key_is_refused() -> None:
    assert not sign_verify_detached(RFC8032_SIGNATURE, b"\x73", RFC8032_PUBLIC)
    assert not sign_verify_detached(bytes([RFC8032_SIGNATURE[0] ^ 1]) + RFC8032_SIGNATURE[1:], RFC8032_MESSAGE,
                                    RFC8032_PUBLIC)
    assert not sign_verify_detached(RFC8032_SIGNATURE, RFC8032_MESSAGE, bytes([RFC8032_PUBLIC[0] ^ 1])
                                    + RFC8032_PUBLIC[1:])


@pytest.mark.parametrize(("signature", "public"), [
    (RFC8032_SIGNATURE[:63], RFC8032_PUBLIC),
    (RFC8032_SIGNATURE + b"\x00", RFC8032_PUBLIC),
    (RFC8032_SIGNATURE, RFC8032_PUBLIC[:31]),
    (b"", b""),
])
def test_wrong_lengths_are_refused(signature: bytes, public: bytes) -> None:
    assert not sign_verify_detached(signature, RFC8032_MESSAGE, public)


def test_agrees_with_cryptography_on_fresh_keys() -> None:
    for size in (0, 1, 200, 5000):
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        message = bytes(range(256)) * (size // 256) + bytes(size % 256)
        signature = key.sign(message)
        assert sign_verify_detached(signature, message, public)
        assert not sign_verify_detached(signature, message + b"\x00", public)


def test_a_non_canonical_s_is_refused() -> None:
    # S + ℓ encodes the same scalar: RFC 8032 §5.1.7 requires S < ℓ
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(RFC8032_SIGNATURE[32:], "little") + order
    assert s < 2**256
    assert not sign_verify_detached(RFC8032_SIGNATURE[:32] + s.to_bytes(32, "little"), RFC8032_MESSAGE,
                                    RFC8032_PUBLIC)
