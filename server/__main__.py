"""``python -m server``: run the session server (uvicorn) and print where to go;
``python -m server init | accounts | key | tls …``: the deployment commands (server/cli.py).

Configured by the environment only: every variable is a field of server/config.py ``Settings``
(DATA_DIR, DATABASE_URL, HOST, PORT, DEMO, PUBLIC_URL, TLS_*, AUDIT_KEY_*, …), listed in the README.
On the loopback it is the demo (plain HTTP); bound to anything else it checks the deployment first
(server/deployment.py: no published password, no clear signing key in DATA_DIR) and speaks only
HTTPS/WSS (server/tls.py).
"""

from __future__ import annotations

import os
import sys

import segno
import uvicorn

from server import cli, deployment, network, passwords, signing_key, tls
from server.config import Settings
from server.ledger import log_origin


def _banner(settings: Settings, base: str, made: tls.Tls | None, found: deployment.DataDirectory) -> str:
    data_dir = settings.data_dir
    lines = [
        "",
        "县乡人大电子表决系统 — 服务器启动中 (server starting)",
        f"  数据目录 DATA_DIR : {data_dir}",
        f"  数据库 DATABASE_URL: {settings.database_url}",
        "",
        f"  首页 (index)              {base}/",
        f"  代表终端 (deputy tablet)  {base}/tablet",
        f"  主持人 (chair console)    {base}/chair",
        f"  大屏 (hall screen)        {base}/screen/1",
        f"  工作人员 (staff)          {base}/staff",
        f"  监票/计票 (scrutineer)    {base}/scrutineer",
        f"  审计 (auditor)            {base}/audit",
        f"  接口文档 (API docs)       {base}/docs",
        "",
    ]
    addresses = network.interface_addresses() if settings.host in network.UNSPECIFIED else []
    if len(addresses) > 1 and not settings.public_url:
        lines += [f"  本机有多个地址 {', '.join(addresses)}：终端使用的地址请用 PUBLIC_URL 指定",
                  f"  (several addresses: set PUBLIC_URL to the one tablets use; now {base})", ""]
    if made is not None:
        lines += [f"  HTTPS 证书 (certificate): {made.mode} — {', '.join(made.names)}, "
                  f"有效期至 (until) {made.not_after:%Y-%m-%d}"]
        if made.ca_file is not None:
            lines += [
                "  终端须先安装本系统的根证书 (tablets install this CA once):",
                f"    下载 (download)  {base}/ca.crt   （扫描下方二维码 / scan the QR below）",
                f"    SHA-256 指纹     {made.fingerprint}",
                "    安装时核对指纹与此一致 (check the fingerprint the tablet shows against this one)",
            ]
        else:
            lines += [f"    SHA-256 指纹     {made.fingerprint}"]
        lines.append("")
    if settings.demo and (found.fresh or (data_dir / "demo-codes.txt").exists()):
        lines += [f"  演示账号与代表签到码 (demo accounts and deputies' codes): {data_dir / 'demo-codes.txt'}"]
        accounts = passwords.DEMO_ACCOUNTS
        lines += ["  " + "   ".join(f"{name} / {password}" for name, (_d, _r, password) in accounts.items())]
        lines += ["  （仅供本机演示：这些密码已公开 — demo only, these passwords are public）", ""]
    return "\n".join(lines)


def serve() -> int:
    settings = Settings.from_env()
    os.environ["DATA_DIR"] = str(settings.data_dir)  # the app reads its settings again in the server process
    try:
        found = deployment.check_start(settings)
        made = tls.prepare(settings) if network.uses_tls(settings) else None
        signer = signing_key.load(settings, log_origin(settings.data_dir, settings.origin))
    except (deployment.UnsafeStart, tls.TlsError, signing_key.KeyAtRestError) as refusal:
        print(refusal, file=sys.stderr)
        return 2
    scheme = "https" if made is not None else "http"
    base = network.public_url(settings) or f"{scheme}://{settings.host}:{settings.port}"
    print(_banner(settings, base, made, found), flush=True)
    if made is not None and made.ca_file is not None:
        segno.make(f"{base}/ca.crt", error="m").terminal(compact=True)
    print(f"  审计签名密钥 (audit key) vkey: {signer.vkey}\n"
          f"    SHA-256 {signing_key.fingerprint(signer.verifier)}  ({signing_key.protection(settings)})", flush=True)
    witnesses = settings.witness_list
    print("  见证人 (witnesses, WITNESSES): " + (", ".join(w.url for w in witnesses) if witnesses else
          "未配置 none — docs/deployment.md「见证人 Witnesses」") + "\n", flush=True)
    uvicorn.run(
        "server.app:create_app", factory=True, host=settings.host, port=settings.port, ws="websockets-sansio",
        ws_per_message_deflate=False, ws_ping_interval=settings.ws_ping_interval_s,
        ws_ping_timeout=settings.ws_ping_timeout_s, log_level="info", ws_max_size=settings.max_frame_bytes,
        ssl_certfile=None if made is None else str(made.cert_file),
        ssl_keyfile=None if made is None else str(made.key_file),
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return cli.main(args) if args else serve()


if __name__ == "__main__":
    sys.exit(main())
