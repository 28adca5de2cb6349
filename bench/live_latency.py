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

    .venv/bin/python bench/live_latency.py --sessions 50 200 500 --seconds 20
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
from pathlib import Path

import httpx
import numpy as np
import orjson
import websockets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, s (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


async def run(n: int, seconds: float, base: str, token: str, server_pid: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
        ids = []
        for i in range(n):
            response = await client.post("/api/sessions", json={"routine": "daily", "speed": 1, "seed": i})
            response.raise_for_status()
            ids.append(response.json()["id"])
        latencies: list[float] = []
        received: dict[str, list[float]] = {}
        ws_base = base.replace("http://", "ws://")
        cpu_before, wall_before, client_before = cpu_seconds(server_pid), time.monotonic(), time.process_time()
        await asyncio.gather(
            *(listen(f"{ws_base}/ws/sessions/{sid}", seconds, latencies, received, sid, token) for sid in ids)
        )
        cpu_s, wall_s = cpu_seconds(server_pid) - cpu_before, time.monotonic() - wall_before
        client_s = time.process_time() - client_before
        lost = total = 0
        for sid in ids:
            got = received.get(sid, [])
            if not got:
                continue
            await client.post(f"/api/sessions/{sid}/stop")
            trace = (await client.get(f"/api/sessions/{sid}/trace", params={"max_points": 10**7})).json()
            recorded = np.asarray(trace["t_s"])
            span = recorded[(recorded >= got[0]) & (recorded <= got[-1])]
            total += span.size
            lost += len(set(np.round(span, 3)) - set(np.round(got, 3)))
        lat = np.asarray(latencies) * 1000
        frames_per_s = len(latencies) / max(1, n) / seconds
        return {
            "sessions": n,
            "frames": len(latencies),
            "p50_ms": float(np.percentile(lat, 50)),
            "p99_ms": float(np.percentile(lat, 99)),
            "max_ms": float(lat.max()),
            "samples": total,
            "lost": lost,
            "frames_per_s_per_session": frames_per_s,
            "cpu_ms_per_session_s": 1000 * cpu_s / (n * wall_s),
            "sessions_per_core": n * wall_s / cpu_s if cpu_s else float("inf"),
            "client_cpu_ms_per_session_s": 1000 * client_s / (n * wall_s),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1, 50], help="concurrent sessions (several: one run each)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds to listen to each run")
    args = parser.parse_args()
    rows = []
    for n in args.sessions:
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            database_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            env = os.environ | {"PELVICORE_DATABASE_URL": database_url}
            token = subprocess.run(
                [sys.executable, "-m", "pelvicore", "token", "create", "--database-url", database_url],
                capture_output=True, text=True, check=True,
            ).stdout.split()[-1]  # fmt: skip
            server = subprocess.Popen(
                [sys.executable, "-m", "pelvicore", "serve", "--port", str(port), "--ble", "none"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                for _ in range(300):
                    try:
                        if httpx.get(base + "/api/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                rows.append(asyncio.run(run(n, args.seconds, base, token, server.pid)))
            finally:
                server.terminate()
                server.wait(30)
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


if __name__ == "__main__":
    main()
