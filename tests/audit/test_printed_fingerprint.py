"""The key's fingerprint, printed on the code sheet and shown on the hall screen, pins the key with
nothing from the server: an insider who swaps the key and re-signs the whole log makes an export
that verifies on its own, and the printed fingerprint catches it (docs/verifier-spec.md §3.3)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from audit import keys
from audit.__main__ import main
from audit.errors import KeyFormatError
from audit.verify import verify_export
from tests.audit.audit_helpers import receipt_setup, resign, session_export, session_records, signer


def test_the_fingerprint_is_sha256_of_the_vkey_line_in_groups_of_four() -> None:
    vkey = signer().vkey
    digest = hashlib.sha256(vkey.encode("ascii")).hexdigest().upper()
    printed = keys.fingerprint(vkey)
    assert printed == " ".join(digest[i:i + 4] for i in range(0, 64, 4))
    assert printed.count(" ") == 15 and keys.Verifier.from_vkey(vkey).fingerprint == printed
    assert keys.fingerprint(signer("renda.example/other").vkey) != printed  # the name is part of it


def test_a_fingerprint_typed_from_paper_is_read_in_any_spelling_and_anything_else_refused() -> None:
    printed = signer().verifier.fingerprint
    digits = printed.replace(" ", "")
    groups = printed.split()
    spellings = (digits.lower(), printed, f"  {printed.lower()}\n", ":".join(groups), "-".join(groups))
    for typed in spellings:
        assert keys.parse_fingerprint(typed) == printed
    for bad in (digits[:-1], digits + "0", digits[:-1] + "G", "", "SHA256:" + digits):
        with pytest.raises(KeyFormatError, match="64 位十六进制"):
            keys.parse_fingerprint(bad)


def _swapped(tmp_path: Path) -> tuple[Path, str]:
    """The session's export rewritten by an insider with a key of their own (same name): every
    record re-chained, every checkpoint re-signed, vkey.txt and log_opened naming the new key.
    Returns it with the genuine key's fingerprint, as printed at the session."""
    out = session_export(tmp_path)
    genuine = keys.Verifier.from_vkey((out / "vkey.txt").read_text().strip()).fingerprint
    forger = keys.generate("renda.local")
    records = session_records(out)
    records[0]["body"]["vkey"] = forger.vkey
    resign(out, records, forger)
    (out / "vkey.txt").write_text(forger.vkey + "\n")
    return out, genuine


def test_a_swapped_vkey_txt_verifies_alone_and_is_caught_by_the_printed_fingerprint(tmp_path: Path) -> None:
    out, genuine = _swapped(tmp_path)
    assert verify_export(out, workers=0).ok  # the forgery is self-consistent
    report = verify_export(out, trusted_fingerprint=genuine.lower().replace(" ", ""), workers=0)
    assert not report.ok and report.failure is not None and report.failure.code == "untrusted-key"
    assert genuine in report.failure.message and not report.failure.signed
    assert report.records == 0  # stopped at the key: nothing signed by it is read


def test_the_cli_pins_the_printed_fingerprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, genuine = _swapped(tmp_path)
    assert main(["verify", str(out), "--vkey-fingerprint", genuine, "--no-progress"]) == 1
    text = capsys.readouterr().out
    assert "untrusted-key" in text and "公钥指纹与公布的不符" in text and "[未进行] 重新计票" in text
    own = keys.Verifier.from_vkey((out / "vkey.txt").read_text().strip()).fingerprint
    assert main(["verify", str(out), "--vkey-fingerprint", own]) == 0
    assert f"公钥指纹 Key fingerprint (SHA-256): {own}" in capsys.readouterr().out
    assert main(["verify", str(out), "--vkey-fingerprint", own[:-1]]) == 2  # a digit missed when typing
    assert "64 位十六进制" in capsys.readouterr().err
    with pytest.raises(SystemExit) as both:  # one pin or the other
        main(["verify", str(out), "--vkey-fingerprint", own, "--vkey", str(out / "vkey.txt")])
    assert both.value.code == 2
    assert main(["fingerprint", str(out / "vkey.txt")]) == 0
    assert capsys.readouterr().out.strip() == own


def test_a_key_and_a_fingerprint_that_disagree_are_refused_as_input() -> None:
    with pytest.raises(KeyFormatError, match="所给公钥与所给指纹不符"):
        verify_export("unused", trusted_vkey=signer().vkey, trusted_fingerprint=signer("a.b/c").verifier.fingerprint)


def test_check_receipt_pins_the_printed_fingerprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export_dir, receipt = receipt_setup(tmp_path)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    assert main(["check-receipt", str(path), "--export", str(export_dir),
                 "--vkey-fingerprint", signer().verifier.fingerprint]) == 0
    capsys.readouterr()
    assert main(["check-receipt", str(path), "--export", str(export_dir),
                 "--vkey-fingerprint", signer("renda.example/x").verifier.fingerprint]) == 1
    assert "公钥指纹与公布的不符" in capsys.readouterr().out
