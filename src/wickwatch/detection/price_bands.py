"""Price-band alerts: tell a user when a coin's price leaves the band they set.

A band watches one market (default: the coin against USDT on Binance spot, ``BTC`` →
``binance``/``spot``/``BTCUSDT``; or a chosen exchange/market/symbol) with an optional
``min_price`` and/or ``max_price``. Evaluated on every closed 1-second candle of that market:

* inside → ``above_max`` when the candle's **high** ``>= max_price`` (a wick counts: the live price
  did leave the band), or ``below_min`` when its **low** ``<= min_price``;
* above → re-armed (inside) only when the **close** is back below
  ``max × (1 - hysteresis_pct/100)``; below → re-armed when the close is above
  ``min × (1 + hysteresis_pct/100)`` (strictly: with no hysteresis a price resting on the edge is
  not a new crossing each second); a band narrower than that re-arms at its middle;
* above → ``below_min`` directly if the low reaches ``min_price`` (it crossed the whole band), and
  below → ``above_max`` likewise.

One transition per candle at most (if one candle spans the whole band from inside, ``above_max``
wins). So each crossing fires once and noise around a boundary does not repeat it. An incomplete
candle (the first after a start, one in a gap) can fire — its prices are real trades: missing ones
can hide a crossing, never invent one — but never re-arms, as its close may not be the last
price. A new band starts ``inside``: if the price is already outside it fires on the next
candle. The state is exposed (:meth:`PriceBandMonitor.state_of`, and every change in order in
:attr:`PriceBandMonitor.transitions`) so it can be persisted (``price_alerts.state``) and
restored with :meth:`PriceBandMonitor.set_band`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wickwatch.detection.schemas import Exchange, Market
from wickwatch.market.types import Candle, Instrument

INSIDE = "inside"
ABOVE = "above"
BELOW = "below"
ABOVE_MAX = "above_max"
BELOW_MIN = "below_min"

_PREFERRED_QUOTES = ("USDT", "USDC", "USD", "FDUSD")
INF = float("inf")


class PriceBand(BaseModel):
    """A user's band on one coin (API / storage shape)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"coin": "BTC", "min_price": 90000, "max_price": 110000}]},
    )

    coin: str = Field("BTC", min_length=1, max_length=32)
    exchange: Exchange = "binance"
    market: Market = "spot"
    symbol: str | None = Field(None, max_length=64, description="None = resolved from coin.")
    min_price: float | None = Field(None, gt=0.0)
    max_price: float | None = Field(None, gt=0.0)
    hysteresis_pct: float = Field(0.5, ge=0.0, le=50.0)
    enabled: bool = True

    @field_validator("coin")
    @classmethod
    def _coin(cls, value: str) -> str:
        return value.strip().upper()

    @model_validator(mode="after")
    def _band(self) -> PriceBand:
        if self.min_price is None and self.max_price is None:
            raise ValueError("a price band needs min_price and/or max_price")
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price >= self.max_price
        ):
            raise ValueError(f"min_price {self.min_price} must be below max_price {self.max_price}")
        return self


def resolve_market(
    coin: str,
    exchange: str = "binance",
    market: str = "spot",
    symbol: str | None = None,
    instruments: Iterable[Instrument] = (),
) -> tuple[str, str, str]:
    """``(exchange, market, symbol)`` a band on ``coin`` watches (USDT pair by default)."""
    if symbol:
        return exchange, market, symbol
    coin = coin.upper()
    candidates = [
        i
        for i in instruments
        if i.exchange == exchange and i.market == market and i.base.upper() == coin and i.trading
    ]
    for quote in _PREFERRED_QUOTES:
        for inst in candidates:
            if inst.quote.upper() == quote:
                return exchange, market, inst.symbol
    if exchange in ("binance", "bybit", "bitget"):
        return exchange, market, f"{coin}USDT"
    if exchange == "okx":
        return exchange, market, f"{coin}-USDT-SWAP" if market == "futures" else f"{coin}-USDT"
    if exchange == "gate":
        return exchange, market, f"{coin}_USDT"
    if exchange == "hyperliquid" and market == "futures":
        return exchange, market, coin
    raise ValueError(f"cannot resolve {coin} on {exchange} {market} without its instrument list")


class PriceBandAlert(msgspec.Struct, frozen=True, gc=False):
    user_id: int
    band_id: int
    kind: str  #: ``above_max`` / ``below_min``
    coin: str
    exchange: str
    market: str
    symbol: str
    ts_ms: int
    price: float  #: the extreme that crossed (candle high for above_max, low for below_min)
    close: float
    threshold: float  #: the band edge crossed


class LatestPrices:
    """Last close of every market, from closed candles (a collector's own; the API reads it in
    the same process, or through Redis: :mod:`wickwatch.markets.latest`)."""

    __slots__ = ("_prices",)

    def __init__(self) -> None:
        self._prices: dict[tuple[str, str, str], tuple[float, int]] = {}

    def update(self, candle: Candle) -> None:
        self._prices[(candle.exchange, candle.market, candle.symbol)] = (candle.close, candle.ts_ms)

    def set(self, key: tuple[str, str, str], price: float, ts_ms: int) -> None:
        self._prices[key] = (price, ts_ms)

    def get(self, exchange: str, market: str, symbol: str) -> tuple[float, int] | None:
        """``(price, ts_ms)`` of the last close, or None if the market was not seen."""
        return self._prices.get((exchange, market, symbol))

    async def fetch(self, exchange: str, market: str, symbol: str) -> tuple[float, int] | None:
        """:meth:`get`, for sources that may have to ask elsewhere first (Redis)."""
        return self.get(exchange, market, symbol)

    def forget(self, key: tuple[str, str, str]) -> None:
        self._prices.pop(key, None)

    def drop_feed(self, exchange: str, market: str) -> None:
        """Forget one feed's prices: this process no longer collects it (another collector
        took it over), so what it has is frozen and must not be written anywhere as live."""
        for key in [k for k in self._prices if k[0] == exchange and k[1] == market]:
            del self._prices[key]

    def items(self) -> list[tuple[tuple[str, str, str], tuple[float, int]]]:
        """A snapshot of every ``((exchange, market, symbol), (price, ts_ms))``."""
        return list(self._prices.items())

    def __len__(self) -> int:
        return len(self._prices)


class _Band:
    __slots__ = ("band", "band_id", "key", "rearm_high", "rearm_low", "state", "user_id")

    def __init__(
        self, user_id: int, band_id: int, band: PriceBand, key: tuple[str, str, str], state: str
    ) -> None:
        self.user_id = user_id
        self.band_id = band_id
        self.band = band
        self.key = key
        self.state = state
        h = band.hysteresis_pct / 100.0
        hi, lo = band.max_price, band.min_price
        self.rearm_high = INF if hi is None else hi * (1.0 - h)
        self.rearm_low = -INF if lo is None else lo * (1.0 + h)
        if hi is not None and lo is not None:
            # A band narrower than its hysteresis (0.999–1.001 with 0.5 %) would re-arm only
            # beyond its other edge, i.e. never while inside: it re-arms at its middle instead.
            middle = (hi + lo) / 2.0
            self.rearm_high = max(self.rearm_high, middle)
            self.rearm_low = min(self.rearm_low, middle)


class PriceBandMonitor:
    """Every user's bands, indexed by the market they watch."""

    def __init__(self, prices: LatestPrices | None = None) -> None:
        self.prices = prices if prices is not None else LatestPrices()
        self._by_market: dict[tuple[str, str, str], dict[int, _Band]] = {}
        self._bands: dict[int, _Band] = {}
        #: Every state change since the owner last cleared it, in order: ``(band_id, new
        #: state, the alert)`` — the alert for a crossing, None for a re-arm.
        self.transitions: list[tuple[int, str, PriceBandAlert | None]] = []

    def __len__(self) -> int:
        return len(self._bands)

    def set_band(
        self,
        user_id: int,
        band_id: int,
        band: PriceBand,
        *,
        state: str = INSIDE,
        instruments: Iterable[Instrument] = (),
    ) -> tuple[str, str, str]:
        """Add or replace a band (``state`` restores a persisted one); returns the watched
        market. A disabled band is removed."""
        self.remove_band(band_id)
        key = resolve_market(band.coin, band.exchange, band.market, band.symbol, instruments)
        if band.enabled:
            if state not in (INSIDE, ABOVE, BELOW):
                raise ValueError(f"unknown band state {state!r}")
            entry = _Band(user_id, band_id, band, key, state)
            self._bands[band_id] = entry
            self._by_market.setdefault(key, {})[band_id] = entry
        return key

    def remove_band(self, band_id: int) -> None:
        entry = self._bands.pop(band_id, None)
        if entry is not None:
            bands = self._by_market[entry.key]
            del bands[band_id]
            if not bands:
                del self._by_market[entry.key]

    def remove_user(self, user_id: int) -> None:
        for band_id in [b for b, e in self._bands.items() if e.user_id == user_id]:
            self.remove_band(band_id)

    def state_of(self, band_id: int) -> str | None:
        entry = self._bands.get(band_id)
        return None if entry is None else entry.state

    def on_candle(self, c: Candle) -> list[PriceBandAlert]:
        self.prices.update(c)
        bands = self._by_market.get((c.exchange, c.market, c.symbol))
        if bands is None:
            return []
        # Every price of an incomplete candle (a start, a gap) is a real trade: missing trades
        # can hide a crossing, never invent one. Only its close may be stale: no re-arm by it.
        complete = c.complete
        out: list[PriceBandAlert] = []
        for entry in bands.values():
            band = entry.band
            hi_edge = band.max_price
            lo_edge = band.min_price
            state = entry.state
            kind = ""
            if state != ABOVE and hi_edge is not None and c.high >= hi_edge:
                kind, price, edge, entry.state = ABOVE_MAX, c.high, hi_edge, ABOVE
            elif state != BELOW and lo_edge is not None and c.low <= lo_edge:
                kind, price, edge, entry.state = BELOW_MIN, c.low, lo_edge, BELOW
            elif complete and (
                (state == ABOVE and c.close < entry.rearm_high)
                or (state == BELOW and c.close > entry.rearm_low)
            ):
                entry.state = INSIDE
                self.transitions.append((entry.band_id, INSIDE, None))
            if kind:
                alert = PriceBandAlert(
                    user_id=entry.user_id,
                    band_id=entry.band_id,
                    kind=kind,
                    coin=band.coin,
                    exchange=c.exchange,
                    market=c.market,
                    symbol=c.symbol,
                    ts_ms=c.ts_ms,
                    price=price,
                    close=c.close,
                    threshold=edge,
                )
                out.append(alert)
                self.transitions.append((entry.band_id, entry.state, alert))
        return out
