"""What the API answers while a dependency is away: 503 (never 500) for routes that need the
database, and ``/readyz`` naming what is down."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from wickwatch.api.app import create_app, database_unavailable
from wickwatch.config import Settings

UNREACHABLE_PG = "postgresql://nobody@127.0.0.1:1/none"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


async def _get(
    settings: Settings, *requests: tuple[str, str, dict[str, object] | None]
) -> list[httpx.Response]:
    app = create_app(settings)
    out = []
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for method, path, body in requests:
                out.append(await client.request(method, path, json=body))
    return out


async def test_routes_that_need_the_database_answer_503_while_it_is_unreachable(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=UNREACHABLE_PG, registration_mode="open")
    login, register = await _get(
        settings,
        ("POST", "/api/v1/auth/login", {"email": "a@example.com", "password": "whatever-long-1"}),
        (
            "POST",
            "/api/v1/auth/register",
            {"email": "b@example.com", "password": "Correct-horse-battery-9"},
        ),
    )
    for response in (login, register):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "service_unavailable"
        assert response.headers["Retry-After"] == "5"
        assert "postgresql" not in response.text and "nobody" not in response.text


async def test_readyz_reports_redis_down_without_taking_the_replica_out(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, redis_url=UNREACHABLE_REDIS)
    (ready,) = await _get(settings, ("GET", "/readyz", None))
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("down")


@pytest.mark.redis
async def test_readyz_with_redis_up(tmp_path: Path, redis_url: str) -> None:
    settings = Settings(data_dir=tmp_path, redis_url=redis_url, markets=[])  # no feeds to check
    (ready,) = await _get(settings, ("GET", "/readyz", None))
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_only_unreachability_counts_as_unavailable() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    assert database_unavailable(ConnectionRefusedError(111, "refused"))
    assert database_unavailable(TimeoutError())
    refused = OperationalError("SELECT 1", {}, ConnectionResetError())
    assert database_unavailable(refused)
    assert not database_unavailable(IntegrityError("INSERT", {}, ValueError("duplicate key")))
    assert not database_unavailable(ValueError("a bug"))


def test_a_database_starting_up_counts_as_unavailable() -> None:
    """PostgreSQL restarting answers "the database system is starting up" for a few seconds:
    SQLAlchemy's asyncpg adapter raises its own error *from* asyncpg's, and the API answered
    500 there (a fault test caught it after a database restart)."""
    import asyncpg
    from sqlalchemy.exc import DBAPIError

    starting = asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    adapted = Exception("the database system is starting up")  # the adapter's Error
    adapted.__cause__ = starting
    assert database_unavailable(DBAPIError(None, None, adapted))
    bug = Exception("syntax error")
    bug.__cause__ = asyncpg.exceptions.PostgresSyntaxError("syntax error")
    assert not database_unavailable(DBAPIError(None, None, bug))
