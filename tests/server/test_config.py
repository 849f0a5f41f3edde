"""Every tunable is a field of ``Settings`` read from one environment variable, and the README's
configuration table lists each one as the code declares it."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_variable_is_read_with_its_type() -> None:
    settings = Settings.from_env({"DATA_DIR": "/srv/renda", "DEMO": "0", "PORT": "9000", "GROUP_COMMIT_MS": "2.5",
                                  "AUDIT_ORIGIN": "county.example/log"})
    assert settings.data_dir == Path("/srv/renda")
    assert settings.database_url == "sqlite:////srv/renda/renda.sqlite3"
    assert (settings.demo, settings.port, settings.group_commit_ms) == (False, 9000, 2.5)
    assert settings.origin == "county.example/log"


def test_no_environment_gives_the_embedded_demo_default() -> None:
    settings = Settings.from_env({})
    assert settings.demo is True and settings.host == "127.0.0.1"
    assert settings.database_url.startswith("sqlite:///") and settings.data_dir.is_absolute()


def test_a_bad_value_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="PORT"):
        Settings.from_env({"PORT": "eighty"})


def test_the_readme_lists_every_variable_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for variable, default, _doc in Settings.documented():
        shown = f"`{default}`" if default or isinstance(default, bool) else "(empty)"
        assert f"| `{variable}` | {shown} |" in readme, variable


def test_witnesses_are_url_and_key_pairs_and_a_bad_one_stops_start_up_saying_why() -> None:
    from audit.cosignature import generate

    first, second = generate("witness.example/zhang"), generate("jianwei.example/w")
    settings = Settings.from_env({"WITNESSES": f"http://10.0.0.21:7380/ {first.vkey},\n https://w.example/sub "
                                               f"{second.vkey}", "WITNESS_TIMEOUT_S": "2.5"})
    assert [(w.url, w.key) for w in settings.witness_list] == [
        ("http://10.0.0.21:7380", first.cosigner), ("https://w.example/sub", second.cosigner)]
    assert settings.witness_timeout_s == 2.5 and Settings.from_env({}).witness_list == ()
    for bad, why in [(f"http://10.0.0.21:7380{first.vkey}", "URL VKEY"), (f"ftp://x {first.vkey}", "witness URL"),
                     (f"http://x?a=1 {first.vkey}", "witness URL"), ("http://x renda.local+00+AA", "witness key"),
                     (f"http://a {first.vkey}, http://b {first.vkey}", "twice")]:
        with pytest.raises(ValueError, match="WITNESSES") as refused:
            Settings.from_env({"WITNESSES": bad})
        assert why in str(refused.value), bad


def test_the_audit_origin_is_a_key_name_unique_to_each_data_directory(tmp_path: Path) -> None:
    from server.ledger import log_origin

    with pytest.raises(ValueError, match="AUDIT_ORIGIN"):
        Settings.from_env({"AUDIT_ORIGIN": "county log"})  # it names the key too: no spaces, no '+'
    assert log_origin(tmp_path / "a", "county.example/log") == "county.example/log"
    first, second = log_origin(tmp_path / "a"), log_origin(tmp_path / "b")
    assert first != second and first.startswith("renda.local/") and len(first) == len("renda.local/") + 16
    assert log_origin(tmp_path / "a") == first == (tmp_path / "a" / "audit-origin").read_text().strip()


def test_a_data_directory_made_before_the_origin_file_keeps_its_log_origin(tmp_path: Path) -> None:
    from audit import AuditLog, keys
    from server.ledger import log_origin

    data = tmp_path / "data"
    AuditLog.open(data / "audit-log", keys.generate("renda.local"), "renda.local/session-log").close()
    assert log_origin(data) == "renda.local/session-log"
    assert (data / "audit-origin").read_text() == "renda.local/session-log\n"
    broken = tmp_path / "broken"
    (broken / "audit-log").mkdir(parents=True)
    (broken / "audit-log" / "records.jsonl").write_bytes(b"not a record\n")
    assert log_origin(broken).startswith("renda.local/")  # the log itself then refuses to open, saying why
