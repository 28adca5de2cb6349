"""``pelvicore serve --https``, as a real process: TLS trusted through its own certificate authority."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from https_server import HttpsServer, served_https

from pelvicore.web.settings import lan_address


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsServer]:
    with served_https(tmp_path_factory.mktemp("https")) as s:
        yield s


def test_it_answers_over_tls_that_its_own_ca_vouches_for(server: HttpsServer) -> None:
    r = httpx.get(server.url + "/api/health", verify=server.trust())
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.headers["strict-transport-security"] == "max-age=31536000"
    with pytest.raises(httpx.ConnectError):  # not trusted without the CA
        httpx.get(server.url + "/api/health")
    with pytest.raises(httpx.RemoteProtocolError):  # no plain HTTP on the same port
        httpx.get(server.url.replace("https:", "http:") + "/api/health")
    lan = lan_address()
    if lan:  # her phone's address for this computer is in the certificate too
        assert httpx.get(f"https://{lan}:{server.url.rsplit(':', 1)[1]}/api/health", verify=server.trust()).is_success


def test_its_start_lines_say_https_and_where_the_certificate_is(server: HttpsServer) -> None:
    lines = [line for line in server.lines() if not line[:4].isdigit()]  # leave the log lines out
    assert any(line.startswith("pelvicore is listening on every network address") for line in lines), lines
    listening = next(line for line in lines if line.startswith("pelvicore is listening"))
    assert "https://127.0.0.1:" in listening and "http://" not in listening
    # Only names its certificate holds: NAME.local, not the bare NAME, which it leaves out without a word.
    bare = socket.gethostname().lower()
    assert f"https://{bare}.local:" in listening and f"https://{bare}:" not in listening
    assert not any(line.startswith("Not in the certificate") for line in lines), lines
    assert any(str(server.ca_file) in line for line in lines)


def test_the_ca_certificate_downloads_from_the_server(server: HttpsServer) -> None:
    r = httpx.get(server.url + "/pelvicore-ca.crt", verify=server.trust())
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-x509-ca-cert"
    from cryptography import x509

    assert x509.load_der_x509_certificate(r.content) == x509.load_pem_x509_certificate(server.ca_file.read_bytes())


def test_without_an_admin_it_says_why_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "pelvicore", "serve", "--https", "--database-url", url, "--ble", "none"],
        capture_output=True, text=True, timeout=60, env={"XDG_DATA_HOME": str(tmp_path / "data"), "PATH": ""},
    )  # fmt: skip
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if not line[:4].isdigit()]
    assert len(errors) == 1 and errors[0].startswith("pelvicore: error: --host 0.0.0.0 serves the network"), errors
    assert "pelvicore users create" in errors[0] and "--host 127.0.0.1" in errors[0]
    assert "Traceback" not in done.stderr


def test_an_unwritable_data_folder_is_one_line_too(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data folder should be")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "pelvicore", "serve", "--https", "--host", "127.0.0.1", "--database-url", url,
         "--ble", "none"],
        capture_output=True, text=True, timeout=60, env={"XDG_DATA_HOME": str(tmp_path / "data"), "PATH": ""},
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if not line[:4].isdigit()]
    assert errors == [f"pelvicore: error: {tmp_path / 'data' / 'pelvicore'}: cannot keep the HTTPS certificate files "
                      "there (Not a directory)"]  # fmt: skip
