"""A trustee's key file (docs/ballot-crypto.md §7) in Python: it carries the ceremony on after a
restore, opens only with its passphrase, and names every change. The page's copy
(ballot_crypto.js) is checked against this one in tests/browser/test_ballot_crypto_js.py."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest

from ballotcrypto import ceremony as cer
from ballotcrypto import sodium
from ballotcrypto.errors import KeyFileRefused, MalformedValue
from ballotcrypto.group import L
from ballotcrypto.hashing import jcs
from ballotcrypto.keyfile import (
    PassphraseKey,
    TrusteeShare,
    open_trustee,
    passphrase_key,
    read_trustee_file,
    seal_trustee,
)
from tests.ballotcrypto.helpers import keys

SALT = base64.b64encode(bytes(range(16))).decode()
FAST = {"alg": "argon2id13", "opslimit": 1, "memlimit": 8192, "salt": SALT}
PASSPHRASE = "正确 horse 电池"


def key(passphrase: str = PASSPHRASE) -> PassphraseKey:
    return passphrase_key(passphrase, FAST)


def round1_about(secret: cer.TrusteeSecret) -> dict[str, Any]:
    return {"kind": "round1", "cid": keys().ceremony.cid, "trustee": secret.trustee, "box": secret.box_public.hex(),
            "name": "监票人2"}


def share_of(j: int) -> TrusteeShare:
    x = keys().shares[j]
    return TrusteeShare(j, x, keys().result.share_keys[j - 1])


def share_about(j: int) -> dict[str, Any]:
    return {"kind": "share", "cid": keys().ceremony.cid, "trustee": j, "share_key": share_of(j).share_key.hex()}


def edited(file: dict[str, Any], path: tuple[str, ...], value: object) -> dict[str, Any]:
    out = copy.deepcopy(file)
    target = out
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    return out


def flipped(text: str) -> str:
    data = bytearray(base64.b64decode(text))
    data[5] ^= 1
    return base64.b64encode(bytes(data)).decode()


def crafted(about: dict[str, Any], plain_after_hash: bytes, kind: int | None = None) -> dict[str, Any]:
    """A file sealed with the right passphrase around a plaintext of our choosing."""
    kind_byte = kind if kind is not None else {"round1": 1, "share": 2}[about["kind"]]
    plain = bytes([kind_byte]) + hashlib.sha256(jcs(about)).digest() + plain_after_hash
    nonce = bytes(24)
    return {"format": "renda-trustee-key", "version": 1, "about": about, "kdf": dict(FAST),
            "cipher": "xsalsa20poly1305", "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(sodium.secretbox(plain, nonce, key().key)).decode()}


def finding(run: Any) -> str:
    with pytest.raises((KeyFileRefused, MalformedValue)) as caught:
        run()
    return caught.value.finding


def test_a_restored_round1_secret_carries_the_ceremony_on_as_the_original() -> None:
    secret = keys().secrets[1]
    file = seal_trustee(key(), secret, round1_about(secret))
    about, opened = open_trustee(file, passphrase_key(PASSPHRASE, file["kdf"]))
    assert about == round1_about(secret) and opened == secret
    assert isinstance(opened, cer.TrusteeSecret)
    assert opened.box_secret == secret.box_secret and opened.coefficients == secret.coefficients
    # its shares open at the other trustees exactly as the original's would
    sealed = cer.seal_shares(keys().ceremony, opened, keys().commitments)
    to_3 = next(s for s in sealed if s.to == 3)
    assert cer.open_share(keys().ceremony, keys().secrets[2], keys().commitments, to_3.to_json()) == secret.share_for(3)


def test_a_share_file_holds_x_j_and_nothing_else() -> None:
    file = seal_trustee(key(), share_of(2), share_about(2))
    assert set(file) == {"format", "version", "about", "kdf", "cipher", "nonce", "ciphertext"}
    assert file["kdf"] == FAST and len(base64.b64decode(file["nonce"])) == 24
    plain = sodium.secretbox_open(base64.b64decode(file["ciphertext"]), base64.b64decode(file["nonce"]), key().key)
    assert plain is not None and len(plain) == 65 and plain[0] == 2
    assert plain[33:] == keys().shares[2].to_bytes()
    about, opened = open_trustee(file, key())
    assert about == share_about(2) and opened == share_of(2)
    # every file gets a fresh nonce
    assert seal_trustee(key(), share_of(2), share_about(2))["nonce"] != file["nonce"]


def test_the_passphrase_is_the_same_composed_or_not() -> None:
    file = seal_trustee(key("\u00e9tude"), share_of(1), share_about(1))
    assert open_trustee(file, key("e\u0301tude"))[1] == share_of(1)


def test_a_new_key_has_a_fresh_salt_and_the_pages_limits() -> None:
    made = passphrase_key("x")
    assert made.kdf["alg"] == "argon2id13" and made.kdf["opslimit"] == 2 and made.kdf["memlimit"] == 2**26
    assert len(base64.b64decode(str(made.kdf["salt"]))) == 16 and made.kdf["salt"] != SALT
    assert "key=" not in repr(made)


def test_a_wrong_passphrase_or_changed_bytes_are_refused_alike() -> None:
    file = seal_trustee(key(), share_of(2), share_about(2))
    other_salt = dict(FAST, salt=base64.b64encode(bytes(16)).decode())
    assert finding(lambda: open_trustee(file, key("错误的口令"))) == "wrong-passphrase"
    assert finding(lambda: open_trustee(file, passphrase_key(PASSPHRASE, other_salt))) == "wrong-passphrase"
    assert finding(lambda: open_trustee(edited(file, ("ciphertext",), flipped(file["ciphertext"])), key())) == \
        "wrong-passphrase"
    assert finding(lambda: open_trustee(edited(file, ("nonce",), flipped(file["nonce"])), key())) == "wrong-passphrase"
    assert finding(lambda: open_trustee(edited(file, ("ciphertext",), "AAAA"), key())) == "wrong-passphrase"
    assert finding(lambda: passphrase_key("", FAST)) == "bad-passphrase"


def test_a_changed_description_is_named_tampered() -> None:
    secret = keys().secrets[1]
    round1 = seal_trustee(key(), secret, round1_about(secret))
    share = seal_trustee(key(), share_of(2), share_about(2))
    assert finding(lambda: open_trustee(edited(round1, ("about", "name"), "王五"), key())) == "tampered"
    assert finding(lambda: open_trustee(edited(share, ("about",), round1_about(secret)), key())) == "tampered"
    assert finding(lambda: open_trustee(edited(share, ("about", "share_key"), share_of(1).share_key.hex()), key())) \
        == "tampered"


def test_a_secret_that_does_not_fit_its_description_is_named_tampered() -> None:
    secret = keys().secrets[1]
    r1, s2 = round1_about(secret), share_about(2)
    x = keys().shares[2].to_bytes()
    a = [c.to_bytes() for c in secret.coefficients]
    cases = {
        "share of two parts": crafted(s2, x + x),
        "ragged length": crafted(s2, x + b"\x01"),
        "no part at all": crafted(s2, b""),
        "share not below ℓ": crafted(s2, L.to_bytes(32, "little")),
        "zero share": crafted(s2, bytes(32)),
        "other share": crafted(s2, keys().shares[1].to_bytes()),
        "round1 without coefficients": crafted(r1, secret.box_secret),
        "zero coefficient": crafted(r1, secret.box_secret + bytes(32) + a[1]),
        "other transport key": crafted(r1, keys().secrets[0].box_secret + b"".join(a)),
        "kind byte of a share": crafted(r1, secret.box_secret + b"".join(a), kind=2),
    }
    assert {name: finding(lambda file=file: open_trustee(file, key())) for name, file in cases.items()} == \
        dict.fromkeys(cases, "tampered")
    assert open_trustee(crafted(r1, secret.box_secret + b"".join(a)), key())[1] == secret


def test_a_file_that_is_not_a_key_file_is_refused_before_the_passphrase() -> None:
    file = seal_trustee(key(), share_of(2), share_about(2))
    cases: dict[str, tuple[tuple[str, ...], object]] = {
        "format": (("format",), "renda-something"), "version": (("version",), 2), "version-text": (("version",), "1"),
        "cipher": (("cipher",), "aes256gcm"), "alg": (("kdf", "alg"), "scrypt"),
        "opslimit": (("kdf", "opslimit"), 11), "memlimit": (("kdf", "memlimit"), 2**31),
        "memlimit-text": (("kdf", "memlimit"), "8192"), "salt-length": (("kdf", "salt"), "AAAA"),
        "salt-not-base64": (("kdf", "salt"), "**"), "salt-not-canonical": (("kdf", "salt"), "QR=="),
        "salt-number": (("kdf", "salt"), 7), "nonce": (("nonce",), "AAAA"), "ciphertext": (("ciphertext",), "A"),
        "about": (("about",), []), "about-not-jcs": (("about", "name"), "\ud800"),
        "kind": (("about", "kind"), "round2"), "kind-number": (("about", "kind"), 1),
        "cid": (("about", "cid"), "AB" * 32), "trustee": (("about", "trustee"), 0),
        "trustee-bool": (("about", "trustee"), True), "share-key": (("about", "share_key"), "00" * 32),
        "box": (("about",), {**share_about(2), "kind": "round1", "box": "xyz"}),
    }
    got = {name: finding(lambda path=path, value=value: read_trustee_file(edited(file, path, value)))
           for name, (path, value) in cases.items()}
    assert got == {
        "format": "not-a-key-file", "version": "unsupported-version", "version-text": "unsupported-version",
        "cipher": "unsupported-cipher", "alg": "unsupported-kdf", "opslimit": "unsupported-kdf",
        "memlimit": "unsupported-kdf", "memlimit-text": "unsupported-kdf", "salt-length": "malformed",
        "salt-not-base64": "malformed", "salt-not-canonical": "malformed", "salt-number": "malformed",
        "nonce": "malformed", "ciphertext": "malformed", "about": "malformed", "about-not-jcs": "malformed",
        "kind": "malformed", "kind-number": "malformed", "cid": "malformed", "trustee": "malformed",
        "trustee-bool": "malformed", "share-key": "identity-point", "box": "malformed"}
    assert finding(lambda: read_trustee_file({**file, "share": "00"})) == "malformed"
    assert finding(lambda: read_trustee_file("{}")) == "malformed"
    assert read_trustee_file(file) == (share_about(2), FAST)


def test_a_description_that_does_not_fit_the_secret_is_not_sealed() -> None:
    secret = keys().secrets[1]
    assert finding(lambda: seal_trustee(key(), share_of(2), round1_about(secret))) == "malformed"
    assert finding(lambda: seal_trustee(key(), share_of(2), {**share_about(2), "trustee": 3})) == "malformed"
    assert finding(lambda: seal_trustee(key(), share_of(2), share_about(1) | {"trustee": 2})) == "malformed"
    assert finding(lambda: seal_trustee(key(), secret, share_about(2))) == "malformed"
    assert finding(lambda: seal_trustee(key(), secret, {**round1_about(secret), "trustee": 1})) == "malformed"
    assert finding(lambda: seal_trustee(key(), secret, {**round1_about(secret), "box": "ab" * 32})) == "malformed"

