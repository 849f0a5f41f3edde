"""C2SP signed notes, Ed25519 note keys and tlog checkpoints."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from audit import keys, note
from audit.checkpoint import checkpoint_text, open_checkpoint, sign_checkpoint
from audit.errors import KeyFileError, KeyFormatError, NoteError, SignatureError
from audit.merkle import EMPTY_ROOT
from tests.audit.audit_helpers import VECTORS

EXAMPLE = json.loads((VECTORS / "c2sp_signed_note_example.json").read_text(encoding="utf-8"))


def test_the_c2sp_example_note_verifies_with_the_c2sp_example_key() -> None:
    verifier = keys.Verifier.from_vkey(EXAMPLE["vkey"])
    assert verifier.name == "example.com/foo" and verifier.key_id.hex() == "530d903a"
    assert verifier.vkey == EXAMPLE["vkey"]
    assert note.open_note(EXAMPLE["note"], [verifier]).text == "This is an example message.\n"


def test_key_id_is_the_c2sp_hash_of_name_type_and_key() -> None:
    signer = keys.generate("renda.example/log")
    public = signer.verifier.public_key
    import hashlib

    assert signer.verifier.key_id == hashlib.sha256(b"renda.example/log\n\x01" + public).digest()[:4]
    assert signer.vkey.startswith(f"renda.example/log+{signer.verifier.key_id.hex()}+")
    assert keys.Verifier.from_vkey(signer.vkey) == signer.verifier
    assert "PRIVATE" not in repr(signer) and signer.verifier.key_id.hex() in repr(signer)


def test_keys_are_saved_owner_only_and_loaded_back(tmp_path: Path) -> None:
    signer = keys.generate("renda.example/log")
    path = tmp_path / "log.key"
    keys.save(signer, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("PRIVATE+KEY+renda.example/log+")
    loaded = keys.load(path)
    assert loaded.vkey == signer.vkey
    assert keys.Signer.from_skey(signer.skey()).vkey == signer.vkey


def test_saving_never_overwrites_a_key(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    keys.save(keys.generate("a.example/x"), path)
    with pytest.raises(KeyFileError, match="cannot create"):
        keys.save(keys.generate("a.example/x"), path)


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.key"
    keys.save(keys.generate("a.example/x"), path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        keys.load(path)
    with pytest.raises(KeyFileError, match="cannot read"):
        keys.load(tmp_path / "missing.key")


@pytest.mark.parametrize("name", ["", "has space", "a+b", "tab\there", "nl\n"])
def test_bad_key_names_are_refused(name: str) -> None:
    with pytest.raises(KeyFormatError):
        keys.generate(name)


GOOD = keys.generate("a.example/x")
SEED = GOOD.private_key.private_bytes_raw()


@pytest.mark.parametrize(
    "vkey",
    [
        "a.example/x+abcd",
        "a.example/x+00000000+" + base64.b64encode(b"\x01" + GOOD.verifier.public_key).decode(),  # wrong id
        f"a.example/x+{GOOD.verifier.key_id.hex()}+" + base64.b64encode(b"\x02" + GOOD.verifier.public_key).decode(),
        f"a.example/x+{GOOD.verifier.key_id.hex()}+!!!",
        f"a.example/x+{GOOD.verifier.key_id.hex()}+" + base64.b64encode(b"\x01" + b"short").decode(),
        "bad name+00+AA==",
    ],
    ids=["two-parts", "wrong-id", "wrong-algorithm", "not-base64", "short-key", "bad-name"],
)
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        keys.Verifier.from_vkey(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        "a.example/x+00+AA==",
        "PRIVATE+KEY+a.example/x+abcd",
        f"PRIVATE+KEY+a.example/x+{GOOD.verifier.key_id.hex()}+%%%",
        f"PRIVATE+KEY+a.example/x+{GOOD.verifier.key_id.hex()}+" + base64.b64encode(b"\x02" + SEED).decode(),
        "PRIVATE+KEY+a.example/x+00000000+" + base64.b64encode(b"\x01" + SEED).decode(),
    ],
    ids=["not-private", "two-parts", "not-base64", "wrong-algorithm", "wrong-id"],
)
def test_malformed_private_keys_are_refused(skey: str) -> None:
    with pytest.raises(KeyFormatError):
        keys.Signer.from_skey(skey)


def test_strict_base64_admits_one_spelling_only() -> None:
    assert keys.b64decode_strict("AQ==") == b"\x01"
    for bad in ["AR==", "AQ", "A Q==", "éé=="]:
        with pytest.raises(ValueError):
            keys.b64decode_strict(bad)


def test_a_signature_from_a_known_key_that_fails_rejects_the_note() -> None:
    signer = keys.generate("a.example/x")
    signed = note.sign_note("hello\n", signer)
    tampered = signed.replace("hello", "hullo")
    with pytest.raises(SignatureError, match="bad signature"):
        note.open_note(tampered, [signer.verifier])


def test_unknown_signatures_are_ignored_and_one_known_one_suffices() -> None:
    signer, other = keys.generate("a.example/x"), keys.generate("b.example/y")
    signed = note.sign_note("hello\n", signer)
    both = signed + note.sign_note("hello\n", other).split("\n\n", 1)[1]
    assert note.open_note(both, [other.verifier]).text == "hello\n"
    assert len(note.open_note(both, [signer.verifier]).signatures) == 2
    with pytest.raises(SignatureError, match="no signature"):
        note.open_note(signed, [other.verifier])


def test_a_verifier_rejects_a_signature_of_the_wrong_length() -> None:
    assert not GOOD.verifier.verify(b"m", b"short")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no newline", "end with a newline"),
        ("bell\x07\n", "control character"),
        ("lone \ud800\n", "UTF-8"),
        ("no blank line\n— a.example/x AAAAAAA=\n", "blank line"),
        ("t\n\n- a.example/x AAAAAAA=\n", "em dash"),
        ("t\n\n— a.example/x\n", "'— <name> <signature>'"),
        ("t\n\n— bad+name AAAAAAA=\n", "bad signature line"),
        ("t\n\n— a.example/x !!!!\n", "bad signature line"),
        ("t\n\n— a.example/x AAAA\n", "4-byte key ID"),
        ("t\n\n" + "— a.example/x AAAAAAA=\n" * 101, "more than 100"),
    ],
)
def test_malformed_notes_are_refused(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        note.parse_note(text)


@pytest.mark.parametrize("text", ["no newline", "bell\x07\n", "lone \ud800\n"])
def test_malformed_texts_are_not_signed(text: str) -> None:
    with pytest.raises(NoteError):
        note.sign_note(text, GOOD)


def test_a_checkpoint_is_origin_size_and_base64_root() -> None:
    root = bytes(range(32))
    checkpoint = sign_checkpoint("a.example/x", 7, root, GOOD)
    assert checkpoint.note.startswith(f"a.example/x\n7\n{base64.b64encode(root).decode()}\n\n— a.example/x ")
    assert open_checkpoint(checkpoint.note, GOOD.verifier, "a.example/x") == checkpoint


def test_extension_lines_are_signed_and_accepted() -> None:
    text = checkpoint_text("a.example/x", 3, EMPTY_ROOT) + "extension\n"
    opened = open_checkpoint(note.sign_note(text, GOOD), GOOD.verifier)
    assert (opened.size, opened.root) == (3, EMPTY_ROOT)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.example/x\n7\n", "origin, a size and a root"),
        ("a.example/x\n\n7\nAAAA\n", "origin, a size and a root"),
        ("a.example/x\n07\n" + base64.b64encode(EMPTY_ROOT).decode() + "\n", "tree size"),
        ("a.example/x\n٧\n" + base64.b64encode(EMPTY_ROOT).decode() + "\n", "tree size"),
        ("a.example/x\n7\nnot base64\n", "root hash"),
        ("a.example/x\n7\n" + base64.b64encode(b"short").decode() + "\n", "32 bytes"),
        ("b.example/y\n7\n" + base64.b64encode(EMPTY_ROOT).decode() + "\n", "origin"),
    ],
)
def test_malformed_checkpoints_are_refused(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        open_checkpoint(note.sign_note(text, GOOD), GOOD.verifier, "a.example/x")


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [("", 1, EMPTY_ROOT), ("a\nb", 1, EMPTY_ROOT), ("o", -1, EMPTY_ROOT), ("o", 1, b"short")],
)
def test_checkpoint_text_refuses_impossible_heads(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(NoteError):
        checkpoint_text(origin, size, root)
