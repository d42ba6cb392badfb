"""Bodies of ``/api/v1/price-alerts``.

Prices are exact decimals: send them as JSON strings (``"65000.5"``) or numbers; they come back
as strings. Rules checked on every create and change (422 naming the field): at least one of
``min_price`` / ``max_price``, both positive, ``min_price < max_price``, ``hysteresis_pct`` 0–50.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wickwatch.api.numbers import DecimalText
from wickwatch.detection.schemas import Exchange, Market
from wickwatch.markets.schemas import CANDLE_EXAMPLE, SYMBOL_PATTERN, CandlePublic

Price = Annotated[
    Decimal,
    Field(gt=0, le=Decimal("1e15"), max_digits=38, decimal_places=18, allow_inf_nan=False),
]
Coin = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,32}$", description="Base coin: `BTC`.")]
Hysteresis = Annotated[
    float,
    Field(
        ge=0.0,
        le=50.0,
        description="After firing, the price must come back this many percent inside the band "
        "before the alert can fire again.",
    ),
]
SymbolField = Annotated[
    str,
    Field(
        pattern=SYMBOL_PATTERN,
        description="The exact symbol to watch; default the coin's USDT pair of the exchange.",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PriceAlertCreate(_Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"coin": "BTC", "min_price": "90000", "max_price": "110000"}]
        },
    )

    coin: Coin
    exchange: Exchange = "binance"
    market: Market = "spot"
    symbol: SymbolField | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    hysteresis_pct: Hysteresis = 0.5
    is_enabled: bool = True

    @field_validator("coin")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class PriceAlertUpdate(_Strict):
    """Only the fields sent change; `null` removes a bound (one must remain). Changing the coin
    or exchange/market without a `symbol` resolves the symbol again."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"max_price": "120000"}]}
    )

    coin: Coin | None = None
    exchange: Exchange | None = None
    market: Market | None = None
    symbol: SymbolField | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    hysteresis_pct: Hysteresis | None = None
    is_enabled: bool | None = None

    @field_validator("coin")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


class PriceAlertPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "coin": "BTC",
                    "exchange": "binance",
                    "market": "spot",
                    "symbol": "BTCUSDT",
                    "min_price": "90000",
                    "max_price": "110000",
                    "hysteresis_pct": 0.5,
                    "state": "inside",
                    "is_enabled": True,
                    "last_triggered_at": None,
                    "deleted_at": None,
                    "created_at": "2026-01-01T00:00:00Z",
                    "current_price": "101234.5",
                    "current_price_ms": 1767225600000,
                }
            ]
        }
    )

    id: int
    coin: str
    exchange: str
    market: str
    symbol: str
    min_price: DecimalText | None
    max_price: DecimalText | None
    hysteresis_pct: float
    state: str = Field(description="`inside`, `above` or `below` the band.")
    is_enabled: bool
    last_triggered_at: datetime | None
    deleted_at: datetime | None = Field(description="Set while deleted (restorable).")
    created_at: datetime
    current_price: DecimalText | None = Field(description="Latest known price of the symbol.")
    current_price_ms: int | None = Field(description="When that price was current (epoch ms).")


class PriceHistoryPage(BaseModel):
    """1-minute candles of the watched symbol, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "exchange": "binance",
                    "market": "spot",
                    "symbol": "BTCUSDT",
                    "interval_s": 60,
                    "candles": [CANDLE_EXAMPLE],
                    "next_cursor": "aDoxNzY3MjI1NTQwMDAw",
                    "limit": 1,
                }
            ]
        }
    )

    exchange: str
    market: str
    symbol: str
    interval_s: int = 60
    candles: list[CandlePublic] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )
    limit: int
