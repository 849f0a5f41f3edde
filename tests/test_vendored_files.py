"""The third-party files the pages load are the pinned ones: every file in terminals/static/vendor/
is recorded in VERSIONS.json (package, version, npm integrity, sha256 of the file served) and
matches its sha256, the package data ships them, and no page loads a script from anywhere else
(the hall has no internet: no CDN)."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

VENDOR = ROOT / "terminals" / "static" / "vendor"
RECORD = VENDOR / "VERSIONS.json"


def recorded() -> list[dict[str, Any]]:
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    return [{**file, "package": package} for package in record["packages"] for file in package["files"]]


def test_every_vendored_file_is_recorded_and_matches_its_sha256() -> None:
    files = recorded()
    served = {f["served"] for f in files}
    assert len(served) == len(files), "a file is recorded twice"
    on_disk = {p.name for p in VENDOR.iterdir()} - {RECORD.name}
    assert on_disk == served, f"unrecorded: {sorted(on_disk - served)}, missing: {sorted(served - on_disk)}"
    for file in files:
        digest = hashlib.sha256((VENDOR / file["served"]).read_bytes()).hexdigest()
        assert digest == file["sha256"], f"{file['served']} differs from its record (scripts/vendor_libsodium.sh)"


def test_the_record_names_each_package_version_and_integrity() -> None:
    for file in recorded():
        package = file["package"]
        assert re.fullmatch(r"[a-z0-9-]+", package["name"])
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"])
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", package["integrity"])
        assert re.fullmatch(r"[0-9a-f]{64}", file["sha256"])


def test_the_package_data_ships_the_vendored_files() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "static/vendor/*" in data["tool"]["setuptools"]["package-data"]["terminals"]


def test_no_page_loads_a_script_from_another_origin() -> None:
    sources: list[tuple[Path, str]] = []
    for template in (ROOT / "terminals" / "templates").glob("*.html"):
        sources += [(template, src) for src in re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"",
                                                          template.read_text(encoding="utf-8"))]
    assert sources, "no <script src> found: the pattern is wrong"
    for template, src in sources:
        assert src.startswith("/") and not src.startswith("//"), f"{template.name} loads {src}"
