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
        shown = f"`{default}`" if default else "(empty)"
        assert f"| `{variable}` | {shown} |" in readme, variable
