"""A trustee's key file: the secret a 监票人's device keeps, sealed under their passphrase (§7).

The same file as the scrutineer page's ``sealTrustee``/``openTrustee`` (ballot_crypto.js), so a
backup made in the browser opens in the CLI (``python -m terminals.trustee``) and back:

    {"format": "renda-trustee-key", "version": 1, "about": {kind, cid, trustee, box | share_key, …},
     "kdf": {"alg": "argon2id13", "opslimit": o, "memlimit": m, "salt": b64(16 bytes)},
     "cipher": "xsalsa20poly1305", "nonce": b64(24 bytes), "ciphertext": b64(secretbox(plain))}

    key   = crypto_pwhash(32, NFC(passphrase) as UTF-8, salt, o, m, Argon2id13)
    plain = kind byte (1 round1, 2 share) || SHA-256(JCS(about)) || 32-byte parts
            round1: the X25519 transport secret key, a_{i,0} … a_{i,k−1};  share: x_j

A share file with trustee 2 holds 1 + 32 + 32 = 65 bytes of plaintext; a round-1 file of a
k = 3 ceremony 1 + 32 + 4·32 = 161.  Opening checks, in order: the members and the public parts
(`read_trustee_file`), the secretbox (``wrong-passphrase``), then the kind byte, the length, the
hash of ``about`` and the secret against ``about`` (``tampered``).
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ballotcrypto import sodium, wire
from ballotcrypto.ceremony import TrusteeSecret
from ballotcrypto.errors import KeyFileRefused, MalformedValue
from ballotcrypto.group import L, Point, Scalar, base_mul
from ballotcrypto.hashing import jcs

__all__ = [
    "KDF_DEFAULT",
    "KEY_FILE",
    "PassphraseKey",
    "TrusteeShare",
    "open_trustee",
    "passphrase_key",
    "read_trustee_file",
    "seal_trustee",
]

KEY_FILE = "renda-trustee-key"
CIPHER = "xsalsa20poly1305"
KDF_ALG = "argon2id13"
#: what a device writes: libsodium's INTERACTIVE limits for Argon2id (as the scrutineer page)
OPSLIMIT, MEMLIMIT = 2, 67108864
KDF_DEFAULT = {"alg": KDF_ALG, "opslimit": OPSLIMIT, "memlimit": MEMLIMIT}
#: what a reader accepts
KDF_LIMITS = {"opslimit": (1, 10), "memlimit": (8192, 268435456)}
_KINDS = {"round1": 1, "share": 2}
_MEMBERS = ("format", "version", "about", "kdf", "cipher", "nonce", "ciphertext")


@dataclass(frozen=True, slots=True)
class PassphraseKey:
    """The key a passphrase gives under `kdf` (the file's ``kdf`` member, salt included)."""

    kdf: dict[str, object]
    key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class TrusteeShare:
    """What a trustee keeps after round 3: x_j and X_j = x_j·G."""

    trustee: int
    secret: Scalar = field(repr=False)
    share_key: Point


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _from_b64(value: object, field: str, length: int | None = None) -> bytes:
    text = wire.text(value, field)
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error
        data = None
    if data is None or _b64(data) != text:
        raise MalformedValue("malformed", field, "应为标准 base64（RFC 4648 §4，含填充）")
    if length is not None and len(data) != length:
        raise MalformedValue("malformed", field, f"应为 {length} 字节")
    return data


def _read_kdf(value: object) -> tuple[int, int, bytes]:
    obj = wire.members(value, ("alg", "opslimit", "memlimit", "salt"), "kdf")
    if obj["alg"] != KDF_ALG:
        raise KeyFileRefused("unsupported-kdf", f"密钥文件的口令算法应为 {KDF_ALG}")
    limits = []
    for name, (lo, hi) in KDF_LIMITS.items():
        number = obj[name]
        if type(number) is not int or not lo <= number <= hi:
            raise KeyFileRefused("unsupported-kdf", f"kdf.{name} 应在 {lo} 到 {hi} 之间")
        limits.append(number)
    return limits[0], limits[1], _from_b64(obj["salt"], "kdf.salt", sodium.KDF_SALT_BYTES)


def passphrase_key(passphrase: str, kdf: object = None) -> PassphraseKey:
    """The key of a passphrase (its Unicode NFC form, UTF-8) under a file's `kdf`, or with a fresh
    random salt and `KDF_DEFAULT` when `kdf` is None. Slow on purpose (Argon2id)."""
    if type(passphrase) is not str or not passphrase:
        raise KeyFileRefused("bad-passphrase", "请输入口令")
    if kdf is None:
        opslimit, memlimit = OPSLIMIT, MEMLIMIT
        salt = sodium.randombytes(sodium.KDF_SALT_BYTES)
    else:
        opslimit, memlimit, salt = _read_kdf(kdf)
    key = sodium.pwhash(32, unicodedata.normalize("NFC", passphrase).encode("utf-8"), salt, opslimit, memlimit)
    return PassphraseKey({"alg": KDF_ALG, "opslimit": opslimit, "memlimit": memlimit, "salt": _b64(salt)}, key)


def _read_about(value: object) -> int:
    """The kind byte of a well-formed ``about``."""
    if type(value) is not dict:
        raise MalformedValue("malformed", "about", "应为 JSON 对象")
    try:
        jcs(value)
    except ValueError as error:
        raise MalformedValue("malformed", "about", "没有 RFC 8785 规范形式") from error
    name = value.get("kind")
    kind = _KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise MalformedValue("malformed", "about.kind", "应为 round1 或 share")
    wire.hex_id(value.get("cid"), "about.cid", 64)
    trustee = value.get("trustee")
    if type(trustee) is not int or not 1 <= trustee <= 2**53 - 1:
        raise MalformedValue("malformed", "about.trustee", "监票人序号应从1起")
    if kind == _KINDS["round1"]:
        wire.hex_id(value.get("box"), "about.box", 64)
    else:
        wire.point(value.get("share_key"), "about.share_key")
    return kind


def seal_trustee(key: PassphraseKey, secret: TrusteeSecret | TrusteeShare, about: Mapping[str, Any]) -> dict[str, Any]:
    """The key file of a round-1 secret or a share under a passphrase key. `about` is the public
    description (kind, cid, trustee, box or share_key, and anything else to show), kept in clear and
    bound to the ciphertext by its hash."""
    described = dict(about)
    kind = _read_about(described)
    if isinstance(secret, TrusteeSecret):
        if kind != _KINDS["round1"] or described["trustee"] != secret.trustee or \
                described["box"] != secret.box_public.hex():
            raise MalformedValue("malformed", "about", "与第一轮的秘密不符（kind、trustee、box）")
        parts = [secret.box_secret, *(a.to_bytes() for a in secret.coefficients)]
    else:
        if kind != _KINDS["share"] or described["trustee"] != secret.trustee or \
                described["share_key"] != secret.share_key.hex():
            raise MalformedValue("malformed", "about", "与密钥份额不符（kind、trustee、share_key）")
        parts = [secret.secret.to_bytes()]
    plain = bytes([kind]) + hashlib.sha256(jcs(described)).digest() + b"".join(parts)
    nonce = sodium.randombytes(sodium.SECRETBOX_NONCE_BYTES)
    return {"format": KEY_FILE, "version": 1, "about": described, "kdf": dict(key.kdf), "cipher": CIPHER,
            "nonce": _b64(nonce), "ciphertext": _b64(sodium.secretbox(plain, nonce, key.key))}


def read_trustee_file(file: object) -> tuple[dict[str, Any], dict[str, object]]:
    """A key file's public parts, checked before the passphrase is asked: (about, kdf)."""
    obj = wire.members(file, _MEMBERS, "file")
    if obj["format"] != KEY_FILE:
        raise KeyFileRefused("not-a-key-file", "这不是监票人密钥文件")
    if type(obj["version"]) is not int or obj["version"] != 1:
        raise KeyFileRefused("unsupported-version", f"不支持第{obj['version']}版的密钥文件")
    if obj["cipher"] != CIPHER:
        raise KeyFileRefused("unsupported-cipher", f"密钥文件的加密算法应为 {CIPHER}")
    _read_about(obj["about"])
    _read_kdf(obj["kdf"])
    _from_b64(obj["nonce"], "nonce", sodium.SECRETBOX_NONCE_BYTES)
    _from_b64(obj["ciphertext"], "ciphertext")
    about = obj["about"]
    kdf = obj["kdf"]
    assert type(about) is dict and type(kdf) is dict
    return about, kdf


def _nonzero_scalar(part: bytes) -> Scalar | None:
    value = int.from_bytes(part, "little")
    return Scalar(value) if 0 < value < L else None


def open_trustee(file: object, key: PassphraseKey) -> tuple[dict[str, Any], TrusteeSecret | TrusteeShare]:
    """Open a key file with the key of its passphrase (``passphrase_key(p, file["kdf"])``):
    (about, the round-1 secret or the share). A wrong passphrase or any change is refused."""
    about, kdf = read_trustee_file(file)
    assert type(file) is dict
    kind = _KINDS[about["kind"]]
    if jcs(key.kdf) != jcs(kdf):
        raise KeyFileRefused("wrong-passphrase", "口令密钥不是按本文件的参数生成的")
    plain = sodium.secretbox_open(_from_b64(file["ciphertext"], "ciphertext"), _from_b64(file["nonce"], "nonce"),
                                  key.key)
    if plain is None:
        raise KeyFileRefused("wrong-passphrase", "口令不正确（或密钥文件已损坏）")
    count, rest = divmod(len(plain) - 33, 32)
    if plain[0] != kind or rest or count < 1 or (kind == _KINDS["share"] and count != 1):
        raise KeyFileRefused("tampered", "密钥文件的内容与说明不符")
    if plain[1:33] != hashlib.sha256(jcs(about)).digest():
        raise KeyFileRefused("tampered", "密钥文件的说明部分被改动过")
    parts = [plain[33 + 32 * i: 65 + 32 * i] for i in range(count)]
    trustee = int(about["trustee"])
    if kind == _KINDS["share"]:
        x = _nonzero_scalar(parts[0])
        if x is None or base_mul(x.value).hex() != about["share_key"]:
            raise KeyFileRefused("tampered", "密钥文件中的份额与份额公钥不符")
        return about, TrusteeShare(trustee, x, Point.trusted(bytes.fromhex(about["share_key"])))
    coefficients = [_nonzero_scalar(part) for part in parts[1:]]
    box_public = bytes.fromhex(about["box"])
    if not coefficients or None in coefficients or sodium.box_public_of(parts[0]) != box_public:
        raise KeyFileRefused("tampered", "密钥文件中第一轮的秘密与公开的传输公钥不符")
    return about, TrusteeSecret(trustee, box_public, parts[0], tuple(a for a in coefficients if a is not None))
