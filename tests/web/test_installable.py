"""The installable app: its manifest and icons, and the service worker served from the root."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image
from signed_in import LocalClient, signed_in

from pelvicore.web.app import STATIC, create_app
from pelvicore.web.settings import Settings


def test_the_manifest_names_icons_that_exist_at_their_sizes() -> None:
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    css = (STATIC / "app.css").read_text()
    for key, variable in (("background_color", "--bg"), ("theme_color", "--accent")):
        assert f"{variable}: {manifest[key]};" in css  # the stylesheet's own colours
    purposes = set()
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/") and icon["type"] == "image/png"
        with Image.open(STATIC / icon["src"].removeprefix("/static/")) as image:
            assert image.format == "PNG" and "x".join(map(str, image.size)) == icon["sizes"], icon
        purposes.add(icon["purpose"])
    assert {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"} and purposes == {"any", "maskable"}


def test_pages_link_the_manifest_and_the_service_worker_is_served_from_the_root(tmp_path: Path) -> None:
    with signed_in(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none"))) as c:
        page = c.get("/").text
        assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page
        assert '<meta name="theme-color" content="#6b2d8f">' in page
        icon = re.search(r'<link rel="apple-touch-icon" href="(/static/[^"]+)">', page)
        assert icon is not None and c.get(icon.group(1)).headers["content-type"] == "image/png"
        assert '<script src="/static/sw-register.js"></script>' in page
        assert c.get("/static/manifest.webmanifest").headers["content-type"] == "application/manifest+json"
    with LocalClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", ble="none")),
                     base_url="http://localhost") as anonymous:  # fmt: skip
        assert "sw-register.js" in anonymous.get("/signin").text
        sw = anonymous.get("/sw.js")
        assert sw.status_code == 200 and sw.headers["content-type"] == "text/javascript; charset=utf-8"
        assert sw.headers["cache-control"] == "no-cache" and "content-security-policy" in sw.headers
        for path in re.findall(r'"(/static/[^"]+)"', sw.text):  # the shell it keeps exists
            assert anonymous.get(path).status_code == 200, path
        assert anonymous.get("/static/offline.html").status_code == 200
