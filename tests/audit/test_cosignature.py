"""C2SP tlog-cosignature (Ed25519 cosignature/v1, signed-note type 0x04): the signed message, the
key ID, the signature line, and a checkpoint cosigned by public witnesses as the test vector."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import struct
from pathlib import Path

import pytest

from audit import keys
from audit.cosignature import COSIGNATURE_V1, MAX_TIMESTAMP, Cosigner, WitnessKey, cosignatures, generate, message
from audit.errors import KeyFormatError, NoteError, SignatureError
from audit.keys import Verifier
from audit.note import open_note, parse_note
from tests.audit.audit_helpers import VECTORS

PUBLIC = json.loads((VECTORS / "c2sp_cosigned_checkpoint.json").read_text(encoding="utf-8"))
TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def test_a_checkpoint_cosigned_by_four_public_witnesses_verifies_with_their_published_keys() -> None:
    witnesses = [Cosigner.from_vkey(vkey) for vkey in PUBLIC["witness_vkeys"]]
    assert [w.vkey for w in witnesses] == PUBLIC["witness_vkeys"]
    parsed = open_note(PUBLIC["note"], [Verifier.from_vkey(PUBLIC["log_vkey"])])  # the log's own Ed25519 line
    found = cosignatures(parsed, witnesses)
    assert [c.cosigner for c in found] == witnesses
    assert {c.timestamp for c in found} == {PUBLIC["timestamp"]}


def test_a_public_cosignature_does_not_verify_for_another_tree_size() -> None:
    witnesses = [Cosigner.from_vkey(vkey) for vkey in PUBLIC["witness_vkeys"]]
    forged = PUBLIC["note"].replace("\n1432088532\n", "\n1432088533\n")
    with pytest.raises(SignatureError, match="bad cosignature by witness"):
        cosignatures(parse_note(forged), witnesses)


def test_the_signed_message_is_the_header_the_time_line_and_the_note_text() -> None:
    assert message(TEXT, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    for bad in (0, -1, MAX_TIMESTAMP + 1):
        with pytest.raises(NoteError, match="timestamp"):
            message(TEXT, bad)


def test_the_key_id_is_the_signed_note_hash_with_type_0x04_and_the_line_carries_the_timestamp() -> None:
    key = generate("witness.example/w1")
    public = key.cosigner.public_key
    assert key.cosigner.key_id == hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    material = base64.b64encode(bytes([COSIGNATURE_V1]) + public).decode()
    assert key.vkey == f"witness.example/w1+{key.cosigner.key_id.hex()}+{material}"
    line = key.cosign(TEXT, 1679315147)
    dash, name, encoded = line.split(" ")
    raw = base64.b64decode(encoded)
    assert (dash, name, len(raw)) == ("\u2014", "witness.example/w1", 4 + 8 + 64)
    assert raw[:4] == key.cosigner.key_id and struct.unpack(">Q", raw[4:12]) == (1679315147,)
    assert Verifier(key.name, raw[:4], public).verify(message(TEXT, 1679315147), raw[12:])
    parsed = parse_note(TEXT + "\n" + line + "\n")
    assert [(c.cosigner, c.timestamp) for c in cosignatures(parsed, [key.cosigner])] == [(key.cosigner, 1679315147)]


def test_a_witness_key_is_not_a_log_key_and_a_log_key_is_not_a_witness_key() -> None:
    witness = generate("witness.example/w1")
    log = keys.generate("witness.example/w1")
    with pytest.raises(KeyFormatError, match="type 0x01"):
        Verifier.from_vkey(witness.vkey)
    with pytest.raises(KeyFormatError, match="type 0x04"):
        Cosigner.from_vkey(log.vkey)
    # A log's Ed25519 signature line of the same name is not a cosignature, and is ignored.
    note = f"{TEXT}\n\u2014 witness.example/w1 {base64.b64encode(log.verifier.key_id + log.sign(b'x')).decode()}\n"
    assert cosignatures(parse_note(note), [witness.cosigner]) == []


def test_a_witness_key_id_that_does_not_match_is_refused() -> None:
    key = generate("witness.example/w1")
    name, _kid, material = key.vkey.split("+", 2)
    with pytest.raises(KeyFormatError, match="does not match"):
        Cosigner.from_vkey(f"{name}+00000000+{material}")
    skey = key.skey()
    with pytest.raises(KeyFormatError, match="does not match"):
        WitnessKey.from_skey(skey.replace(key.cosigner.key_id.hex(), "00000000"))


def test_the_witness_private_key_is_saved_owner_only_and_loaded_back(tmp_path: Path) -> None:
    key = generate("witness.example/w1")
    keys.save(key, tmp_path / "w.skey")
    assert stat.S_IMODE((tmp_path / "w.skey").stat().st_mode) == 0o600
    loaded = WitnessKey.from_skey(keys.read_private(tmp_path / "w.skey"))
    assert loaded.vkey == key.vkey and "PRIVATE" not in repr(loaded) and key.cosigner.key_id.hex() in repr(loaded)


def test_lines_of_other_keys_are_ignored_and_a_bad_line_of_a_trusted_witness_rejects_the_note() -> None:
    trusted, other = generate("witness.example/w1"), generate("witness.example/w1")  # same name, other key
    good = trusted.cosign(TEXT, 100)
    foreign = other.cosign(TEXT, 100)
    assert cosignatures(parse_note(f"{TEXT}\n{foreign}\n{good}\n"), [trusted.cosigner])[0].timestamp == 100
    assert cosignatures(parse_note(f"{TEXT}\n{foreign}\n"), [trusted.cosigner]) == []
    raw = bytearray(base64.b64decode(good.split(" ")[2]))
    raw[-1] ^= 1
    bad = f"\u2014 witness.example/w1 {base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(SignatureError):
        cosignatures(parse_note(f"{TEXT}\n{good}\n{bad}\n"), [trusted.cosigner])


def test_a_cosignature_of_the_wrong_length_or_with_timestamp_zero_does_not_verify() -> None:
    key = generate("witness.example/w1")
    raw = base64.b64decode(key.cosign(TEXT, 100).split(" ")[2])
    assert key.cosigner.timestamp(TEXT, raw[4:]) == 100
    assert key.cosigner.timestamp(TEXT, raw[4:-1]) is None
    signature = key.private_key.sign(b"cosignature/v1\ntime 0\n" + TEXT.encode())
    assert key.cosigner.timestamp(TEXT, struct.pack(">Q", 0) + signature) is None
    huge = struct.pack(">Q", MAX_TIMESTAMP + 1) + signature
    assert key.cosigner.timestamp(TEXT, huge) is None


def test_a_witness_that_cosigned_twice_counts_once_at_its_latest_time() -> None:
    key = generate("witness.example/w1")
    note = f"{TEXT}\n{key.cosign(TEXT, 200)}\n{key.cosign(TEXT, 100)}\n"
    assert [c.timestamp for c in cosignatures(parse_note(note), [key.cosigner, key.cosigner])] == [200]
