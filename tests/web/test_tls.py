"""pelvicore's own certificate authority and the server certificate it signs (``serve --https``)."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import ssl
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from pelvicore.web.settings import LOOPBACK_HOSTS, https_names, this_computer_names
from pelvicore.web.tls import (
    CA_CERT,
    CA_KEY,
    SERVER_KEY,
    SERVER_LIFETIME,
    TLSError,
    ca_certificate_der,
    ca_fingerprint,
    certificate_names,
    ensure_certificate,
    may_vouch_for,
)

BARE = socket.gethostname().lower()
#: What ``serve --https`` asks a certificate for: this computer's names (not its bare host name) and loopback.
NAMES = https_names(this_computer_names()) | set(LOOPBACK_HOSTS)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_server_certificate_names_this_computer_and_is_signed_by_the_ca(tmp_path: Path) -> None:
    cert = ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    assert cert.issued and cert.names == frozenset(NAMES)
    server, ca = load(cert.certfile), load(cert.ca_certfile)
    assert certificate_names(server) == {"localhost", "127.0.0.1", "::1", *this_computer_names()} - {BARE}
    server.verify_directly_issued_by(ca)
    assert server.not_valid_after_utc - NOW <= SERVER_LIFETIME
    assert ca.not_valid_after_utc - NOW > timedelta(days=5 * 365)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    # Python's own TLS stack loads the pair and trusts the server certificate through the CA.
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert.certfile, cert.keyfile)
    ssl.create_default_context(cafile=cert.ca_certfile)


def test_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    for name in (CA_KEY, SERVER_KEY):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((tmp_path / CA_CERT).stat().st_mode) == 0o644  # a certificate is public


def test_a_second_start_reuses_the_files(tmp_path: Path) -> None:
    first = ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = ensure_certificate(sorted(NAMES, reverse=True), folder=tmp_path, now=NOW + timedelta(days=100))
    assert not second.issued and second.not_after == first.not_after
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files


def test_new_names_or_an_ending_certificate_get_a_new_one_from_the_same_ca(tmp_path: Path) -> None:
    first = ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    ca = (tmp_path / CA_CERT).read_bytes()
    fingerprint = ca_fingerprint(tmp_path)
    moved = ensure_certificate({*NAMES, "192.168.1.77"}, folder=tmp_path, now=NOW)
    assert moved.issued and "192.168.1.77" in certificate_names(load(moved.certfile))
    renewed = ensure_certificate({*NAMES, "192.168.1.77"}, folder=tmp_path, now=first.not_after - timedelta(days=29))
    assert renewed.issued and renewed.not_after > first.not_after
    assert (tmp_path / CA_CERT).read_bytes() == ca and ca_fingerprint(
        tmp_path
    ) == fingerprint  # her phone keeps trusting
    load(renewed.certfile).verify_directly_issued_by(load(tmp_path / CA_CERT))


def test_the_ca_certificate_is_offered_in_der(tmp_path: Path) -> None:
    assert ca_certificate_der(tmp_path) is None and ca_fingerprint(tmp_path) is None
    ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    der = ca_certificate_der(tmp_path)
    assert der is not None and x509.load_der_x509_certificate(der) == load(tmp_path / CA_CERT)
    assert ca_fingerprint(tmp_path) == hashlib.sha256(der).digest().hex(":").upper()  # as a phone shows it


def test_an_unwritable_folder_or_a_foreign_key_is_one_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(TLSError, match="cannot keep the HTTPS certificate files"):
        ensure_certificate(NAMES, folder=blocked / "pelvicore", now=NOW)
    ensure_certificate(NAMES, folder=tmp_path / "data", now=NOW)
    (tmp_path / "data" / CA_KEY).write_text("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n")
    with pytest.raises(TLSError, match="is not a private key pelvicore made"):
        ensure_certificate(NAMES, folder=tmp_path / "data", now=NOW)


def _verify(ca: x509.Certificate, leaf: x509.Certificate, name: str) -> None:
    """Verify ``leaf`` for ``name`` as a browser does, name constraints included."""
    try:
        subject: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    verifier = PolicyBuilder().store(Store([ca])).time(NOW + timedelta(days=1)).build_server_verifier(subject)
    verifier.verify(leaf, [])


def test_the_ca_may_vouch_only_for_this_computer_and_local_names(tmp_path: Path) -> None:
    cert = ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    ca, server = load(cert.ca_certfile), load(cert.certfile)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    for name in NAMES:  # every name it was made for, the LAN address included whatever its range
        _verify(ca, server, name)

    # A certificate its key signs for a public site is refused by the verifier: a stolen key cannot fake a bank.
    key = serialization.load_pem_private_key((tmp_path / CA_KEY).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    for name, alt, allowed in (
        ("printer.lan", x509.DNSName("printer.lan"), True),  # the same forgery for a home name passes: control
        ("bank.example", x509.DNSName("bank.example"), False),
        ("8.8.8.8", x509.IPAddress(ipaddress.ip_address("8.8.8.8")), False),
    ):
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        forged = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca.subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW)
            .not_valid_after(NOW + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        if allowed:
            _verify(ca, forged, name)
        else:
            with pytest.raises(VerificationError, match="name constraint"):
                _verify(ca, forged, name)


def test_names_the_ca_may_not_vouch_for_are_left_out_and_said(tmp_path: Path) -> None:
    ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    extra = {"pelvicore.example.org", "8.8.8.8", "dev", "10.20.30.40", "laptop.local", "fd12::7", "box.home.arpa"}
    cert = ensure_certificate(NAMES | extra, folder=tmp_path, now=NOW)
    assert cert.left_out == {"pelvicore.example.org", "8.8.8.8", "dev"}  # a bare name: a whole public domain
    held = certificate_names(load(cert.certfile))
    assert {"10.20.30.40", "laptop.local", "fd12::7"} <= held and not held & cert.left_out
    for name in ("10.20.30.40", "laptop.local", "fd12::7"):  # a new address from her router is still covered
        _verify(load(cert.ca_certfile), load(cert.certfile), name)


def test_a_ca_made_before_name_constraints_keeps_vouching_for_every_name(tmp_path: Path) -> None:
    ensure_certificate(NAMES, folder=tmp_path, now=NOW)
    ca = load(tmp_path / CA_CERT)
    unconstrained = x509.load_der_x509_certificate(_without_constraints(ca, tmp_path))
    assert may_vouch_for(unconstrained, "pelvicore.example.org") and may_vouch_for(unconstrained, "8.8.8.8")
    assert not may_vouch_for(ca, "pelvicore.example.org") and may_vouch_for(ca, "192.168.4.2")


def _without_constraints(ca: x509.Certificate, folder: Path) -> bytes:
    """The same CA as one made before it had name constraints (same key and name)."""
    key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    builder = (
        x509.CertificateBuilder()
        .subject_name(ca.subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(ca.not_valid_before_utc)
        .not_valid_after(ca.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_public_names_given_when_the_ca_is_made_are_not_built_into_it(tmp_path: Path) -> None:
    cert = ensure_certificate(NAMES | {"dev", "pelvicore.example.org"}, folder=tmp_path, now=NOW)
    ca = load(cert.ca_certfile)
    assert cert.left_out == {"dev", "pelvicore.example.org"}
    for public in ("mybank.dev", "dev", "pelvicore.example.org", "example.org"):
        assert not may_vouch_for(ca, public), public


def test_name_constraints_are_read_as_rfc_5280_says(tmp_path: Path) -> None:
    """A type with no permitted subtree is unconstrained; an excluded subtree always wins."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else's CA")])
    constraints = x509.NameConstraints(
        permitted_subtrees=[x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))],
        excluded_subtrees=[x509.DNSName("bad.example"), x509.IPAddress(ipaddress.ip_network("10.9.0.0/16"))],
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(constraints, critical=True)
        .sign(key, hashes.SHA256())
    )
    assert may_vouch_for(ca, "anything.example") and may_vouch_for(ca, "10.1.2.3")
    assert not may_vouch_for(ca, "www.bad.example") and not may_vouch_for(ca, "10.9.1.1")
    assert not may_vouch_for(ca, "192.168.1.1")
