"""HTTP API under load: the authenticated alert list and the settings read, SQLite and PostgreSQL.

    uv run python bench/bench_api.py [--backends sqlite,postgresql] [--alerts 10000]
                                     [--duration 15] [--connections 16] [--threads 2]

For each backend: a fresh database (SQLite: a file in a temporary directory; PostgreSQL: the
database ``bench_api`` on ``--postgres-admin-url``, created at the start and dropped at the end),
migrated, seeded with one user, their saved settings document and ``--alerts`` alerts; then a real
server — ``python -m wickwatch api`` in a subprocess, one uvicorn worker as in production — and
``wrk`` against it with the user's bearer token:

* ``GET /api/v1/alerts?limit=50`` — the newest page of the user's alerts (keyset pagination);
* ``GET /api/v1/settings`` — the user's rules document.

Each endpoint gets a short warm-up run, then ``--duration`` seconds measured; the table shows
requests/s and the p50/p99 latency wrk reports (``--latency``), and any non-2xx answers (there
should be none: the per-user rate limit is lifted for the run). wrk and the server share the
machine, so on a small VM the figures include wrk's own CPU.

Needs ``wrk`` (Debian/Ubuntu: ``sudo apt-get install wrk``; macOS: ``brew install wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx

from wickwatch.storage import create_engine, create_sessionmaker, migrate

PASSWORD = "bench password that is long enough"
SECRET_KEY = "bench-secret-key-" + "x" * 40
EMAIL = "bench@example.com"
SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "BNBUSDT", "ADAUSDT", "PEPEUSDT")
T0 = 1_767_225_600_000


@dataclass
class Result:
    backend: str
    endpoint: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seed(url: str, alerts: int) -> None:
    """Schema, one user with a saved settings document and ``alerts`` alerts."""
    from wickwatch.accounts.passwords import PasswordHasher
    from wickwatch.detection import ThresholdGroup, UserSettings
    from wickwatch.storage.models import Alert, User
    from wickwatch.storage.models import UserSettings as UserSettingsRow

    await migrate.upgrade(url)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            user = User(
                email=EMAIL,
                password_hash=await PasswordHasher().hash(PASSWORD),
                role="user",
                is_active=True,
            )
            session.add(user)
            await session.flush()
            document = UserSettings(
                thresholds=[
                    ThresholdGroup(min_delta_pct=2.0, min_volume_usd=20_000, window_s=5),
                    ThresholdGroup(
                        exchange="binance", market="futures", quote="USDT", min_delta_pct=1.5
                    ),
                ],
                blacklist=["LUNA", "USTCUSDT@binance_spot"],
                cooldown_s=120,
            )
            session.add(
                UserSettingsRow(
                    user_id=user.id, document=document.model_dump(mode="json"), version=1
                )
            )
            batch = []
            for i in range(alerts):
                symbol = SYMBOLS[i % len(SYMBOLS)]
                batch.append(
                    Alert(
                        user_id=user.id,
                        exchange=("binance", "bybit", "okx")[i % 3],
                        market=("spot", "futures")[i % 2],
                        symbol=symbol,
                        base=symbol.removesuffix("USDT"),
                        quote="USDT",
                        ts_ms=T0 + i * 7_000,
                        window_s=1 + i % 5,
                        direction=("up", "down")[i % 2],
                        delta_pct=1.5 + (i % 40) / 10,
                        wick_pct=(i % 90) * 1.0,
                        volume_usd=Decimal(20_000 + (i * 37) % 500_000),
                        price=Decimal("65000.5") + Decimal(i % 1000) / 10,
                        rule="binance·futures·USDT",
                    )
                )
                if len(batch) == 2000:
                    session.add_all(batch)
                    await session.flush()
                    batch = []
            session.add_all(batch)
            await session.commit()
    finally:
        await engine.dispose()


async def create_postgres(admin_url: str, name: str) -> str:
    import asyncpg

    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def drop_postgres(admin_url: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def start_server(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "WICKWATCH_DATABASE_URL": url,
        "WICKWATCH_DATA_DIR": str(data_dir),
        "WICKWATCH_SECRET_KEY": SECRET_KEY,
        "WICKWATCH_LOG_LEVEL": "WARNING",
        "WICKWATCH_RATE_LIMIT_USER": "100000000/minute",
        "WICKWATCH_RATE_LIMIT_LOGIN_IP": "1000/minute",
        "WICKWATCH_ACCESS_TOKEN_TTL_S": "3600",
        "WICKWATCH_SLOW_REQUEST_MS": "60000",
    }
    env.pop("WICKWATCH_REDIS_URL", None)  # embedded limits and bus: measure the API + database
    return subprocess.Popen(
        [sys.executable, "-m", "wickwatch", "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise SystemExit(f"the API server exited ({server.returncode}):\n{err[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API server did not answer /healthz in time")


def login(base: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"email": EMAIL, "password": PASSWORD, "refresh_in": "body"},
        timeout=30.0,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, token: str, *, seconds: float, connections: int, threads: int) -> str:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    latencies = {
        m.group(1): float(m.group(2)) * _UNITS[m.group(3)] for m in _LATENCY.finditer(output)
    }
    if rate is None or total is None or "50" not in latencies or "99" not in latencies:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    return (
        float(rate.group(1)),
        latencies["50"],
        latencies["99"],
        int(total.group(1)),
        int(errors.group(1)) if errors else 0,
    )


ENDPOINTS = (
    ("alerts (page of 50)", "/api/v1/alerts?limit=50"),
    ("settings", "/api/v1/settings"),
)


def bench_backend(backend: str, url: str, data_dir: Path, args: argparse.Namespace) -> list[Result]:
    print(f"{backend}: seeding {args.alerts} alerts …", flush=True)
    asyncio.run(seed(url, args.alerts))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, data_dir, port)
    results = []
    try:
        wait_ready(base, server)
        token = login(base)
        check = httpx.get(
            f"{base}/api/v1/alerts?limit=50", headers={"Authorization": f"Bearer {token}"}
        )
        check.raise_for_status()
        assert len(check.json()["items"]) == min(50, args.alerts), check.text[:200]
        for name, path in ENDPOINTS:
            target = base + path
            run_wrk(
                target,
                token,
                seconds=args.warmup,
                connections=args.connections,
                threads=args.threads,
            )
            output = run_wrk(
                target,
                token,
                seconds=args.duration,
                connections=args.connections,
                threads=args.threads,
            )
            rate, p50, p99, total, errors = parse_wrk(output)
            results.append(Result(backend, name, rate, p50, p99, total, errors))
            print(
                f"  {name:<20} {rate:8.0f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms"
                f"   ({total} requests, {errors} non-2xx)",
                flush=True,
            )
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=15.0, help="Seconds per measurement.")
    parser.add_argument("--warmup", type=float, default=3.0, help="Seconds of warm-up each.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--postgres-admin-url",
        default=os.environ.get(
            "WICKWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu) or "
            "`brew install wrk` (macOS)"
        )
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results: list[Result] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
                results += bench_backend(backend, url, Path(tmp), args)
            elif backend == "postgresql":
                url = asyncio.run(create_postgres(args.postgres_admin_url, "bench_api"))
                try:
                    results += bench_backend(backend, url, Path(tmp), args)
                finally:
                    asyncio.run(drop_postgres(args.postgres_admin_url, "bench_api"))
            else:
                raise SystemExit(f"unknown backend {backend!r}: sqlite or postgresql")
    print()
    print(f"{args.alerts} alerts, wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s")
    print("| backend | endpoint | requests/s | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.backend} | {r.endpoint} | {r.requests_per_s:,.0f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.errors} |"
        )


if __name__ == "__main__":
    main()
