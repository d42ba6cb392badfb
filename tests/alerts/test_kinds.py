"""``/alerts`` shows what kind of alert it is and an unknown USD volume as null (never 0)."""

from __future__ import annotations

from decimal import Decimal

from tests.api.kit import API, Env
from tests.seed import BASE_MS, add_alerts, member


async def test_kind_and_unknown_volume(env: Env) -> None:
    user, headers = await member(env)
    await add_alerts(
        env.sessionmaker,
        user,
        [
            {"ts_ms": BASE_MS, "symbol": "ETHTRY", "quote": "TRY", "volume_usd": None},
            {"ts_ms": BASE_MS + 1000, "kind": "below_min", "rule": "min 60000",
             "direction": "down", "volume_usd": None},
            {"ts_ms": BASE_MS + 2000, "volume_usd": Decimal("2500.5")},
        ],
    )  # fmt: skip
    response = await env.client.get(f"{API}/alerts", headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]  # newest first
    assert [(a["kind"], a["volume_usd"]) for a in items] == [
        ("spike", "2500.5"),
        ("below_min", None),
        ("spike", None),
    ]
    assert items[1]["rule"] == "min 60000"
    filtered = await env.client.get(
        f"{API}/alerts", params={"min_volume_usd": "0"}, headers=headers
    )
    assert [a["volume_usd"] for a in filtered.json()["items"]] == ["2500.5"]
