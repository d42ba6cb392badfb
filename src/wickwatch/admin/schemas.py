"""Bodies of ``/api/v1/admin/errors``, ``/admin/exchanges`` and ``/admin/status``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wickwatch.markets.schemas import MarketStatus

Level = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ErrorLogPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "created_at": "2026-01-01T00:00:00Z",
                    "level": "ERROR",
                    "logger": "wickwatch.notify.dispatcher",
                    "message": "delivery 77 failed: timeout",
                    "exception": None,
                    "process": "4242",
                    "context": {"delivery_id": 77},
                }
            ]
        },
    )

    id: int
    created_at: datetime
    level: str
    logger: str
    message: str
    exception: str | None
    process: str | None
    context: dict[str, Any] | None


class Deleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"count": 120}]})

    count: int = Field(description="Entries deleted.")


class ExchangeStatsAdmin(MarketStatus):
    """A feed's status with what it produced."""

    alerts_24h: int = Field(description="Alerts of all users on this feed in the last 24 h.")


class CheckResult(BaseModel):
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


class DatabaseStatus(CheckResult):
    backend: str = Field(description="`sqlite` or `postgresql`.")


class RedisStatus(CheckResult):
    configured: bool


class OutboxStatus(BaseModel):
    by_status: dict[str, int] = Field(
        description="Deliveries per outbox state: pending, claimed, sending, sent, failed, skipped."
    )
    oldest_pending_at: datetime | None = Field(description="Creation of the oldest waiting one.")


class ProcessesStatus(BaseModel):
    api_pid: int = Field(description="This API process.")
    roles_here: list[str] = Field(description="Roles running inside this API process.")
    dispatchers: list[str] = Field(
        description="Notifier processes holding a delivery lease right now (busy ones only)."
    )
    feeds_reporting: int = Field(description="Feeds whose collector reported recently.")
    feeds_total: int


class SystemStatus(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": "0.1.0",
                    "environment": "production",
                    "started_at": "2026-01-01T00:00:00Z",
                    "uptime_s": 3600.0,
                    "python": "3.11.9",
                    "database": {"ok": True, "latency_ms": 0.8, "error": None, "backend": "sqlite"},
                    "redis": {"ok": True, "latency_ms": 0.3, "error": None, "configured": True},
                    "outbox": {
                        "by_status": {"pending": 2, "sent": 1200, "failed": 1},
                        "oldest_pending_at": "2026-01-01T00:59:58Z",
                    },
                    "processes": {
                        "api_pid": 4242,
                        "roles_here": ["api"],
                        "dispatchers": ["host-1:4243"],
                        "feeds_reporting": 12,
                        "feeds_total": 12,
                    },
                    "errors_24h": 3,
                }
            ]
        }
    )

    version: str
    environment: str
    started_at: datetime = Field(description="When this API process started.")
    uptime_s: float
    python: str
    database: DatabaseStatus
    redis: RedisStatus
    outbox: OutboxStatus
    processes: ProcessesStatus
    errors_24h: int = Field(description="Error-log entries of the last 24 hours.")
