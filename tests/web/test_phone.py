"""Her phone as the screen: the start page's card, a one-time sign-in link, the CA certificate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from signed_in import LocalClient, bearer, signed_in, signin_link, user_token

from pelvicore.web.app import create_app
from pelvicore.web.settings import LOOPBACK_HOSTS, Settings, this_computer_names
from pelvicore.web.tls import ensure_certificate

HTTPS_URL = "https://localhost"


def https_settings(folder: Path, **extra: object) -> Settings:
    ensure_certificate({*this_computer_names(), *LOOPBACK_HOSTS}, folder=folder / "tls")
    fields = {"database_url": f"sqlite:///{folder / 'db.sqlite3'}", "ble": "none", "https": True,
              "tls_folder": str(folder / "tls")} | extra  # fmt: skip
    return Settings.model_validate(fields)


@pytest.fixture
def her_browser(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """Her computer's browser on a server that listens on every address over HTTPS, signed in by a one-time link;
    and the page's CSRF token."""
    settings = https_settings(tmp_path, host="0.0.0.0")
    with LocalClient(create_app(settings), base_url=HTTPS_URL) as browser:
        assert browser.get(signin_link(settings.database_url), follow_redirects=False).status_code == 303
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', browser.get("/").text)
        assert token is not None
        yield browser, token.group(1)


def test_over_https_the_start_page_offers_her_phone_as_the_screen(her_browser: tuple[TestClient, str]) -> None:
    browser, _ = her_browser
    page = browser.get("/").text
    assert "Use your phone as the screen" in page and 'id="phone-card"' in page
    card = page[page.index('id="phone-card"') :]
    words = " ".join(card.split())
    url = re.search(r'<a href="(https://[^"]+)" id="phone-url">', card)
    assert url is not None and urlsplit(url.group(1)).hostname in this_computer_names() | {"localhost"}
    assert urlsplit(url.group(1)).hostname not in LOOPBACK_HOSTS  # her phone cannot reach this computer's loopback
    assert re.search(r'role="img" aria-label="QR code of https://[^"]+"><svg [^>]*class="qr-code"', card)
    assert '<a href="/pelvicore-ca.crt" download' in card and "Install a certificate → CA certificate" in words
    assert re.search(r"<code class=\"fingerprint\">([0-9A-F]{2}:){31}[0-9A-F]{2}</code>", card)
    assert '<script src="/static/phone.js"></script>' in page
    assert "<script>" not in page and " style=" not in card  # nothing the CSP would block


def test_without_https_there_is_no_card_and_no_certificate(tmp_path: Path) -> None:
    with signed_in(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))) as c:
        assert "phone-card" not in c.get("/").text
        assert c.get("/pelvicore-ca.crt").status_code == 404
        assert c.post("/api/me/phone-link").status_code == 404


def test_on_this_computer_only_the_card_says_how_to_reach_it(tmp_path: Path) -> None:
    settings = https_settings(tmp_path)  # --https --host 127.0.0.1
    with LocalClient(create_app(settings), base_url=HTTPS_URL, headers=bearer(user_token(settings.database_url))) as c:
        page = c.get("/").text
        assert 'id="phone-unreachable"' in page and 'id="phone-url"' not in page
        assert "pelvicore serve --https</code>, without <code>--host</code>" in " ".join(page.split())


def test_the_ca_certificate_is_public_and_in_der(tmp_path: Path) -> None:
    settings = https_settings(tmp_path)
    with LocalClient(create_app(settings), base_url=HTTPS_URL) as anonymous:
        r = anonymous.get("/pelvicore-ca.crt")
        assert r.status_code == 200 and r.headers["content-type"] == "application/x-x509-ca-cert"
        assert r.headers["content-disposition"] == 'attachment; filename="pelvicore-ca.crt"'
        assert r.content[:1] == b"\x30"  # DER: an ASN.1 SEQUENCE
        assert (
            b"PRIVATE" not in r.content
            and anonymous.get("/pelvicore-ca.key", follow_redirects=False).status_code == 303
        )


def test_a_phone_link_signs_a_fresh_browser_in_once_and_not_twice(
    her_browser: tuple[TestClient, str], tmp_path: Path
) -> None:
    browser, token = her_browser
    r = browser.post("/api/me/phone-link", headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["url"].startswith("https://") and "/signin/link?token=" in link["url"]
    assert link["lifetime_min"] == 60 and link["qr_svg"].startswith("<svg ")
    path = link["url"][link["url"].index("/signin/link") :]
    phone = LocalClient(browser.app, base_url=HTTPS_URL)
    followed = phone.get(path, follow_redirects=False)
    assert followed.status_code == 303 and followed.headers["location"] == "/"
    assert "__Host-pelvicore_session=" in followed.headers["set-cookie"]  # Secure, over HTTPS
    assert phone.get("/api/me").status_code == 200
    again = LocalClient(browser.app, base_url=HTTPS_URL).get(path, follow_redirects=False)
    assert again.status_code == 400 and "pelvicore_session" not in again.headers.get("set-cookie", "")
    audit = browser.get("/api/me/audit").json()
    assert any(event["action"] == "phone-link-made" for event in audit)


def test_a_phone_link_needs_her_page_token_and_her_sign_in(her_browser: tuple[TestClient, str]) -> None:
    browser, token = her_browser
    assert browser.post("/api/me/phone-link").status_code == 403  # no CSRF token
    assert browser.post("/api/me/phone-link", headers={"X-CSRF-Token": token[:-1] + "x"}).status_code == 403
    other_site = {"X-CSRF-Token": token, "Origin": "https://evil.example"}
    assert browser.post("/api/me/phone-link", headers=other_site).status_code == 403
    anonymous = LocalClient(browser.app, base_url=HTTPS_URL)
    assert anonymous.post("/api/me/phone-link").status_code == 401
    assert browser.post("/api/me/phone-link", content="x", headers={"X-CSRF-Token": token}).status_code == 415
