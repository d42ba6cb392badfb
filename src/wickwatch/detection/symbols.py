"""Which base and quote a symbol is: from the venue's instrument list, else from its spelling.

Candles carry the symbol as the exchange writes it (``BTCUSDT``, ``BTC-USDT-SWAP``, ``BTC_USDT``,
Hyperliquid ``BTC``). Detection needs the quote (threshold groups, USD conversion) and the base
(blacklists, overrides by coin). :class:`SymbolResolver` asks the :class:`Instrument` list first
(exact, and the only way to read Hyperliquid spot ``@107``); without one it splits the text with
:func:`split_symbol`, which knows the venues' conventions and the common quote suffixes. A symbol
that cannot be split gets quote ``""``: it still matches wildcard-quote groups, its USD volume is
unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from wickwatch.market.types import Instrument

#: Quotes worth 1 USD (stablecoins and USD itself). Volume in these is taken as USD at face value.
STABLE_QUOTES: frozenset[str] = frozenset(
    {
        "USDT",
        "USDC",
        "FDUSD",
        "TUSD",
        "DAI",
        "USD",
        "BUSD",
        "USDE",
        "USDP",
        "PYUSD",
        "USD1",
        "RLUSD",
        "USDD",
        "USDS",
        "USDG",
        "USDQ",
    }
)

#: Quote suffixes tried, longest first, on symbols written without a separator (``ETHBTC``).
KNOWN_QUOTES: tuple[str, ...] = tuple(
    sorted(
        STABLE_QUOTES
        | {
            "BTC",
            "ETH",
            "BNB",
            "EUR",
            "TRY",
            "BRL",
            "GBP",
            "AUD",
            "JPY",
            "RUB",
            "UAH",
            "ZAR",
            "PLN",
            "ARS",
            "IDR",
            "MXN",
            "COP",
            "CZK",
            "RON",
            "SOL",
            "XRP",
            "DOGE",
            "TRX",
            "DOT",
        },
        key=lambda q: (-len(q), q),
    )
)

_BYBIT_USDC_PERP_SUFFIX = "PERP"

# ``1000PEPE``, ``1000000MOG``, ``1MBABYDOGE``, ``SHIB1000``: a contract or spot line quoted per
# thousand (million) coins. Hyperliquid writes ``kPEPE`` (lowercase k: a capital K starts names
# such as KAVA, so only the lowercase one is read as the multiplier).
_MULTIPLIER_PREFIX = re.compile(r"^(?:10{3,}|1M)(?=[A-Z]{2})")
_MULTIPLIER_SUFFIX = re.compile(r"(?<=[A-Z]{2})10{3,}$")
_KILO_PREFIX = re.compile(r"^k(?=[A-Z]{2})")


def _strip_quote(text: str) -> tuple[str, str]:
    upper = text.upper()
    for quote in KNOWN_QUOTES:
        if len(upper) > len(quote) and upper.endswith(quote):
            return text[: len(text) - len(quote)], quote
    return text, ""


def split_symbol(exchange: str, market: str, symbol: str) -> tuple[str, str]:
    """``(base, quote)`` guessed from the spelling; quote ``""`` when it cannot be told.

    ``BTC-USDT-SWAP`` → (BTC, USDT); ``BTC_USDT`` → (BTC, USDT); ``PURR/USDC`` → (PURR, USDC);
    ``BTCUSD_PERP`` → (BTC, USD); ``ETHBTC`` → (ETH, BTC); Hyperliquid perp ``BTC`` → (BTC, USDC);
    Bybit USDC perp ``BTCPERP`` → (BTC, USDC).
    """
    if exchange == "hyperliquid" and market == "futures" and not any(s in symbol for s in "-_/"):
        return symbol, "USDC"
    for sep in ("/", "-", "_"):
        if sep in symbol:
            parts = symbol.split(sep)
            second = parts[1].upper()
            if second in KNOWN_QUOTES or (second.isalpha() and len(parts) == 2 and sep != "_"):
                return parts[0], second
            # ``BTCUSDT_UMCBL`` / ``BTCUSD_240927``: the first part carries base and quote.
            return _strip_quote(parts[0])
    if exchange == "bybit" and symbol.upper().endswith(_BYBIT_USDC_PERP_SUFFIX) and len(symbol) > 4:
        return symbol[:-4], "USDC"
    return _strip_quote(symbol)


def coin_name(base: str) -> str:
    """The coin a venue's base stands for, upper case: ``1000PEPE``, ``1MBABYDOGE``,
    ``SHIB1000`` and Hyperliquid's ``kPEPE`` → ``PEPE`` …; anything else as it is.

    Used only to match a user's coin or pair references (``PEPE`` covers ``1000PEPEUSDT``),
    never for prices: such a line's price is per thousand (million) coins.
    """
    text = _KILO_PREFIX.sub("", base).upper()
    return _MULTIPLIER_SUFFIX.sub("", _MULTIPLIER_PREFIX.sub("", text))


class SymbolResolver:
    """``(exchange, market, symbol)`` → ``(base, quote)``, instruments first, spelling second."""

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._known: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.add_instruments(instruments)

    def add_instruments(self, instruments: Iterable[Instrument]) -> None:
        for inst in instruments:
            self._known[(inst.exchange, inst.market, inst.symbol)] = (
                inst.base.upper(),
                inst.quote.upper(),
            )

    def resolve(self, exchange: str, market: str, symbol: str) -> tuple[str, str]:
        known = self._known.get((exchange, market, symbol))
        if known is not None:
            return known
        base, quote = split_symbol(exchange, market, symbol)
        return base.upper(), quote.upper()
