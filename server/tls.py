"""HTTPS/WSS on the hall network: a certificate you give, or a local CA made here.

* ``TLS_CERT_FILE`` + ``TLS_KEY_FILE``: your certificate (PEM, the chain after the leaf) and key,
  e.g. from the county's own CA. Used as they are.
* Otherwise a **local CA** in ``TLS_DIR`` (default ``DATA_DIR/tls``; a deployment keeps it outside
  the session's data so that tablets install it once): ``ca.crt`` + ``ca.key`` (ECDSA P-256,
  ten years), and ``server.crt`` (leaf + CA) + ``server.key`` (397 days) for this machine's
  addresses and names as subject alternative names. Keys are written 0600. The server certificate
  is made again, by the same CA, when the addresses change or it nears its end; tablets keep
  trusting it. Tablets install ``ca.crt`` once (``/ca.crt``, the install QR printed at start and
  on the staff page) and check its SHA-256 fingerprint against the printed one.
* The CA is **name-constrained** (RFC 5280 §4.2.1.10, critical): it can only vouch for private
  and link-local addresses, the networks of the addresses it was made for, ``localhost`` and
  local names (``.local``, ``.lan``, ``.internal``, ``.home.arpa``) and the names in ``TLS_NAMES``
  — a stolen ``ca.key`` cannot impersonate a bank to a tablet that installed it.
* The CA's key is **encrypted at rest** (PKCS#8, ``BestAvailableEncryption``) with the passphrase
  in ``TLS_CA_PASSPHRASE_FILE``, by default the audit key's ``AUDIT_KEY_PASSPHRASE_FILE`` (a file
  outside DATA_DIR, made if missing, like the signing key's: server/signing_key.py). A CA key found
  in clear is encrypted in place once a passphrase is set. Without a passphrase it stays clear
  (0600): the hall network then needs ``TLS_DIR`` outside DATA_DIR (server/deployment.py). Only
  the CA key is protected so: ``server.key`` (397 days, vouched for only by this CA) is read by
  uvicorn at every start.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server import signing_key
from server.config import Settings
from server.network import UNSPECIFIED, interface_addresses, url_host

CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY = "ca.crt", "ca.key", "server.crt", "server.key"
CA_DAYS = 3650
SERVER_DAYS = 397  # what browsers accept for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
ORGANISATION = "县乡人大电子表决系统"

#: Networks and names the local CA may always vouch for (besides those it was made for).
LOCAL_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
                  "127.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128")
LOCAL_NAMES = ("localhost", "local", "lan", "internal", "home.arpa")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TlsError(RuntimeError):
    """The certificate cannot be used or made as configured; the message says what to do."""


@dataclass(frozen=True)
class Tls:
    """What uvicorn serves with, and what the pages and the banner show."""

    mode: str  # "local-ca" | "given"
    cert_file: Path  # the chain uvicorn sends
    key_file: Path
    fingerprint: str  # SHA-256 of the CA certificate (local-ca) or of the leaf (given)
    ca_file: Path | None  # the CA tablets install (local-ca only)
    names: tuple[str, ...]
    not_after: dt.datetime


def tls_dir(settings: Settings) -> Path:
    return Path(settings.tls_dir).expanduser().resolve() if settings.tls_dir else settings.data_dir / "tls"


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, as Android and iOS show it: ``AB:CD:…``."""
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def _ip(name: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def wanted_names(settings: Settings) -> list[str]:
    """The server certificate's names: the address it listens on (every interface's for 0.0.0.0),
    the loopback, PUBLIC_URL's host and TLS_NAMES."""
    names: list[str] = []
    if settings.host in UNSPECIFIED:
        names += interface_addresses()
    else:
        names.append(settings.host.strip("[]"))
    names += ["127.0.0.1", "localhost"]
    if settings.public_url:
        names.append(url_host(settings.public_url) or "")
    names += [n.strip() for n in settings.tls_names.split(",")]
    out: list[str] = []
    for name in names:
        name = name.strip().lower()
        if name and name not in UNSPECIFIED and name not in out:
            out.append(name)
    return out


def _general_name(name: str) -> x509.GeneralName:
    ip = _ip(name)
    return x509.IPAddress(ip) if ip is not None else x509.DNSName(name)


def _own_network(ip: IPAddress) -> Network:
    return ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 64}", strict=False)


def _constraints(names: list[str]) -> x509.NameConstraints:
    networks: list[Network] = [ipaddress.ip_network(n) for n in LOCAL_NETWORKS]
    dns: list[str] = list(LOCAL_NAMES)
    for name in names:
        ip = _ip(name)
        if ip is None:
            if not _dns_covered(name, dns):
                dns.append(name)
        elif not any(ip in net for net in networks):
            networks.append(_own_network(ip))
    return x509.NameConstraints(
        permitted_subtrees=[x509.IPAddress(n) for n in networks] + [x509.DNSName(d) for d in dns],
        excluded_subtrees=None)


def _dns_covered(name: str, permitted: list[str]) -> bool:
    return any(name == base or name.endswith("." + base) for base in permitted)


def covered(ca: x509.Certificate, name: str) -> bool:
    """Whether the CA's name constraints permit ``name`` (a CA without them permits everything)."""
    try:
        constraints = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return True
    permitted = constraints.permitted_subtrees or []
    ip = _ip(name)
    if ip is not None:
        return any(isinstance(p, x509.IPAddress) and isinstance(p.value, ipaddress.IPv4Network | ipaddress.IPv6Network)
                   and ip in p.value for p in permitted)
    return _dns_covered(name, [p.value for p in permitted if isinstance(p, x509.DNSName)])


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    """Write through a temporary file and a rename; keys readable by the owner only."""
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as out:
        if secret:
            os.fchmod(out.fileno(), 0o600)
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def _key_pem(key: ec.EllipticCurvePrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.NoEncryption() if passphrase is None else serialization.BestAvailableEncryption(passphrase))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def ca_passphrase_file(settings: Settings) -> Path | None:
    """Where the CA key's passphrase is: ``TLS_CA_PASSPHRASE_FILE``, else the audit key's; None: none."""
    name = settings.tls_ca_passphrase_file or settings.audit_key_passphrase_file
    return Path(name).expanduser().resolve() if name else None


def ca_passphrase(settings: Settings) -> bytes | None:
    """The passphrase encrypting the CA key (made if its file is missing), or None: kept clear."""
    path = ca_passphrase_file(settings)
    if path is None:
        return None
    try:
        return signing_key.read_passphrase(path, settings.data_dir, create=True)
    except signing_key.KeyAtRestError as error:
        raise TlsError(f"本地证书颁发机构的私钥口令 (the local CA key's passphrase): {error}") from error


def ca_key_encrypted(directory: Path) -> bool:
    """Whether ``ca.key`` is encrypted (PKCS#8 ``ENCRYPTED PRIVATE KEY``)."""
    return (directory / CA_KEY).read_bytes().lstrip().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def load_ca_key(directory: Path, passphrase: bytes | None) -> ec.EllipticCurvePrivateKey:
    """The CA key, decrypted with ``passphrase`` if it is encrypted."""
    path = directory / CA_KEY
    encrypted = ca_key_encrypted(directory)
    if encrypted and passphrase is None:
        raise TlsError(f"{path} 已加密，请设置 TLS_CA_PASSPHRASE_FILE 或 AUDIT_KEY_PASSPHRASE_FILE 指向其口令文件 "
                       "(the CA key is encrypted: set TLS_CA_PASSPHRASE_FILE or AUDIT_KEY_PASSPHRASE_FILE to its "
                       "passphrase file)")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), passphrase if encrypted else None)
    except ValueError as error:
        raise TlsError(f"无法解密 {path}：口令错误或文件损坏 (cannot decrypt the CA key: wrong passphrase or "
                       "damaged file)") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TlsError(f"{path} 不是 ECDSA 密钥 (not an ECDSA key)")
    return key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_ca(directory: Path, names: list[str], now: dt.datetime | None = None,
            passphrase: bytes | None = None) -> x509.Certificate:
    """A new local CA in ``directory`` (``ca.crt``, ``ca.key`` 0600, encrypted with ``passphrase``
    if given), constrained to ``names``' networks."""
    now = now or _now()
    key = ec.generate_private_key(ec.SECP256R1())
    label = f"本地CA {socket.gethostname()[:24]} {now:%Y-%m-%d}"
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                         x509.NameAttribute(NameOID.COMMON_NAME, label)])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(_constraints(names), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write(directory / CA_KEY, _key_pem(key, passphrase), secret=True)
    _write(directory / CA_CERT, cert.public_bytes(serialization.Encoding.PEM), secret=False)
    return cert


def make_server_cert(directory: Path, names: list[str], now: dt.datetime | None = None,
                     passphrase: bytes | None = None) -> x509.Certificate:
    """A server certificate for ``names`` signed by the CA in ``directory`` (``server.crt`` holds the
    leaf then the CA; ``server.key`` 0600); ``passphrase`` decrypts an encrypted ``ca.key``."""
    now = now or _now()
    ca_cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    ca_key = load_ca_key(directory, passphrase)
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                                 x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])]))
        .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(directory / SERVER_KEY, _key_pem(key), secret=True)
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
    _write(directory / SERVER_CERT, chain, secret=False)
    return cert


def _san_names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(v).lower() for v in san.get_values_for_type(x509.IPAddress)} | {
        v.lower() for v in san.get_values_for_type(x509.DNSName)}


def _server_cert_current(directory: Path, ca: x509.Certificate, names: list[str], now: dt.datetime) -> bool:
    if not (directory / SERVER_CERT).exists() or not (directory / SERVER_KEY).exists():
        return False
    cert = x509.load_pem_x509_certificate((directory / SERVER_CERT).read_bytes())
    return (cert.issuer == ca.subject and cert.not_valid_after_utc - RENEW_BEFORE > now
            and set(names) <= _san_names(cert))


def _local_ca(settings: Settings, now: dt.datetime) -> Tls:
    directory = tls_dir(settings)
    names = wanted_names(settings)
    passphrase = ca_passphrase(settings)
    if (directory / CA_CERT).exists() and (directory / CA_KEY).exists():
        for path in (directory / CA_KEY, directory / SERVER_KEY):
            if path.exists() and path.stat().st_mode & 0o077:
                raise TlsError(f"{path} 其他用户可读，请执行 chmod 600 {path} (readable by others; chmod 600 it)")
        ca = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
        outside = [n for n in names if not covered(ca, n)]
        if outside:
            raise TlsError(
                f"本地证书颁发机构 {directory / CA_CERT} 不能为 {', '.join(outside)} 签发证书"
                "（它只为创建时的地址签发）。"
                f"请把 {directory} 移走后重新启动以创建新的证书颁发机构，并在每台终端上重新安装。\n"
                f"The local CA cannot vouch for {', '.join(outside)} (it is constrained to the addresses it was "
                f"made for): move {directory} aside and start again to make a new CA, then install it on every "
                "tablet again.")
        if passphrase is not None and not ca_key_encrypted(directory):  # made before a passphrase was set
            _write(directory / CA_KEY, _key_pem(load_ca_key(directory, None), passphrase), secret=True)
    else:
        ca = make_ca(directory, names, now, passphrase)
    if not _server_cert_current(directory, ca, names, now):
        make_server_cert(directory, names, now, passphrase)
    leaf = x509.load_pem_x509_certificate((directory / SERVER_CERT).read_bytes())
    return Tls("local-ca", directory / SERVER_CERT, directory / SERVER_KEY, fingerprint(ca), directory / CA_CERT,
               tuple(sorted(_san_names(leaf))), leaf.not_valid_after_utc)


def _given(settings: Settings) -> Tls:
    if not (settings.tls_cert_file and settings.tls_key_file):
        raise TlsError("TLS_CERT_FILE 和 TLS_KEY_FILE 须同时设置 (set both TLS_CERT_FILE and TLS_KEY_FILE)")
    cert_file = Path(settings.tls_cert_file).expanduser().resolve()
    key_file = Path(settings.tls_key_file).expanduser().resolve()
    try:
        leaf = x509.load_pem_x509_certificates(cert_file.read_bytes())[0]
        key_mode = key_file.stat().st_mode
    except (OSError, ValueError) as error:
        raise TlsError(f"无法读取证书 {cert_file} 或密钥 {key_file} (cannot read the certificate or key): {error}") \
            from error
    if key_mode & 0o077:
        raise TlsError(f"{key_file} 其他用户可读，请执行 chmod 600 {key_file} (readable by others; chmod 600 it)")
    return Tls("given", cert_file, key_file, fingerprint(leaf), None, tuple(sorted(_san_names(leaf))),
               leaf.not_valid_after_utc)


def prepare(settings: Settings, now: dt.datetime | None = None) -> Tls:
    """The certificate to serve with, made or renewed if needed."""
    if settings.tls_cert_file or settings.tls_key_file:
        return _given(settings)
    return _local_ca(settings, now or _now())


def current(settings: Settings) -> Tls | None:
    """What :func:`prepare` made, read without changing anything (None when nothing was made)."""
    if settings.tls_cert_file and settings.tls_key_file:
        try:
            return _given(settings)
        except TlsError:
            return None
    directory = tls_dir(settings)
    if not (directory / CA_CERT).exists() or not (directory / SERVER_CERT).exists():
        return None
    ca = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
    leaf = x509.load_pem_x509_certificate((directory / SERVER_CERT).read_bytes())
    return Tls("local-ca", directory / SERVER_CERT, directory / SERVER_KEY, fingerprint(ca), directory / CA_CERT,
               tuple(sorted(_san_names(leaf))), leaf.not_valid_after_utc)


def ca_der(tls: Tls) -> bytes:
    """The local CA certificate in DER, as tablets install it from ``/ca.crt``."""
    assert tls.ca_file is not None
    return x509.load_pem_x509_certificate(tls.ca_file.read_bytes()).public_bytes(serialization.Encoding.DER)
