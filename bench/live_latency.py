"""Live latency: N concurrent simulated sessions streamed over real WebSockets on loopback.

Starts ``pelvicore serve`` on a free port with a throw-away SQLite database, opens N real-time sessions
(speed 1, the 229 s ``daily`` routine), listens to each session's WebSocket for S seconds and reports:
- frame latency = receive time - ``produced_at`` (when the frame's newest sample was acquired), p50 / p99 / max,
  for frames produced after the client connected (the recent trace a late page is given first is history);
- samples lost = samples the server recorded for that span but the client never received;
- frames per second per session;
- server CPU per session-second: the server process's user + system time (``/proc/PID/stat``) over the listening
  span, divided by sessions x seconds; and the sessions one core could carry at that cost;
- client CPU per session-second: this process's own CPU time over the span (it shares the machine's cores).

With ``--workers W ...`` it starts W ``pelvicore serve`` processes instead, sharing one fresh PostgreSQL schema
(made for each run, dropped after it) and one Redis; sessions are started round-robin across the workers and,
when W >= 2, each session's WebSocket goes to the next worker, not the one that runs it, so every frame crosses
Redis. Server CPU is then summed over all workers, and Redis's own CPU (``redis-server``'s user + system time,
found by the ``process_id`` of ``INFO server``) and its publish calls (``PUBLISH``: one per watching worker per batch)
are reported beside it. Both count everything Redis did over the span, for any client: run on a quiet Redis.

    .venv/bin/python bench/live_latency.py --sessions 50 200 500 --seconds 20
    .venv/bin/python bench/live_latency.py --workers 1 2 --sessions 50 200 500 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import orjson
import redis
import websockets
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pelvicore.store import make_engine

DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, s (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


class RedisMeter:
    """Redis's own CPU time (if ``redis-server`` runs on this machine) and its publish calls so far."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        pid = int(self.client.info("server")["process_id"])
        comm = Path(f"/proc/{pid}/comm")
        # A Redis on another machine or in a container reports a pid that is not its pid here: not measured.
        self.pid = pid if comm.exists() and comm.read_text().startswith("redis-server") else None

    def read(self) -> tuple[float | None, int]:
        calls = int(self.client.info("commandstats").get("cmdstat_publish", {}).get("calls", 0))
        return (cpu_seconds(self.pid) if self.pid else None), calls


@contextmanager
def fresh_schema(database_url: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL schema in ``database_url``'s database, dropped afterwards."""
    admin = make_engine(database_url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def create_token(database_url: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "pelvicore", "token", "create", "--database-url", database_url],
        capture_output=True, text=True, check=True,
    ).stdout.split()[-1]  # fmt: skip


def wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path | None = None) -> None:
    for _ in range(300):
        if server.poll() is not None:
            tail = log.read_text()[-2000:] if log else ""
            raise SystemExit(f"pelvicore serve at {base} exited with {server.returncode}\n{tail}")
        try:
            if httpx.get(base + "/api/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"pelvicore serve at {base} did not answer within 30 s")


def stop_all(servers: list[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def run_workers(n: int, workers: int, seconds: float, database_url: str, redis_url: str) -> dict[str, float | None]:
    """One run: ``workers`` ``pelvicore serve`` processes on a fresh schema of ``database_url`` and ``redis_url``."""
    with fresh_schema(database_url) as url, tempfile.TemporaryDirectory() as tmp:
        token = create_token(url)
        servers: list[subprocess.Popen[bytes]] = []
        bases = []
        try:
            for k in range(workers):
                port, log = free_port(), Path(tmp) / f"worker{k}.log"
                command = [sys.executable, "-m", "pelvicore", "serve", "--port", str(port), "--ble", "none",
                           "--database-url", url, "--redis-url", redis_url]  # fmt: skip
                with open(log, "ab") as out:
                    servers.append(subprocess.Popen(command, stdout=out, stderr=out))
                bases.append(f"http://127.0.0.1:{port}")
                wait_until_up(bases[-1], servers[-1], log)  # one at a time: the first migrates the schema
            pids = [server.pid for server in servers]
            try:
                return asyncio.run(run(n, seconds, bases, token, pids, RedisMeter(redis_url)))
            except BaseException:
                for k in range(workers):  # what the workers said, before their folder goes
                    tail = (Path(tmp) / f"worker{k}.log").read_text()[-3000:]
                    print(f"--- worker {k}'s log, its end:\n{tail}", file=sys.stderr)
                raise
        finally:
            stop_all(servers)


async def listen(
    url: str, seconds: float, latencies: list[float], received: dict[str, list[float]], sid: str, token: str
) -> None:
    times: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(url, max_size=None, additional_headers=headers) as ws:
        # A page that joins late is first given the last few seconds of trace: that is history, not latency.
        connected_at = time.time()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, end - time.monotonic()))
            except TimeoutError:
                break
            now = time.time()
            message = orjson.loads(raw)  # the client shares the cores: it parses as cheaply as it can
            if message["type"] == "frame" and message["produced_at"] >= connected_at:
                latencies.append(now - message["produced_at"])
                first, fs_hz = message["t0_s"], message["fs_hz"]
                n = len(next(v for k, v in message.items() if isinstance(v, list)))
                times.extend(first + k / fs_hz for k in range(n))
            elif message["type"] == "end":
                break
    received[sid] = times


async def run(
    n: int, seconds: float, bases: list[str], token: str, server_pids: list[int], meter: RedisMeter | None = None
) -> dict[str, float | None]:
    """Session ``i`` starts on ``bases[i % W]`` and is watched on ``bases[(i + 1) % W]``: another worker when W >= 2."""
    headers = {"Authorization": f"Bearer {token}"}
    clients = [httpx.AsyncClient(base_url=base, timeout=60, headers=headers) for base in bases]
    try:
        ids, owners = [], []
        for i in range(n):
            client = clients[i % len(clients)]
            response = await client.post("/api/sessions", json={"routine": "daily", "speed": 1, "seed": i})
            response.raise_for_status()
            ids.append(response.json()["id"])
            owners.append(client)
        latencies: list[float] = []
        received: dict[str, list[float]] = {}
        ws_bases = [base.replace("http://", "ws://") for base in bases]
        redis_before = meter.read() if meter else None
        cpu_before, wall_before, client_before = cpu_of(server_pids), time.monotonic(), time.process_time()
        await asyncio.gather(
            *(
                listen(f"{ws_bases[(i + 1) % len(bases)]}/ws/sessions/{sid}", seconds, latencies, received, sid, token)
                for i, sid in enumerate(ids)
            )
        )
        cpu_s, wall_s = cpu_of(server_pids) - cpu_before, time.monotonic() - wall_before
        client_s = time.process_time() - client_before
        redis_after = meter.read() if meter else None
        lost = total = 0
        for sid, owner in zip(ids, owners, strict=True):
            got = received.get(sid, [])
            if not got:
                continue
            # Stopped where it runs (no Redis hop); its trace is read from the database every worker shares.
            await owner.post(f"/api/sessions/{sid}/stop")
            trace = (await owner.get(f"/api/sessions/{sid}/trace", params={"max_points": 10**7})).json()
            recorded = np.asarray(trace["t_s"])
            span = recorded[(recorded >= got[0]) & (recorded <= got[-1])]
            total += span.size
            lost += len(set(np.round(span, 3)) - set(np.round(got, 3)))
    finally:
        for client in clients:
            await client.aclose()
    lat = np.asarray(latencies) * 1000
    frames_per_s = len(latencies) / max(1, n) / seconds
    session_s = n * wall_s
    redis_cpu_ms = redis_calls = None
    if redis_before and redis_after:
        if redis_before[0] is not None and redis_after[0] is not None:
            redis_cpu_ms = 1000 * (redis_after[0] - redis_before[0]) / session_s
        redis_calls = (redis_after[1] - redis_before[1]) / session_s
    return {
        "sessions": n,
        "workers": len(bases),
        "frames": len(latencies),
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "max_ms": float(lat.max()),
        "samples": total,
        "lost": lost,
        "frames_per_s_per_session": frames_per_s,
        "cpu_ms_per_session_s": 1000 * cpu_s / session_s,
        "sessions_per_core": session_s / cpu_s if cpu_s else float("inf"),
        "client_cpu_ms_per_session_s": 1000 * client_s / session_s,
        "redis_cpu_ms_per_session_s": redis_cpu_ms,
        "redis_calls_per_session_s": redis_calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1, 50], help="concurrent sessions (several: one run each)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds to listen to each run")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        help="worker processes on PostgreSQL and Redis (several: one run each per session count); "
        "without it, one process on SQLite",
    )
    parser.add_argument("--database-url", default=DATABASE_URL, help="PostgreSQL database for --workers runs")
    parser.add_argument("--redis-url", default=REDIS_URL, help="Redis for --workers runs")
    args = parser.parse_args()
    if args.workers:
        main_workers(args)
    else:
        main_sqlite(args)


def main_sqlite(args: argparse.Namespace) -> None:
    rows = []
    for n in args.sessions:
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            database_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            env = os.environ | {"PELVICORE_DATABASE_URL": database_url}
            token = create_token(database_url)
            server = subprocess.Popen(
                [sys.executable, "-m", "pelvicore", "serve", "--port", str(port), "--ble", "none"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base, server)
                rows.append(asyncio.run(run(n, args.seconds, [base], token, [server.pid])))
            finally:
                stop_all([server])
        r = rows[-1]
        print(
            f"{n} sessions: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms, "
            f"{r['frames_per_s_per_session']:.1f} frames/s/session, lost {r['lost']} of {r['samples']} samples, "
            f"server CPU {r['cpu_ms_per_session_s']:.2f} ms per session-second "
            f"({r['sessions_per_core']:.0f} per core), "
            f"client CPU {r['client_cpu_ms_per_session_s']:.2f} ms per session-second",
            flush=True,
        )
    print()
    print(
        "| sessions | frames | p50 (ms) | p99 (ms) | max (ms) | frames/s per session | samples lost "
        "| server CPU per session-second (ms) | sessions per core | client CPU per session-second (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['sessions']} | {r['frames']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | "
            f"{r['frames_per_s_per_session']:.1f} | {r['lost']} of {r['samples']} | {r['cpu_ms_per_session_s']:.2f} "
            f"| {r['sessions_per_core']:.0f} | {r['client_cpu_ms_per_session_s']:.2f} |"
        )


def main_workers(args: argparse.Namespace) -> None:
    rows = []
    for workers in args.workers:
        for n in args.sessions:
            r = run_workers(n, workers, args.seconds, args.database_url, args.redis_url)
            rows.append(r)
            redis_cpu = r["redis_cpu_ms_per_session_s"]
            print(
                f"{n} sessions on {workers} workers: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
                f"max {r['max_ms']:.1f} ms, {r['frames_per_s_per_session']:.1f} frames/s/session, "
                f"lost {r['lost']} of {r['samples']} samples, "
                f"server CPU {r['cpu_ms_per_session_s']:.2f} ms per session-second "
                f"({r['sessions_per_core']:.0f} per core), "
                f"Redis CPU {'not measured' if redis_cpu is None else f'{redis_cpu:.2f} ms'} per session-second, "
                f"{r['redis_calls_per_session_s']:.1f} Redis publish calls per session-second, "
                f"client CPU {r['client_cpu_ms_per_session_s']:.2f} ms per session-second",
                flush=True,
            )
    print()
    print(
        "| sessions | workers | frames | p50 (ms) | p99 (ms) | max (ms) | frames/s per session | samples lost "
        "| server CPU per session-second (ms) | sessions per core | Redis CPU per session-second (ms) "
        "| Redis publish calls per session-second | client CPU per session-second (ms) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        redis_cpu = r["redis_cpu_ms_per_session_s"]
        print(
            f"| {r['sessions']} | {r['workers']} | {r['frames']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['max_ms']:.1f} | {r['frames_per_s_per_session']:.1f} | {r['lost']} of {r['samples']} "
            f"| {r['cpu_ms_per_session_s']:.2f} | {r['sessions_per_core']:.0f} "
            f"| {'not measured' if redis_cpu is None else f'{redis_cpu:.2f}'} "
            f"| {r['redis_calls_per_session_s']:.1f} | {r['client_cpu_ms_per_session_s']:.2f} |"
        )


if __name__ == "__main__":
    main()
