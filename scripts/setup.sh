#!/usr/bin/env bash
# Set up everything this project needs on a machine with only Python 3.11 and apt: libsodium,
# a virtualenv in .venv with the project and its extras, and (with --test) the system packages
# the test suite drives: Debian's chromium for browser tests, and a running PostgreSQL.
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
    if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    echo "需要 Python 3.11 或更新版本 (Python >= 3.11 is required)" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv
        "$PY" -m venv .venv
    fi
fi

# libsodium (ristretto255, sealed boxes) is loaded by pysodium at run time: the encrypted ballots
# need it to run, not only to test.
if ! "$PY" -c 'import ctypes.util, sys; sys.exit(ctypes.util.find_library("sodium") is None)' 2>/dev/null; then
    echo "installing Debian's libsodium23 (ristretto255 for encrypted ballots)" >&2
    apt_install libsodium23
fi

# The print pages as PDF (server/pdf.py): WeasyPrint lays them out with pango, in Noto Sans CJK
# (embedded in every PDF). Needed to run, not only to test.
if ! { ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0; } || ! fc-list :lang=zh 2>/dev/null | grep -qi "noto sans cjk"; then
    echo "installing Debian's pango and fonts-noto-cjk (the print pages as PDF)" >&2
    apt_install libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk
fi

stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    echo "installing Python packages into .venv (log: .venv/install.log)" >&2
    if ! { .venv/bin/python -m pip install -q --upgrade pip \
           && .venv/bin/python -m pip install -q -e '.[server,load,dev]'; } >.venv/install.log 2>&1; then
        cat .venv/install.log >&2
        echo "安装失败 (pip install failed)" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi

# The project's own modules compiled to bytecode once, as pip does for an installed package: each
# process the server, the verifier (`python -m audit verify`) and the suite start then loads them
# instead of compiling every source again, which it does where PYTHONDONTWRITEBYTECODE is set (it
# is on this project's machines: ≈ 60 ms of a verification's 1 s, docs/performance.md).
.venv/bin/python -m compileall -q -j 0 audit ballotcrypto server tally terminals load >/dev/null

if [ "$want_test" = 1 ]; then
    if [ ! -x /usr/bin/chromium ]; then
        echo "installing Debian's chromium for the browser tests" >&2
        apt_install chromium fonts-noto-cjk
    fi
    if ! .venv/bin/python - <<'PY' 2>/dev/null
import socket
socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
PY
    then
        if command -v pg_ctlcluster >/dev/null 2>&1; then
            echo "starting PostgreSQL" >&2
            as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        fi
    fi
fi
