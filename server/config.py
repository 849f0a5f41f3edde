"""Every tunable of the server, read only from the environment.

Each field names its environment variable; the README's "Configuration" table lists them all.
Nothing else in server/ reads the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from audit.cosignature import Cosigner
from audit.keys import check_key_name
from server.protocol import MAX_FRAME_BYTES

_FALSE = ("0", "false", "no", "off")
DEFAULT_DATA_DIR = Path("./data")


def _env(name: str, default: Any, *, doc: str) -> Any:
    """A settings field read from the environment variable ``name``."""
    return field(default=default, metadata={"env": name, "doc": doc})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _env("DATA_DIR", DEFAULT_DATA_DIR, doc="database (SQLite), audit log, signing key, demo codes")
    database_url: str = _env("DATABASE_URL", "", doc="empty: SQLite file in DATA_DIR; or postgresql://…")
    origin: str = _env("AUDIT_ORIGIN", "", doc="origin of the audit log's checkpoints, and its key's name; empty: "
                       "the log's own, or a new `renda.local/<random id>` kept in DATA_DIR/audit-origin")
    demo: bool = _env("DEMO", True, doc="load the demo congress into a fresh DATA_DIR")
    host: str = _env("HOST", "127.0.0.1", doc="address `python -m server` listens on")
    port: int = _env("PORT", 8000, doc="port `python -m server` listens on")
    public_url: str = _env("PUBLIC_URL", "", doc="address tablets use (QR sheet, banner); empty: from HOST and PORT")
    tls_cert_file: str = _env("TLS_CERT_FILE", "", doc="your certificate (PEM, with its chain); empty: the local CA's")
    tls_key_file: str = _env("TLS_KEY_FILE", "", doc="the key of TLS_CERT_FILE (PEM)")
    tls_dir: str = _env("TLS_DIR", "", doc="local CA and server certificate; empty: DATA_DIR/tls")
    tls_names: str = _env("TLS_NAMES", "", doc="more names or addresses for the server certificate, comma-separated")
    tls_ca_passphrase_file: str = _env(
        "TLS_CA_PASSPHRASE_FILE", "",
        doc="passphrase encrypting the local CA's key (outside DATA_DIR); empty: AUDIT_KEY_PASSPHRASE_FILE's")
    audit_key_file: str = _env("AUDIT_KEY_FILE", "", doc="audit signing key; empty: in DATA_DIR")
    audit_key_passphrase_file: str = _env(
        "AUDIT_KEY_PASSPHRASE_FILE", "", doc="passphrase encrypting the signing key (outside DATA_DIR); empty: clear")
    max_frame_bytes: int = _env("MAX_FRAME_BYTES", MAX_FRAME_BYTES, doc="largest WebSocket frame accepted")
    max_messages_per_second: int = _env("MAX_MESSAGES_PER_SECOND", 50, doc="frames per second per socket")
    max_connections_per_credential: int = _env("MAX_CONNECTIONS_PER_SIGN_IN", 4, doc="sockets per sign-in")
    group_commit_ms: float = _env("GROUP_COMMIT_MS", 4.0, doc="how long the writer gathers a batch")
    group_commit_max: int = _env("GROUP_COMMIT_MAX", 2000, doc="most jobs in one batch")
    writer_process: bool = _env("WRITER_PROCESS", False,
                                doc="the writer in a process of its own (server/writer_process.py): its work "
                                    "on another core, off the event loop's GIL")
    writer_picture_copy: bool = _env("WRITER_PICTURE_COPY", False,
                                     doc="a check: the writer works as it would in a process of its own -- a copy "
                                         "of the in-memory picture, changed only by each batch's effects, for the "
                                         "tests to compare with the event loop's, and every job, answer, event and "
                                         "effect pickled across -- (≈ 20 % more CPU a ballot under a burst, more "
                                         "with the pickling)")
    send_queue_size: int = _env("SEND_QUEUE_SIZE", 256, doc="frames queued per slow terminal")
    count_interval_s: float = _env("COUNT_INTERVAL_S", 0.25, doc="least time between two ticks")
    attendance_interval_s: float = _env("ATTENDANCE_INTERVAL_S", 1.0,
                                        doc="least time between two attendance frames to the tablets")
    attendance_frames_per_s: float = _env("ATTENDANCE_FRAMES_PER_S", 1000.0,
                                          doc="most attendance frames a second to all tablets of a meeting")
    proof_workers: int = _env("PROOF_WORKERS", 0, doc="processes checking encrypted ballots' proofs; 0: one per core")
    code_key_file: str = _env("CODE_KEY_FILE", "", doc="key of the sign-in codes' hashes; empty: DATA_DIR/code.key")
    allowed_origins: str = _env("ALLOWED_ORIGINS", "", doc="other origins allowed to call the API, comma-separated")
    token_hours: int = _env("TOKEN_HOURS", 16, doc="lifetime of a sign-in token")
    token_cache_s: float = _env("TOKEN_CACHE_S", 5.0, doc="how long a resolved token is trusted unchecked")
    sign_in_failures: int = _env("SIGN_IN_FAILURES", 10, doc="failures from one address that never signed in")
    sign_in_failures_per_account: int = _env("SIGN_IN_FAILURES_PER_ACCOUNT", 10, doc="failures for one username")
    sign_in_failures_total: int = _env("SIGN_IN_FAILURES_TOTAL", 120, doc="failures from everyone")
    sign_in_window_s: float = _env("SIGN_IN_WINDOW_S", 60.0, doc="window of the three SIGN_IN_FAILURES limits")
    roll_file_max_bytes: int = _env("ROLL_FILE_MAX_BYTES", 20 * 1024 * 1024, doc="largest roll file accepted")
    ws_ping_interval_s: float = _env("WS_PING_INTERVAL_S", 15.0, doc="WebSocket ping interval")
    ws_ping_timeout_s: float = _env("WS_PING_TIMEOUT_S", 20.0, doc="WebSocket ping timeout")
    witnesses: str = _env("WITNESSES", "", doc="witnesses asked to cosign each checkpoint: `URL VKEY` pairs, "
                          "comma-separated (docs/deployment.md)")
    witness_timeout_s: float = _env("WITNESS_TIMEOUT_S", 5.0, doc="how long to wait for a witness's answer")
    witness_interval_s: float = _env("WITNESS_INTERVAL_S", 1.0, doc="least time between two requests to one witness")

    @property
    def extra_origins(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.allowed_origins.split(",") if o.strip())

    @property
    def witness_list(self) -> tuple[Witness, ...]:
        return parse_witnesses(self.witnesses)

    def __post_init__(self) -> None:
        if not self.database_url:  # the embedded default: a SQLite file in DATA_DIR
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'renda.sqlite3'}")

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}  # keyword arguments of Settings, each of its field's type
        for f in fields(Settings):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = _PARSERS[str(f.type)](raw)
                if f.name in _CHECKS:
                    _CHECKS[f.name](values[f.name])
            except ValueError as error:
                why = f"（{error}）" if f.name in _CHECKS else ""
                raise ValueError(f"环境变量 {f.metadata['env']} 的值无效：{raw!r}{why}") from None
        values["data_dir"] = Path(values.get("data_dir", DEFAULT_DATA_DIR)).resolve()
        return Settings(**values)

    @staticmethod
    def documented() -> list[tuple[str, str, str]]:
        """(environment variable, default, what it sets) for every field, for the README."""
        return [(f.metadata["env"], str(f.default), f.metadata["doc"]) for f in fields(Settings)]


@dataclass(frozen=True)
class Witness:
    """A witness the server asks to cosign its checkpoints (C2SP tlog-witness): the URL its
    ``add-checkpoint`` is under, and its cosignature key (C2SP vkey of type 0x04)."""

    url: str
    key: Cosigner


def parse_witnesses(text: str) -> tuple[Witness, ...]:
    """``URL VKEY`` pairs separated by commas or new lines (empty: none); raises ValueError saying
    which entry is wrong."""
    found: list[Witness] = []
    for entry in filter(None, (part.strip() for part in re.split(r"[,\n]", text))):
        parts = entry.split()
        if len(parts) != 2:
            raise ValueError(f"每项为「地址 公钥」(each entry is `URL VKEY`): {entry!r}")
        url, vkey = parts
        address = urlsplit(url)
        if address.scheme not in ("http", "https") or not address.hostname or address.query or address.fragment:
            raise ValueError(f"见证人地址应为 http(s)://主机[:端口][/路径] (a witness URL): {url!r}")
        found.append(Witness(url.rstrip("/"), Cosigner.from_vkey(vkey)))
    if len({w.key for w in found}) != len(found):
        raise ValueError("同一见证人公钥出现两次 (a witness key appears twice)")
    return tuple(found)


#: Checks of a field's value beyond its type (ValueError saying why).
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "origin": check_key_name,
    "witnesses": parse_witnesses,
}

#: How a variable's text becomes a field's value, by the field's annotation.
_PARSERS: dict[str, Callable[[str], Any]] = {
    "Path": Path,
    "str": str,
    "bool": lambda raw: raw.strip().lower() not in _FALSE,
    "int": int,
    "float": float,
}
