"""Price history in timeframes (``tf=1m|5m|15m|1h|4h|1d``) on SQLite and PostgreSQL: buckets
aggregated by the database (open of the first minute, close of the last, numeric extremes, sums,
complete only when every minute was), compared with a plain reference computed here; cursor
pages that neither repeat nor skip a bucket; the CSV export in the same buckets; 422 for an
unknown timeframe."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

import wickwatch.pricealerts.service as price_service
from tests.api.kit import API, Env
from tests.seed import add_rows, candle_row, member
from wickwatch.storage.models import PriceCandle1m

URL = f"{API}/price-alerts"
DAY_MS = 86_400_000
T0 = 1_773_100_800_000  # a UTC midnight
TF_MS = {"5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": DAY_MS}


def minutes() -> list[PriceCandle1m]:
    """Three days of minutes with holes, one incomplete minute, prices around 10 (so that text
    order, "9.5" > "10.25", differs from numeric order) and volumes whose sums are short."""
    rows = []
    for i in range(0, 3 * 1440, 3):  # every 3rd minute: buckets hold varying counts
        if 600 <= i < 900:  # a five-hour hole
            continue
        price = Decimal(9) + Decimal((i * 37) % 250) / 100  # 9.00 … 11.49
        rows.append(
            candle_row(
                T0 + i * 60_000,
                str(price),
                open=price - Decimal("0.01"),
                high=price + Decimal(i % 5) / 4,
                low=price - Decimal(i % 3) / 8,
                volume=Decimal((i % 4) + 1) / 10,
                quote_volume=Decimal((i % 9) + 1) / 100,
                trades=i % 6 + 1,
                complete=i != 1443,
            )
        )
    return rows


def reference(rows: list[PriceCandle1m], tf_ms: int) -> list[dict[str, Any]]:
    """The buckets, oldest first, computed plainly."""
    buckets: dict[int, list[PriceCandle1m]] = {}
    for row in sorted(rows, key=lambda r: r.ts_ms):
        buckets.setdefault(row.ts_ms - row.ts_ms % tf_ms, []).append(row)
    return [
        {
            "t": t,
            "o": str(group[0].open),
            "h": str(max(r.high for r in group)),
            "l": str(min(r.low for r in group)),
            "c": str(group[-1].close),
            "v": str(sum((r.volume for r in group), Decimal(0))),
            "qv": str(sum((r.quote_volume for r in group), Decimal(0))),
            "n": sum(r.trades for r in group),
            "complete": all(r.complete for r in group),
        }
        for t, group in sorted(buckets.items())
    ]


def normal(candle: dict[str, Any]) -> dict[str, Any]:
    """Decimal text compared by value ("0.30" == "0.3")."""
    return {
        k: (str(Decimal(v).normalize()) if k in {"o", "h", "l", "c", "v", "qv"} else v)
        for k, v in candle.items()
    }


async def setup(env: Env) -> tuple[dict[str, str], int, list[PriceCandle1m]]:
    _, headers = await member(env)
    rows = minutes()
    await add_rows(env.sessionmaker, rows)
    created = await env.client.post(URL, json={"coin": "BTC", "max_price": "1000"}, headers=headers)
    assert created.status_code == 201, created.text
    return headers, created.json()["id"], minutes()


@pytest.mark.parametrize("tf", ["5m", "15m", "1h", "4h", "1d"])
async def test_history_pages_in_a_timeframe(env: Env, tf: str) -> None:
    headers, alert_id, rows = await setup(env)
    expected = [normal(c) for c in reversed(reference(rows, TF_MS[tf]))]
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"tf": tf, "limit": 7}
    while True:
        response = await env.client.get(f"{URL}/{alert_id}/history", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["interval_s"] == TF_MS[tf] // 1000
        seen.extend(normal(c) for c in page["candles"])
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == expected
    # the text-versus-number trap is really in the data: a text MAX would pick another high
    assert any(
        max(str(r.high) for r in rows if r.ts_ms - r.ts_ms % TF_MS[tf] == c["t"])
        != str(max(r.high for r in rows if r.ts_ms - r.ts_ms % TF_MS[tf] == c["t"]))
        for c in reference(rows, TF_MS[tf])
    )


async def test_a_range_selects_buckets_by_their_start(env: Env) -> None:
    headers, alert_id, rows = await setup(env)
    hourly = reference(rows, 3_600_000)
    # from inside the 2nd hour to inside the 5th: buckets starting at hours 2, 3 and 4
    params = {"tf": "1h", "from_ms": T0 + 3_600_000 + 1, "to_ms": T0 + 4 * 3_600_000 + 5}
    page = (
        await env.client.get(f"{URL}/{alert_id}/history", params=params, headers=headers)
    ).json()
    assert [c["t"] for c in page["candles"]] == [T0 + h * 3_600_000 for h in (4, 3, 2)]
    by_start = {c["t"]: normal(c) for c in hourly}
    assert [normal(c) for c in page["candles"]] == [by_start[c["t"]] for c in page["candles"]]


async def test_one_minute_is_the_stored_history(env: Env) -> None:
    headers, alert_id, rows = await setup(env)
    page = (
        await env.client.get(
            f"{URL}/{alert_id}/history", params={"tf": "1m", "limit": 3}, headers=headers
        )
    ).json()
    assert page["interval_s"] == 60
    newest = sorted(rows, key=lambda r: r.ts_ms)[-3:][::-1]
    assert [c["t"] for c in page["candles"]] == [r.ts_ms for r in newest]
    assert [c["o"] for c in page["candles"]] == [str(r.open) for r in newest]
    default = (await env.client.get(f"{URL}/{alert_id}/history", headers=headers)).json()
    assert default["interval_s"] == 60


async def test_csv_export_honours_the_timeframe(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(price_service, "CSV_CHUNK", 5)  # several chunks of buckets
    headers, alert_id, rows = await setup(env)
    response = await env.client.get(
        f"{URL}/{alert_id}/history.csv", params={"tf": "4h"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert "-4h.csv" in response.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(response.text)))
    expected = reference(rows, 14_400_000)
    assert [int(line["ts_ms"]) for line in lines] == [c["t"] for c in expected]
    for line, want in zip(lines, expected, strict=True):
        got = {
            "t": int(line["ts_ms"]),
            "o": line["open"],
            "h": line["high"],
            "l": line["low"],
            "c": line["close"],
            "v": line["volume"],
            "qv": line["quote_volume"],
            "n": int(line["trades"]),
            "complete": line["complete"] == "true",
        }
        assert normal(got) == normal(want)


async def test_market_candles_in_a_timeframe(env: Env) -> None:
    headers, _, rows = await setup(env)
    params: dict[str, Any] = {
        "exchange": "binance",
        "market": "spot",
        "symbol": "BTCUSDT",
        "tf": "1d",
        "from_ms": T0,
        "to_ms": T0 + 3 * DAY_MS,
    }
    body = (await env.client.get(f"{API}/candles", params=params, headers=headers)).json()
    assert body["interval_s"] == 86_400
    assert [normal(c) for c in body["candles"]] == [normal(c) for c in reference(rows, DAY_MS)]
    incomplete = [c["t"] for c in body["candles"] if not c["complete"]]
    assert incomplete == [T0 + DAY_MS]  # minute 1443 is in the second day

    too_long = {**params, "tf": "1h", "to_ms": T0 + 500 * DAY_MS}
    refused = await env.client.get(f"{API}/candles", params=too_long, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "query.to_ms"


async def test_an_unknown_timeframe_is_a_422(env: Env) -> None:
    headers, alert_id, _ = await setup(env)
    for url, params in (
        (f"{URL}/{alert_id}/history", {"tf": "2m"}),
        (f"{URL}/{alert_id}/history.csv", {"tf": "1w"}),
        (f"{API}/candles", {"exchange": "binance", "market": "spot", "symbol": "X", "tf": "1M"}),
    ):
        response = await env.client.get(url, params=params, headers=headers)
        assert response.status_code == 422, (url, response.text)
        fields = [d["field"] for d in response.json()["error"]["details"]]
        assert "query.tf" in fields
