#!/usr/bin/env bash
# A real session on the hall network (README "Deployment", docs/deployment.md): no demo data, no
# known password, HTTPS only. The first run creates the congress's accounts and prints their
# passwords once; every run then starts the server on all interfaces, port 8443.
#   bash scripts/deploy.sh              (settings of your own: deploy.env beside this README)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f deploy.env ]; then set -a; . ./deploy.env; set +a; fi
bash scripts/setup.sh
umask 077  # the database, the log and the keys: readable by this account only
export PATH="$PWD/.venv/bin:$PATH"
export DEMO=0
export HOST="${HOST:-0.0.0.0}" PORT="${PORT:-8443}"
export DATA_DIR="${DATA_DIR:-$PWD/deploy/data}"                     # this session's data
export TLS_DIR="${TLS_DIR:-$PWD/deploy/tls}"                         # the local CA: kept across sessions
export AUDIT_KEY_PASSPHRASE_FILE="${AUDIT_KEY_PASSPHRASE_FILE:-$PWD/deploy/secrets/audit-key.pass}"  # also the CA key's
export CODE_KEY_FILE="${CODE_KEY_FILE:-$PWD/deploy/secrets/code.key}"  # sign-in codes' key: not beside the database
if ! python -m server accounts list --json | grep -q '"username"'; then
    echo "首次部署：创建账号 (first run: creating the accounts)" >&2
    python -m server init
    echo "请记下以上密码后按回车启动服务器 (write the passwords down, then press Enter to start)" >&2
    read -r _ || true
fi
exec python -m server
