"""HTTPS for ``pelvicore serve --https``: a small certificate authority of this computer's own, and a server
certificate it signs for this computer's names and addresses, so her phone on the same network can trust the app.

The files live in pelvicore's data folder (beside the default SQLite database): ``pelvicore-ca.key`` and
``pelvicore-ca.crt`` (she installs the latter on her phone once, docs/phone.md), ``pelvicore-server.key`` and
``pelvicore-server.crt``. Keys are readable by their owner only (mode 0600). Each start reuses them, and issues
a new server certificate when this computer's names or addresses changed or the old one ends within 30 days.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import platformdirs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pelvicore.errors import PelvicoreError

logger = logging.getLogger(__name__)

CA_CERT: Final = "pelvicore-ca.crt"
CA_KEY: Final = "pelvicore-ca.key"
SERVER_CERT: Final = "pelvicore-server.crt"
SERVER_KEY: Final = "pelvicore-server.key"

CA_LIFETIME: Final = timedelta(days=10 * 365)
#: At most 397 days: iOS and macOS refuse a server certificate valid for more than 825 days even when it comes
#: from a certificate authority she installed herself, and browsers hold publicly trusted ones to 398 days; 397
#: stays inside every such rule. It costs her nothing: a new one is issued, by the CA her phone already trusts,
#: whenever a start finds fewer than 30 days left.
SERVER_LIFETIME: Final = timedelta(days=397)
RENEW_BEFORE: Final = timedelta(days=30)
#: Certificates count from a little in the past, so a phone whose clock is a few minutes behind accepts them.
_BACKDATE: Final = timedelta(hours=1)

#: What the certificate authority may vouch for (RFC 5280 name constraints, which phones and browsers enforce):
#: names that exist only inside a home network (this computer's NAME.local among them), private addresses (so a new
#: address from her router is still covered), and this computer's own addresses when it was made.
#: Its key, were it ever stolen, could not make her phone trust a bank's or any other public site.
LOCAL_DOMAINS: Final = ("localhost", "local", "home.arpa", "lan", "internal")
PRIVATE_NETWORKS: Final = (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8",
    "::1/128", "fc00::/7", "fe80::/10",
)  # fmt: skip


class TLSError(PelvicoreError):
    """The certificate files cannot be made, read or written."""


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    """The files uvicorn serves (``certfile``, ``keyfile``), the CA certificate a phone installs, and the names
    and addresses the server certificate holds. ``issued``: whether this call made a new server certificate."""

    certfile: Path
    keyfile: Path
    ca_certfile: Path
    names: frozenset[str]
    not_after: datetime
    issued: bool
    left_out: frozenset[str] = frozenset()  # names the certificate authority may not vouch for


def data_folder() -> Path:
    """pelvicore's data folder, where the default SQLite database lives (``~/.local/share/pelvicore`` on Linux)."""
    return Path(platformdirs.user_data_dir("pelvicore"))


def ca_certificate_path(folder: Path | None = None) -> Path:
    return (folder or data_folder()) / CA_CERT


def ensure_certificate(
    names: Iterable[str], *, folder: Path | None = None, now: datetime | None = None
) -> ServerCertificate:
    """The server certificate for ``names`` (host names and IP addresses), made or reused.

    Parameters
    ----------
    names : iterable of str
        Host names and IP addresses the server is reached by; they become its subjectAltNames.
    folder : Path, optional
        Where the files live; default: pelvicore's data folder.
    now : datetime, optional
        The time to check lifetimes against (UTC); default: now.

    Raises
    ------
    TLSError
        The folder cannot be written, or a file in it is not a certificate or key pelvicore made.
    """
    folder = folder or data_folder()
    now = now or datetime.now(UTC)
    wanted = frozenset(_normalized(n) for n in names if n.strip())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ca_key, ca_cert = _certificate_authority(folder, now, wanted)
        left_out = frozenset(n for n in wanted if not may_vouch_for(ca_cert, n))
        if left_out:
            logger.warning(
                "the HTTPS certificate leaves out %s: pelvicore's certificate authority vouches only for "
                "home-network names and private addresses", ", ".join(sorted(left_out)),
            )  # fmt: skip
        wanted -= left_out
        existing = _load_server(folder)
        if existing is not None and _still_good(existing, ca_cert, wanted, now):
            return ServerCertificate(
                folder / SERVER_CERT, folder / SERVER_KEY, folder / CA_CERT, wanted, _not_after(existing), False,
                left_out,
            )  # fmt: skip
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _server_certificate(key, ca_key, ca_cert, wanted, now)
        _write(folder / SERVER_KEY, _key_bytes(key), private=True)
        _write(folder / SERVER_CERT, cert.public_bytes(serialization.Encoding.PEM), private=False)
    except OSError as exc:
        raise TLSError(f"{folder}: cannot keep the HTTPS certificate files there ({exc.strerror or exc})") from exc
    logger.info("issued a server certificate for %s, valid until %s", ", ".join(sorted(wanted)), _not_after(cert))
    return ServerCertificate(
        folder / SERVER_CERT, folder / SERVER_KEY, folder / CA_CERT, wanted, _not_after(cert), True, left_out
    )


def certificate_names(cert: x509.Certificate) -> frozenset[str]:
    """The host names and IP addresses in a certificate's subjectAltName."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return frozenset()
    dns = san.get_values_for_type(x509.DNSName)
    ips = san.get_values_for_type(x509.IPAddress)
    return frozenset([*(d.lower() for d in dns), *(str(ip) for ip in ips)])


def may_vouch_for(ca_cert: x509.Certificate, name: str) -> bool:
    """Whether the certificate authority's name constraints (RFC 5280, 4.2.1.10) let it sign for ``name``: within
    a permitted subtree of its type, if it has any of that type, and in no excluded one. One made before it had
    constraints may sign for every name."""
    try:
        constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None

    def within(subtree: x509.GeneralName) -> bool:
        if address is None and isinstance(subtree, x509.DNSName):
            domain = subtree.value.lower().lstrip(".")
            return name == domain or name.endswith("." + domain)
        if address is not None and isinstance(subtree, x509.IPAddress):
            network = subtree.value
            return isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network) and address in network
        return False

    kind = x509.IPAddress if address is not None else x509.DNSName
    permitted = [t for t in constraints.permitted_subtrees or [] if isinstance(t, kind)]
    if permitted and not any(within(t) for t in permitted):
        return False
    return not any(within(t) for t in constraints.excluded_subtrees or [])


def _name_constraints(names: frozenset[str]) -> x509.NameConstraints:
    """Home-only names, private networks, and this computer's own addresses among ``names``. No other host name:
    a bare name such as ``dev`` would permit a whole public domain, and a public name is not hers to vouch for."""
    networks = {ipaddress.ip_network(n) for n in PRIVATE_NETWORKS}
    for name in names:
        try:
            networks.add(ipaddress.ip_network(name))  # one address: a network of one
        except ValueError:
            continue
    permitted: list[x509.GeneralName] = [x509.DNSName(d) for d in LOCAL_DOMAINS]
    permitted += [x509.IPAddress(n) for n in sorted(networks, key=lambda n: (n.version, n))]
    return x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None)


# -- the certificate authority -------------------------------------------------------------------------------------
def _certificate_authority(
    folder: Path, now: datetime, names: frozenset[str]
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The certificate authority in ``folder``, or a new one that may vouch for ``names`` and local ones."""
    key_path, cert_path = folder / CA_KEY, folder / CA_CERT
    if key_path.exists() and cert_path.exists():
        key = _read_key(key_path)
        cert = _read_certificate(cert_path)
        if cert.public_key() != key.public_key():
            raise TLSError(
                f"{cert_path} does not belong to {key_path}: delete both to make a new certificate authority "
                "(then install its certificate on your phone again)"
            )
        if _not_after(cert) - RENEW_BEFORE > now:
            return key, cert
        logger.warning("the certificate authority in %s ends %s: making a new one", folder, _not_after(cert))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pelvicore"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"pelvicore on {socket.gethostname()} ({now:%Y-%m-%d})"),
        ]
    )
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(_name_constraints(names), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_bytes(key), private=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), private=False)
    logger.info("made a certificate authority in %s", folder)
    return key, cert


def _server_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    names: frozenset[str],
    now: datetime,
) -> x509.Certificate:
    alt_names: list[x509.GeneralName] = []
    for name in sorted(names):
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    ca_public = ca_cert.public_key()
    assert isinstance(ca_public, ec.EllipticCurvePublicKey)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"pelvicore on {socket.gethostname()}")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + SERVER_LIFETIME, _not_after(ca_cert)))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _still_good(cert: x509.Certificate, ca_cert: x509.Certificate, names: frozenset[str], now: datetime) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False  # signed by an earlier certificate authority
    return certificate_names(cert) == names and _not_after(cert) - RENEW_BEFORE > now


def _load_server(folder: Path) -> x509.Certificate | None:
    key_path, cert_path = folder / SERVER_KEY, folder / SERVER_CERT
    if not (key_path.exists() and cert_path.exists()):
        return None
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (ValueError, TypeError):
        return None  # the server's files are remade from the CA at no cost to her
    return cert if cert.public_key() == key.public_key() else None


# -- files -----------------------------------------------------------------------------------------------------------
def _read_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise TLSError(f"{path} is not a private key pelvicore made: move it away to make a new one") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TLSError(f"{path} holds a {type(key).__name__}, expected an elliptic-curve key: move it away")
    return key


def _read_certificate(path: Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except ValueError as exc:
        raise TLSError(f"{path} is not a certificate pelvicore made: move it away to make a new one") from exc


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Write ``data`` whole or not at all (a crash never leaves half a key); keys get mode 0600."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: mode 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        if not private:
            os.chmod(temporary, 0o644)  # a certificate is public: she may copy it to her phone
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _not_after(cert: x509.Certificate) -> datetime:
    return cert.not_valid_after_utc


def _normalized(name: str) -> str:
    name = name.strip().lower().strip("[]")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def ca_fingerprint(folder: Path | None = None) -> str | None:
    """The CA certificate's SHA-256 fingerprint as a phone shows it (``AB:CD:…``), or None when there is none."""
    path = ca_certificate_path(folder)
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def ca_certificate_der(folder: Path | None = None) -> bytes | None:
    """The CA certificate in DER, the form both Android and iOS install from a download; None when there is none."""
    try:
        cert = x509.load_pem_x509_certificate(ca_certificate_path(folder).read_bytes())
    except (OSError, ValueError):
        return None
    return cert.public_bytes(serialization.Encoding.DER)
