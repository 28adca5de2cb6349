"""The files in ``deploy/`` agree with each other and with pelvicore, without Docker or systemd running them:
the Caddyfile as Caddy reads it for a real domain, the Compose topology, the systemd unit, no secret in any."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"


def adapted_caddyfile(**env: str) -> dict:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.fail("Caddy is not installed: the test command installs Debian's caddy package")
    result = subprocess.run(
        [caddy, "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_caddy_asks_lets_encrypt_for_the_clinics_domain_and_checks_each_worker() -> None:
    config = adapted_caddyfile(
        PELVICORE_DOMAIN="pelvicore.clinic.example", CADDY_TLS="it@clinic.example", PELVICORE_UPSTREAMS="pelvicore:8000"
    )
    server = config["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == [":443"]
    assert server["routes"][0]["match"] == [{"host": ["pelvicore.clinic.example"]}]
    text = json.dumps(server)
    assert '"dial": "pelvicore:8000"' in text and '"uri": "/api/health"' in text
    issuers = config["apps"]["tls"]["automation"]["policies"][0]["issuers"]
    assert {"module": "acme", "email": "it@clinic.example"} in issuers


def test_compose_runs_caddy_workers_postgresql_and_redis_with_no_secret_in_the_file() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"caddy", "pelvicore", "postgres", "redis"}
    app = services["pelvicore"]
    assert "--host 0.0.0.0" in app["command"][-1] and "--workers" in app["command"][-1]
    assert "ports" not in app  # only Caddy is reached from outside
    env = app["environment"]
    assert re.fullmatch(r"postgresql://pelvicore@postgres:5432/pelvicore", env["PELVICORE_DATABASE_URL"])
    assert env["FORWARDED_ALLOW_IPS"] == services["caddy"]["networks"]["clinic"]["ipv4_address"]
    assert services["caddy"]["environment"]["PELVICORE_UPSTREAMS"] == "pelvicore:8000"
    assert "pgdata:/var/lib/postgresql/data" in " ".join(services["postgres"]["volumes"])
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert (DEPLOY / app["build"]["dockerfile"].removeprefix("deploy/")).is_file()


def test_the_image_copies_what_exists_and_its_entrypoint_runs() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
    assert os.access(DEPLOY / "docker-entrypoint.sh", os.X_OK)
    assert "USER pelvicore" in dockerfile


def test_the_systemd_unit_runs_unprivileged_workers_that_restart() -> None:
    unit = (DEPLOY / "pelvicore.service").read_text()
    for line in ("User=pelvicore", "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "EnvironmentFile=/etc/pelvicore/pelvicore.env", "CapabilityBoundingSet="):  # fmt: skip
        assert re.search(rf"^{re.escape(line)}$", unit, flags=re.M), line
    assert "--workers ${PELVICORE_WORKERS}" in unit and "--host 0.0.0.0" in unit


@pytest.mark.parametrize("name", sorted(p.name for p in DEPLOY.iterdir() if p.is_file()))
def test_no_password_is_written_in_a_deploy_file(name: str) -> None:
    text = (DEPLOY / name).read_text()
    assert not re.search(r"postgresql://[^:@/\s]+:(?!DATABASE_PASSWORD@)[^@\s]+@", text)
    assert not re.search(r"^\s*(POSTGRES_PASSWORD|PGPASSWORD)\s*[:=]\s*(?![\"']?\$)\S", text, flags=re.M)
