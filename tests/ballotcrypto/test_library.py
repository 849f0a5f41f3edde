"""How `ballotcrypto.sodium` finds libsodium: the library it loads is the one pysodium uses, it is
found by name where the Debian file name is not there, a machine without it gets a clear error,
and the offline verifier starts without pysodium or `cryptography` (start-up is part of its
speed: docs/performance.md)."""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import pysodium  # type: ignore[import-untyped]
import pytest

from ballotcrypto import sodium

ROOT = Path(__file__).resolve().parents[2]


def test_the_library_and_its_sizes_are_pysodiums() -> None:
    assert sodium.version() == pysodium.sodium.sodium_version_string().decode("ascii")
    ours = (sodium.BOX_PUBLIC_BYTES, sodium.BOX_SECRET_BYTES, sodium.BOX_SEED_BYTES, sodium.BOX_SEAL_BYTES,
            sodium.KDF_SALT_BYTES, sodium.SECRETBOX_NONCE_BYTES, sodium.AEAD_TAG_BYTES)
    theirs = (pysodium.crypto_box_PUBLICKEYBYTES, pysodium.crypto_box_SECRETKEYBYTES, pysodium.crypto_box_SEEDBYTES,
              pysodium.crypto_box_SEALBYTES, pysodium.crypto_pwhash_SALTBYTES, pysodium.crypto_secretbox_NONCEBYTES,
              pysodium.crypto_aead_xchacha20poly1305_ietf_ABYTES)
    assert ours == theirs


def test_without_the_debian_file_name_the_library_is_found_by_name() -> None:
    lib = sodium._load("libsodium-not-this-name.so.0")
    assert lib.sodium_init() == 1  # already initialised: the same library


def test_a_machine_without_libsodium_gets_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(ImportError, match="libsodium is not installed"):
        sodium._load("libsodium-not-this-name.so.0")


def test_a_library_that_cannot_be_initialised_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def sodium_init(self) -> int:
            return -1

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Broken())
    with pytest.raises(ImportError, match="could not be initialised"):
        sodium._load()


def test_the_verifier_starts_without_pysodium_or_cryptography() -> None:
    code = ("import sys, audit.__main__, audit.verify, audit.explain, audit.workers; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pysodium', 'cryptography'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
