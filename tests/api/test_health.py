"""Health endpoints of the API, on a real database."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from wickwatch.api.app import create_app
from wickwatch.config import Settings


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
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok"}
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
