"""Health endpoints of the API, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import update

from tests.seed import add_rows, feed_row
from wickwatch.api.app import create_app
from wickwatch.config import Settings
from wickwatch.storage.models import ExchangeStats


async def test_healthz_and_readyz_on_embedded_sqlite(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            health = await client.get("/healthz")
            ready = await client.get("/readyz")
            missing = await client.get("/nowhere")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    # ready to serve, but no collector ever reported a feed: degraded, not out of rotation
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    assert ready.json()["checks"] == {"database": "ok", "feeds": "down: no feed active"}
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "http_404"
    assert (tmp_path / "wickwatch.db").exists()  # the embedded mode migrated at start


async def test_readyz_reports_a_database_outage(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none")
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("down")


async def test_readyz_reports_feeds_that_are_not_active(tmp_path: Path) -> None:
    """Feeds come from the collectors' status rows: a feed reported down, one whose collector
    stopped reporting (stale) and one never reported are named; all active is ``ready``."""
    settings = Settings(
        data_dir=tmp_path, markets=["binance_spot", "binance_futures", "okx_spot", "gate_spot"]
    )
    app = create_app(settings)
    now = datetime.now(UTC)
    async with LifespanManager(app) as manager:
        await add_rows(
            app.state.sessionmaker,
            [
                feed_row("binance", "spot", now),
                feed_row("binance", "futures", now, status="down", reason="exchange closed"),
                feed_row("okx", "spot", now - timedelta(minutes=5)),
            ],
        )
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            partly = (await client.get("/readyz")).json()
            async with app.state.sessionmaker() as session:
                await session.execute(
                    update(ExchangeStats).values(status="up", reason=None, updated_at=now)
                )
                session.add(feed_row("gate", "spot", now))
                await session.commit()
            healthy = await client.get("/readyz")
    feeds = partly["checks"]["feeds"]
    assert partly["status"] == "degraded"
    assert feeds.startswith("degraded: 3 of 4 feeds not active (")
    assert "binance_futures down: exchange closed" in feeds
    assert "okx_spot down: " in feeds and "gate_spot down: no status reported yet" in feeds
    assert "binance_spot" not in feeds
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ready", "checks": {"database": "ok", "feeds": "ok"}}
