"""Alerts whose USD volume is unknown (NULL) count as spikes but stay out of every volume
figure; price-band alerts are not spikes at all."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.api.kit import API, Env
from tests.seed import add_alerts, member

NOW = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
MS = int(NOW.timestamp() * 1000) - 3_600_000


async def test_unknown_volumes_and_price_alerts_stay_out_of_the_figures(env: Env) -> None:
    env.clock.now = NOW
    user, headers = await member(env)
    await add_alerts(
        env.sessionmaker,
        user,
        [
            {"ts_ms": MS, "symbol": "AUSDT", "volume_usd": Decimal(300), "delta_pct": 1.0},
            {"ts_ms": MS + 1000, "symbol": "BUSDT", "volume_usd": Decimal(100), "delta_pct": 2.0},
            {"ts_ms": MS + 2000, "symbol": "CTRY", "volume_usd": None, "delta_pct": 4.0},
            {"ts_ms": MS + 3000, "symbol": "DUSDT", "kind": "above_max", "rule": "max 1",
             "volume_usd": None, "delta_pct": 9.0},
        ],
    )  # fmt: skip
    for scope in ("me", "global"):
        response = await env.client.get(
            f"{API}/stats", params={"days": 1, "scope": scope}, headers=headers
        )
        assert response.status_code == 200, response.text
        stats = response.json()
        assert stats["total"] == 3, scope  # the price alert is no spike
        assert stats["avg_volume_usd"] == 200.0, scope  # (300 + 100) / 2: unknown left out
        assert [t["symbol"] for t in stats["top_volume"]] == ["AUSDT", "BUSDT"], scope
        assert [t["symbol"] for t in stats["top_delta"]] == ["CTRY", "BUSDT", "AUSDT"], scope
        assert stats["top_delta"][0]["volume_usd"] is None, scope
