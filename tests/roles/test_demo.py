"""``wickwatch demo`` as a person runs it: a real process on a free port with its own data
directory; sign in with the printed credentials, see a spike arrive live, Ctrl-C, and find a
clean exit and a consistent database."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp
import orjson


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_healthy(base: str, proc: asyncio.subprocess.Process, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            assert proc.returncode is None, "the demo exited during start-up"
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"/healthz did not answer within {within_s}s")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


async def _credentials(stdout: Path, within_s: float = 30) -> tuple[str, str]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        found = re.search(r"user\s+(\S+@\S+)\s+password\s+(\S+)", _read(stdout))
        if found:
            return found.group(1), found.group(2)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no credentials printed: {_read(stdout)!r}")


async def test_demo_shows_live_spikes_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WICKWATCH_")}
    env.update(WICKWATCH_DATA_DIR=str(data), WICKWATCH_LOG_LEVEL="INFO")
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    started = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "wickwatch", "demo", "--port", str(port), "--no-build-web"),
            stdout=stdout,
            stderr=stderr,
            env=env,
            cwd=tmp_path,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_healthy(base, proc, within_s=60)
        email, password = await _credentials(out)
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{base}/api/v1/auth/login",
                json={"email": email, "password": password, "refresh_in": "body"},
            ) as response:
                assert response.status == 200, await response.text()
                token = (await response.json())["access_token"]
            ws_url = f"ws://127.0.0.1:{port}/api/v1/stream"
            async with http.ws_connect(ws_url, protocols=("bearer", token)) as ws:
                assert orjson.loads((await ws.receive(timeout=10)).data)["type"] == "ready"
                subscribe = {"type": "subscribe", "topics": ["alerts", "markets"]}
                await ws.send_str(orjson.dumps(subscribe).decode())
                kinds: set[str] = set()
                first_alert: dict[str, object] | None = None
                deadline = time.monotonic() + 60
                while first_alert is None or "market_status" not in kinds:
                    left = deadline - time.monotonic()
                    assert left > 0, f"within 60 s only {kinds or 'nothing'} arrived"
                    frame = orjson.loads((await ws.receive(timeout=left)).data)
                    kinds.add(frame["type"])
                    if frame["type"] == "alert" and first_alert is None:
                        first_alert = frame["data"]
                        print(f"first spike {time.monotonic() - started:.1f}s after the start")
        assert first_alert is not None and float(str(first_alert["delta_pct"])) >= 1.5
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(40):
                code = await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
    _check_after_exit(code, _read(err), data / "wickwatch.db")


def _check_after_exit(code: int, logs: str, database: Path) -> None:
    assert code == 0, logs[-3000:]
    assert "Traceback" not in logs, logs[-3000:]
    assert "telegram → chat" in logs  # the stand-in received the alert messages
    assert "demo stopped cleanly" in logs

    db = sqlite3.connect(database)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
        assert alerts >= 1
        statuses = dict(db.execute("SELECT status, count(*) FROM alert_deliveries GROUP BY 1"))
        assert statuses.get("sent", 0) >= 1, statuses
        assert not set(statuses) & {"claimed", "sending"}, statuses  # nothing left in flight
        feeds = db.execute("SELECT status, symbols, trades_per_s FROM exchange_stats").fetchall()
        assert len(feeds) >= 6 and all(status == "down" for status, _, _ in feeds)  # stopped
        assert all(symbols > 0 and rate > 0 for _, symbols, rate in feeds)
        assert db.execute("SELECT count(*) FROM price_history_1m").fetchone()[0] > 0
    finally:
        db.close()
