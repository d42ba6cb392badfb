"""Alert message templates: the placeholder set, validation, and rendering of an alert draft.

A template is plain text with ``{placeholder}`` fields (``{{`` / ``}}`` for literal braces).
Only the names in :data:`PLACEHOLDERS` are allowed, without format specs or conversions, so a
template can never reach into Python objects (``{symbol.__class__}`` is rejected).
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

PLACEHOLDERS: tuple[str, ...] = (
    "delta_formatted",
    "direction",
    "exchange_market",
    "exchange_market_short",
    "symbol",
    "volume_formatted",
    "wick_formatted",
    "time",
    "timestamp",
    "price",
    "strategy",
    "series_count",
    "folded_count",
    "link",
)
_KNOWN = frozenset(PLACEHOLDERS)

DEFAULT_TEMPLATE = (
    "{exchange_market_short} {symbol} {delta_formatted} {direction} · wick {wick_formatted} · "
    "vol {volume_formatted} · {price} · {time}"
)

EXCHANGE_NAMES = {
    "binance": "Binance",
    "bybit": "Bybit",
    "okx": "OKX",
    "bitget": "Bitget",
    "gate": "Gate",
    "hyperliquid": "Hyperliquid",
}
EXCHANGE_SHORT = {
    "binance": "BN",
    "bybit": "BB",
    "okx": "OKX",
    "bitget": "BG",
    "gate": "GT",
    "hyperliquid": "HL",
}


def validate_template(template: str) -> str:
    """Return ``template`` if it only uses known placeholders, else raise ``ValueError`` naming
    the offending placeholder."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"malformed template ({exc}); write {{{{ and }}}} for braces") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in _KNOWN:
            raise ValueError(
                f"unknown placeholder {{{field}}}; known: "
                + " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            )
        if spec or conversion:
            raise ValueError(f"placeholder {{{field}}} takes no format spec or conversion")
    return template


class _Alert(Protocol):
    @property
    def exchange(self) -> str: ...
    @property
    def market(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def base(self) -> str: ...
    @property
    def quote(self) -> str: ...
    @property
    def ts_ms(self) -> int: ...
    @property
    def direction(self) -> str: ...
    @property
    def delta_pct(self) -> float: ...
    @property
    def wick_pct(self) -> float: ...
    @property
    def volume_usd(self) -> float | None: ...
    @property
    def price(self) -> float: ...
    @property
    def strategy(self) -> str | None: ...
    @property
    def series_count(self) -> int: ...
    @property
    def folded_count(self) -> int: ...


def format_volume(usd: float | None) -> str:
    if usd is None:
        return "n/a"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if usd >= limit:
            return f"${usd / limit:.2f}{suffix}"
    return f"${usd:.0f}"


def format_price(price: float) -> str:
    return f"{price:.10g}"


def chart_link(exchange: str, market: str, symbol: str, base: str, quote: str) -> str:
    """A web page of the pair on its exchange (best effort; empty when unknown)."""
    futures = market == "futures"
    if exchange == "binance":
        if futures:
            return f"https://www.binance.com/en/futures/{symbol}"
        return f"https://www.binance.com/en/trade/{base}_{quote}?type=spot"
    if exchange == "bybit":
        kind = "usdt" if futures else "spot"
        path = symbol if futures else f"{base}/{quote}"
        return f"https://www.bybit.com/trade/{kind}/{path}"
    if exchange == "okx":
        kind = "trade-swap" if futures else "trade-spot"
        return f"https://www.okx.com/{kind}/{symbol.lower()}"
    if exchange == "bitget":
        kind = "futures/usdt" if futures else "spot"
        return f"https://www.bitget.com/{kind}/{base}{quote}"
    if exchange == "gate":
        kind = "futures/USDT" if futures else "trade"
        return f"https://www.gate.io/{kind}/{base}_{quote}"
    if exchange == "hyperliquid":
        return f"https://app.hyperliquid.xyz/trade/{base}"
    return ""


def render(alert: _Alert, template: str, timezone: str = "UTC") -> str:
    """The message text of an alert (``template`` must have passed :func:`validate_template`)."""
    when = datetime.fromtimestamp(alert.ts_ms / 1000.0, tz=UTC)
    local = when.astimezone(ZoneInfo(timezone))
    sign = "+" if alert.direction == "up" else "-"
    values = {
        "delta_formatted": f"{sign}{alert.delta_pct:.2f}%",
        "direction": alert.direction,
        "exchange_market": f"{EXCHANGE_NAMES.get(alert.exchange, alert.exchange)} "
        f"{alert.market.capitalize()}",
        "exchange_market_short": f"{EXCHANGE_SHORT.get(alert.exchange, alert.exchange)}-"
        f"{'F' if alert.market == 'futures' else 'S'}",
        "symbol": alert.symbol,
        "volume_formatted": format_volume(alert.volume_usd),
        "wick_formatted": f"{alert.wick_pct:.1f}%",
        "time": local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "price": format_price(alert.price),
        "strategy": alert.strategy or "",
        "series_count": str(alert.series_count),
        "folded_count": str(alert.folded_count),
        "link": chart_link(alert.exchange, alert.market, alert.symbol, alert.base, alert.quote),
    }
    return template.format_map(values)
