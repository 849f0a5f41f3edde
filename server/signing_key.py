"""The audit log's Ed25519 signing key at rest (docs/deployment.md "The signing key").

Two ways to keep it, chosen by the settings:

* **encrypted** (a deployment: ``AUDIT_KEY_PASSPHRASE_FILE`` set): the key is a PKCS#8 PEM
  encrypted with a passphrase (``cryptography``'s ``BestAvailableEncryption``), in
  ``DATA_DIR/audit-key.pem`` (or ``AUDIT_KEY_FILE``); the passphrase is a file *outside* DATA_DIR,
  mode 0600, made with 256 random bits on first use. A copy of the data directory — a backup, a
  disk handed over — holds the key only encrypted. The file's first line names the key
  (``key-name: renda.local``, its signed-note name), the rest is the PEM.
* **clear** (the demo, zero configuration): the C2SP signed-note ``PRIVATE+KEY+…`` form
  (audit/keys.py), mode 0600, in ``DATA_DIR/audit-key.skey`` or ``AUDIT_KEY_FILE``. A server on
  the hall network accepts this only with ``AUDIT_KEY_FILE`` outside DATA_DIR (server/deployment.py).

The key is the log's: the log's first record names its public key (``log_opened``), so a new key
means a new log (a new session's DATA_DIR). What is published is the verifier key (``vkey``) and
its fingerprint (:func:`fingerprint`, SHA-256 of the vkey line); ``python -m server key show`` prints
both, and the code sheet, the hall screen and every printed result carry the fingerprint.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

from audit import keys
from audit.errors import KeyFileError, KeyFormatError
from server.config import Settings

CLEAR_NAME = "audit-key.skey"
ENCRYPTED_NAME = "audit-key.pem"
_NAME_LINE = "key-name: "
_MIN_PASSPHRASE = 16


class KeyAtRestError(RuntimeError):
    """The signing key cannot be loaded as configured; the message says what to do (Chinese, English)."""


def _path(value: str) -> Path:
    return Path(value).expanduser().resolve()


def key_file(settings: Settings) -> Path:
    if settings.audit_key_file:
        return _path(settings.audit_key_file)
    return settings.data_dir / (ENCRYPTED_NAME if settings.audit_key_passphrase_file else CLEAR_NAME)


def passphrase_file(settings: Settings) -> Path | None:
    return _path(settings.audit_key_passphrase_file) if settings.audit_key_passphrase_file else None


def inside(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def protection(settings: Settings) -> str:
    """``encrypted``, ``outside-data-dir`` (clear, 0600, not in DATA_DIR) or ``clear``."""
    if settings.audit_key_passphrase_file:
        return "encrypted"
    return "clear" if inside(key_file(settings), settings.data_dir) else "outside-data-dir"


def fingerprint(verifier: keys.Verifier) -> str:
    """The key's fingerprint as printed and shown at the session: SHA-256 of the vkey line, in groups
    of four hex digits (audit/keys.py; docs/verifier-spec.md §3.3)."""
    return verifier.fingerprint


def _write_private(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write a secret file readable by its owner only, fsynced; never over an existing file unless
    ``replace`` (then through a temporary file and a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path.with_name(path.name + ".new") if replace else path
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(target, flags, 0o600)
    except OSError as error:
        raise KeyAtRestError(f"无法创建密钥文件 {target} (cannot create key file): {error.strerror}") from error
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyAtRestError(f"{path} 其他用户可读，请执行 chmod 600 {path} "
                             f"(readable by others, mode {mode & 0o777:o}; chmod 600 it)")


def read_passphrase(path: Path, data_dir: Path, *, create: bool) -> bytes:
    """The passphrase in ``path`` (made if ``create`` and missing); refused inside DATA_DIR."""
    if inside(path, data_dir):
        raise KeyAtRestError(
            f"口令文件 {path} 不能放在数据目录 {data_dir} 之内：数据目录的副本会连同口令一起泄露签名密钥 "
            f"(AUDIT_KEY_PASSPHRASE_FILE must be outside DATA_DIR, or a copy of the data gives the key away)")
    if not path.exists():
        if not create:
            raise KeyAtRestError(f"找不到签名密钥的口令文件 {path} (the signing key's passphrase file is missing)")
        _write_private(path, secrets.token_urlsafe(32).encode("ascii") + b"\n")
    _check_private(path)
    passphrase = path.read_bytes().strip()
    if len(passphrase) < _MIN_PASSPHRASE:
        raise KeyAtRestError(f"口令文件 {path} 中的口令太短（至少{_MIN_PASSPHRASE}个字符）"
                             f"(passphrase shorter than {_MIN_PASSPHRASE} characters)")
    return passphrase


def encrypted_pem(signer: keys.Signer, passphrase: bytes) -> bytes:
    pem = signer.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(passphrase))
    return f"{_NAME_LINE}{signer.name}\n".encode("ascii") + pem


def load_encrypted(path: Path, passphrase: bytes) -> keys.Signer:
    _check_private(path)
    text = path.read_bytes()
    first, _, pem = text.partition(b"\n")
    if not first.startswith(_NAME_LINE.encode("ascii")):
        raise KeyAtRestError(f"{path} 不是加密的签名密钥文件 (not an encrypted signing key file)")
    name = first[len(_NAME_LINE):].decode("ascii", "replace").strip()
    try:
        private = load_pem_private_key(pem, passphrase)
    except (ValueError, TypeError) as error:
        raise KeyAtRestError(f"无法解密签名密钥 {path}：口令不对或文件已损坏 "
                             f"(cannot decrypt the signing key: wrong passphrase or damaged file)") from error
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyAtRestError(f"{path} 不是 Ed25519 密钥 (not an Ed25519 key)")
    try:
        return keys.Signer(keys.check_key_name(name), private)
    except KeyFormatError as error:
        raise KeyAtRestError(f"{path}: {error}") from error


def load(settings: Settings, name: str) -> keys.Signer:
    """The signing key as the settings keep it, made on first use (``name``: its signed-note name)."""
    path = key_file(settings)
    phrase_path = passphrase_file(settings)
    try:
        if phrase_path is None:
            if path.exists():
                return keys.load(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            signer = keys.generate(name)
            keys.save(signer, path)
            return signer
        clear = settings.data_dir / CLEAR_NAME
        if not path.exists() and clear.exists():
            raise KeyAtRestError(
                f"数据目录中已有未加密的签名密钥 {clear}：请先运行 python -m server key protect 将其加密 "
                f"(a clear signing key exists: encrypt it with `python -m server key protect`)")
        passphrase = read_passphrase(phrase_path, settings.data_dir, create=not path.exists())
        if path.exists():
            return _load_finishing_a_change(path, phrase_path, passphrase)
        signer = keys.generate(name)
        _write_private(path, encrypted_pem(signer, passphrase))
        return signer
    except KeyFileError as error:
        raise KeyAtRestError(str(error)) from error


def _load_finishing_a_change(path: Path, phrase_path: Path, passphrase: bytes) -> keys.Signer:
    """Load the key; if a passphrase change stopped between its two renames (key first, then
    passphrase), the new passphrase is still beside the old one: finish the change."""
    try:
        return load_encrypted(path, passphrase)
    except KeyAtRestError:
        pending = phrase_path.with_name(phrase_path.name + ".new")
        if not pending.exists():
            raise
        signer = load_encrypted(path, pending.read_bytes().strip())
        os.replace(pending, phrase_path)
        return signer


def change_passphrase(settings: Settings) -> Path:
    """Encrypt the key under a new random passphrase; returns the passphrase file. The key file is
    replaced first, then the passphrase file (see :func:`_load_finishing_a_change`)."""
    phrase_path = passphrase_file(settings)
    if phrase_path is None:
        raise KeyAtRestError("未设置 AUDIT_KEY_PASSPHRASE_FILE，签名密钥没有口令 (the key has no passphrase)")
    path = key_file(settings)
    if not path.exists():
        raise KeyAtRestError(f"找不到签名密钥 {path} (no signing key yet)")
    signer = load(settings, "unused")
    new_passphrase = secrets.token_urlsafe(32).encode("ascii")
    _write_private(phrase_path, new_passphrase + b"\n", replace=True)
    _write_private(path, encrypted_pem(signer, new_passphrase), replace=True)
    os.replace(path.with_name(path.name + ".new"), path)
    os.replace(phrase_path.with_name(phrase_path.name + ".new"), phrase_path)
    return phrase_path


def protect(settings: Settings) -> Path:
    """Encrypt a clear key of DATA_DIR (a data directory made before AUDIT_KEY_PASSPHRASE_FILE was
    set) and remove the clear file; returns the encrypted key's file."""
    phrase_path = passphrase_file(settings)
    if phrase_path is None:
        raise KeyAtRestError("请先设置 AUDIT_KEY_PASSPHRASE_FILE (set AUDIT_KEY_PASSPHRASE_FILE first)")
    clear = settings.data_dir / CLEAR_NAME
    path = key_file(settings)
    if path.exists():
        raise KeyAtRestError(f"{path} 已存在，签名密钥已加密 (already encrypted)")
    if not clear.exists():
        raise KeyAtRestError(f"找不到未加密的签名密钥 {clear} (no clear key to encrypt)")
    try:
        signer = keys.load(clear)
    except KeyFileError as error:
        raise KeyAtRestError(str(error)) from error
    passphrase = read_passphrase(phrase_path, settings.data_dir, create=True)
    _write_private(path, encrypted_pem(signer, passphrase))
    size = clear.stat().st_size
    with clear.open("r+b") as handle:  # overwrite before unlinking (best effort: not on every disk)
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    clear.unlink()
    return path
