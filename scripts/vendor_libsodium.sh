#!/usr/bin/env bash
# Re-fetch the pinned libsodium.js files the browser pages load (terminals/static/vendor/) and
# rewrite their record, terminals/static/vendor/VERSIONS.json. Run by hand only, on a machine
# with npm and internet access; the hall never fetches anything (no CDN, no npm at run time).
#
#   bash scripts/vendor_libsodium.sh            # the version pinned below
#   bash scripts/vendor_libsodium.sh 0.8.5      # another version: then run the browser tests
#                                               # (tests/browser/test_ballot_crypto_js.py) and commit
#
# Each tarball comes from `npm pack` and must match the sha512 integrity the registry publishes
# for it; the record keeps that integrity and the sha256 of every file served, and
# tests/test_vendored_files.py fails if a served file no longer matches its record.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-0.8.4}
vendor=terminals/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch PACKAGE: the tarball in $work, its integrity checked against the registry's
    local package=$1
    local expected actual tarball
    expected=$(npm view "$package@$version" dist.integrity)
    tarball=$(cd "$work" && npm pack --silent "$package@$version")
    actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
    if [ "$expected" != "$actual" ]; then
        echo "integrity mismatch for $package@$version: registry $expected, tarball $actual" >&2
        exit 1
    fi
    mkdir -p "$work/$package"
    tar -xzf "$work/$tarball" -C "$work/$package"
    echo "$actual" >"$work/$package.integrity"
}

fetch libsodium-sumo
fetch libsodium-wrappers-sumo

mkdir -p "$vendor"
# The UMD builds: plain <script> files, no bundler. libsodium-sumo.js defines the global
# `libsodium` (the WebAssembly module, base64 inside the file, with a pure-JavaScript fallback);
# libsodium-wrappers-sumo.js wraps it as the global `sodium`. Load them in that order.
cp "$work/libsodium-sumo/package/dist/modules-sumo/libsodium-sumo.js" "$vendor/libsodium-sumo.js"
cp "$work/libsodium-wrappers-sumo/package/dist/modules-sumo/libsodium-wrappers.js" \
    "$vendor/libsodium-wrappers-sumo.js"
cp "$work/libsodium-wrappers-sumo/package/LICENSE" "$vendor/libsodium.js-LICENSE.txt"

python3 - "$vendor" "$version" "$work" <<'PY'
import hashlib
import json
import sys
from pathlib import Path

vendor, version, work = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])


def sha256(name: str) -> str:
    return hashlib.sha256((vendor / name).read_bytes()).hexdigest()


packages = [
    ("libsodium-sumo", [("libsodium-sumo.js", "dist/modules-sumo/libsodium-sumo.js")]),
    ("libsodium-wrappers-sumo", [("libsodium-wrappers-sumo.js", "dist/modules-sumo/libsodium-wrappers.js"),
                                 ("libsodium.js-LICENSE.txt", "LICENSE")]),
]
record = {
    "about": "Files served from terminals/static/vendor/, each from an npm tarball fetched by "
             "scripts/vendor_libsodium.sh (npm pack, integrity checked against the registry). "
             "tests/test_vendored_files.py checks every served file against its sha256 here.",
    "packages": [
        {"name": name, "version": version,
         "integrity": (work / f"{name}.integrity").read_text().strip(),
         "files": [{"served": served, "from": source, "sha256": sha256(served)} for served, source in files]}
        for name, files in packages
    ],
}
(vendor / "VERSIONS.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"{vendor}/VERSIONS.json rewritten for libsodium.js {version}")
PY
