"""The user settings document: every rule a user has, as one validated JSON document.

One document per user, stored whole (``user_settings.document``), returned and accepted whole by
the API, readable by ``wickwatch replay --settings FILE``. ``UserSettings()`` is a working
document for a new user. Validation errors name the field (pydantic's ``loc``) and, for list
items, say which item and why (``thresholds[2] duplicates thresholds[0] …``, ``unknown
placeholder {foo} …``).

How the document is applied is described in ``docs/detection.md``; the short version:

* ``switches`` — master switch per exchange × market; off means nothing from that feed.
* ``thresholds`` — groups per exchange × market × quote (``"*"`` = any). For a symbol, the most
  specific group wins: a named quote beats ``*``, then a named exchange, then a named market.
  A group with ``enabled: false`` mutes what it covers.
* ``overrides`` — per symbol (``ETHUSDT@binance_futures``), pair (``ETHUSDT``, every feed) or
  coin (``ETH``, every market): replace the group's thresholds; symbol beats pair beats coin.
  ``enabled: false`` mutes the symbol. Of two spellings of one symbol, the first listed counts.
* ``blacklist`` / ``whitelist`` — by coin, pair or full symbol, applied to every alert of the
  user. Any venue's spelling names the same symbol (see :func:`symbol_ref_tokens`).
* ``cooldown_s`` — per user × symbol × alert source (the threshold path, each strategy).
* ``strategies`` — named AND-ed conditions with their own destinations/template.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from wickwatch.detection.symbols import coin_name, split_symbol
from wickwatch.notify.templates import DEFAULT_TEMPLATE, validate_template

EXCHANGES: tuple[str, ...] = ("binance", "bybit", "okx", "bitget", "gate", "hyperliquid")
MARKETS: tuple[str, ...] = ("spot", "futures")
#: ``<exchange>_<market>`` names, as used in full symbols (``ETHUSDT@binance_futures``).
EXCHANGE_MARKETS: tuple[str, ...] = tuple(f"{e}_{m}" for e in EXCHANGES for m in MARKETS)

Exchange = Literal["binance", "bybit", "okx", "bitget", "gate", "hyperliquid"]
Market = Literal["spot", "futures"]
Channel = Literal["telegram", "email", "webhook", "browser"]
DirectionName = Literal["up", "down"]
ExchangeMarket = Literal[
    "binance_spot",
    "binance_futures",
    "bybit_spot",
    "bybit_futures",
    "okx_spot",
    "okx_futures",
    "bitget_spot",
    "bitget_futures",
    "gate_spot",
    "gate_futures",
    "hyperliquid_spot",
    "hyperliquid_futures",
]
WILDCARD: Final = "*"

_MAX_REF_LEN = 64


def normalize_symbol_ref(value: str) -> str:
    """A coin (``btc`` → ``BTC``) or a full symbol (``ethusdt@binance_futures`` →
    ``ETHUSDT@binance_futures``); raises ``ValueError`` saying what is wrong."""
    text = value.strip()
    if not text:
        raise ValueError("empty coin/symbol")
    if len(text) > _MAX_REF_LEN or any(ch.isspace() for ch in text):
        raise ValueError(f"{value!r} is not a coin or symbol (no spaces, at most 64 characters)")
    if ("@" in text and not text.startswith("@")) or text.count("@") >= 2:
        symbol, _, where = text.rpartition("@")
        where = where.lower()
        if where not in EXCHANGE_MARKETS:
            raise ValueError(
                f"{value!r}: unknown exchange_market {where!r}; "
                f"write SYMBOL@exchange_market, e.g. ETHUSDT@binance_futures "
                f"(one of {', '.join(EXCHANGE_MARKETS)})"
            )
        if not symbol:
            raise ValueError(f"{value!r}: symbol missing before '@'")
        return _at_most_64(value, f"{symbol.upper()}@{where}")
    return _at_most_64(value, text.upper())


def _checked_symbol_ref(value: str, info: ValidationInfo) -> str:
    """:func:`normalize_symbol_ref`, and — for what is being saved, not for documents saved
    before these checks — refusing references that can name no market."""
    ref = normalize_symbol_ref(value)
    if _stored(info):
        return ref
    symbol, at, where = ref.rpartition("@")
    if not at or not symbol:
        if ref[1:].isdigit():  # "@107": a Hyperliquid spot pair's index, not a coin
            raise ValueError(f"{value!r} is a Hyperliquid spot pair: write {ref}@hyperliquid_spot")
    elif where == "hyperliquid_futures":
        _usdc_quoted(value, symbol)
    return ref


def _stored(info: ValidationInfo) -> bool:
    """Validating a document read back from the database (:func:`stored_settings`)."""
    return bool(info.context and info.context.get("stored"))


def _usdc_quoted(value: str, symbol: str) -> None:
    """Hyperliquid perpetuals are all quoted in USDC: ``BTCUSDT@hyperliquid_futures`` named no
    market and matched nothing (a blacklist entry that silently blocked nothing)."""
    for quote in ("USDT", "FDUSD", "BUSD", "TUSD"):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            coin = symbol[: -len(quote)].rstrip("-_/")
            raise ValueError(
                f"{value!r}: Hyperliquid perpetuals are quoted in USDC; write "
                f"{coin}@hyperliquid_futures or {coin}USDC@hyperliquid_futures"
            )


def _at_most_64(value: str, normalised: str) -> str:
    # Upper-casing may lengthen a string ("ß" → "SS"): a value longer than the limit once
    # normalised would be stored and then refused when the document is read again.
    if len(normalised) > _MAX_REF_LEN:
        raise ValueError(f"{value!r} is not a coin or symbol (at most 64 characters)")
    return normalised


#: A coin or full symbol, normalised; errors point at the list item (``blacklist.2``).
SymbolRef = Annotated[str, AfterValidator(_checked_symbol_ref)]


def symbol_ref_tokens(ref: str) -> tuple[str, ...]:
    """Matching tokens of a normalised reference (a candle's are
    :attr:`~wickwatch.detection.windows.SymbolState.tokens`), written in any venue's spelling:

    * ``SYMBOL@ex_mkt`` → ``s:PAIR@ex_mkt``, the pair as coin + quote, so
      ``BTCUSDT@okx_futures`` is OKX's ``BTC-USDT-SWAP`` and ``PEPEUSDT@binance_futures`` its
      ``1000PEPEUSDT`` (a spelling that cannot be split, Hyperliquid's ``@107``, is kept as is);
    * ``COIN`` → ``b:COIN`` (``1000PEPE`` is ``PEPE``), and when it reads as a pair (``BTCUSDT``,
      ``ETH/BTC``) also ``p:PAIR``: that pair on every venue.

    A candle matches a reference by at most one token (its tokens are distinct, and a coin
    token and a pair token cannot both name one candle), so a rule filed under each token of a
    reference is met once.
    """
    symbol, at, where = ref.rpartition("@")
    if at and symbol:
        exchange, _, market = where.partition("_")
        base, quote = split_symbol(exchange, market, symbol)
        if quote and len(base) > len(quote) and base.upper().endswith(quote.upper()):
            # a venue whose symbols are bare coins (Hyperliquid perpetuals: BTC) named as a
            # pair (BTCUSDC@hyperliquid_futures): the coin is what precedes the quote
            base = base[: -len(quote)]
        return (f"s:{coin_name(base)}{quote}@{where}" if quote else f"s:{symbol}@{where}",)
    coin = coin_name(ref)
    base, quote = split_symbol("", "", ref)
    if not quote or not base:
        return (f"b:{coin}",)
    return (f"b:{coin}", f"p:{coin_name(base)}{quote.upper()}")


#: The smallest move a rule may ask for (a smaller one would fire on flat candles).
MIN_DELTA_PCT = 0.01
#: Most rules one document may compile to (2,000 overrides alone are 48,000: about 2 s).
MAX_COMPILED_RULES = 50_000


class _Model(BaseModel):
    # No infinity or NaN (JSON has neither: stored, such a document could not be sent back).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False
    )


class MarketSwitch(_Model):
    """Master switch of one exchange's two markets."""

    spot: bool = True
    futures: bool = True


class MarketSwitches(_Model):
    """Master switches per exchange × market; off = no alerts at all from that feed."""

    binance: MarketSwitch = MarketSwitch()
    bybit: MarketSwitch = MarketSwitch()
    okx: MarketSwitch = MarketSwitch()
    bitget: MarketSwitch = MarketSwitch()
    gate: MarketSwitch = MarketSwitch()
    hyperliquid: MarketSwitch = MarketSwitch()

    def enabled(self, exchange: str, market: str) -> bool:
        switch = getattr(self, exchange, None)
        return bool(isinstance(switch, MarketSwitch) and getattr(switch, market, False))


class Thresholds(_Model):
    """What a window must reach to be a spike (every comparison is ``>=``)."""

    min_delta_pct: float = Field(
        3.0,
        ge=MIN_DELTA_PCT,
        le=1000.0,
        description="Minimum move from the window's open, percent.",
    )
    min_volume_usd: float = Field(
        0.0, ge=0.0, description="Minimum quote volume of the window, in USD (0 = no minimum)."
    )
    min_wick_pct: float = Field(
        0.0, ge=0.0, le=100.0, description="Minimum share of the range that is wick, percent."
    )
    window_s: int = Field(
        1, ge=1, le=60, description="Rolling window over the last N closed 1-second candles."
    )
    chart: bool = Field(True, description="Attach a chart to the alert.")


def _own_rules(strategy: Strategy, feeds: int) -> int:
    """How many rules a strategy on its own thresholds compiles to, at most (rules.py)."""
    for condition in strategy.conditions:
        if isinstance(condition, SymbolsCondition):
            tokens = {t for ref in condition.symbols for t in symbol_ref_tokens(ref)}
            return sum(1 if t.startswith("s:") else feeds for t in tokens)
    return feeds


class ThresholdGroup(Thresholds):
    """Thresholds for one exchange × market × quote (``*`` = any)."""

    name: str | None = Field(None, max_length=80, description="Label shown as the alert's rule.")
    exchange: Literal["binance", "bybit", "okx", "bitget", "gate", "hyperliquid", "*"] = WILDCARD
    market: Literal["spot", "futures", "*"] = WILDCARD
    quote: str = Field(WILDCARD, max_length=16, description="Quote currency (USDT, BTC…) or *.")
    enabled: bool = Field(True, description="false mutes everything this group covers.")

    @field_validator("quote")
    @classmethod
    def _quote(cls, value: str) -> str:
        if value == WILDCARD:
            return value
        quote = value.upper()  # checked as stored: upper-casing may lengthen it ("ß" → "SS")
        if not quote.isalnum() or len(quote) > 16:
            raise ValueError(
                f"quote {value!r} must be letters/digits (USDT, BTC), at most 16, or *"
            )
        return quote

    @property
    def label(self) -> str:
        return self.name or f"group {self.exchange}/{self.market}/{self.quote}"


class SymbolOverride(Thresholds):
    """Thresholds for one symbol (``ETHUSDT@binance_futures``) or one coin everywhere (``ETH``)."""

    symbol: SymbolRef = Field(
        description="Coin (ETH), pair on every feed (ETHUSDT) or full symbol "
        "(ETHUSDT@binance_futures, any venue's spelling)."
    )
    enabled: bool = Field(True, description="false mutes this symbol/coin.")

    @property
    def label(self) -> str:
        return f"override {self.symbol}"


def _default_channels() -> list[Channel]:
    return ["browser"]


# --- strategy conditions (AND-ed) -----------------------------------------------------------


class DeltaCondition(_Model):
    """The window's delta is within ``[min_pct, max_pct]`` (both inclusive, either optional)."""

    type: Literal["delta"] = "delta"
    min_pct: float | None = Field(None, ge=0.0, le=1000.0)
    max_pct: float | None = Field(None, ge=0.0)

    @model_validator(mode="after")
    def _range(self) -> DeltaCondition:
        if self.min_pct is None and self.max_pct is None:
            raise ValueError("a delta condition needs min_pct and/or max_pct")
        if self.min_pct is not None and self.max_pct is not None and self.min_pct > self.max_pct:
            raise ValueError(f"min_pct {self.min_pct} is above max_pct {self.max_pct}")
        return self


class VolumeCondition(_Model):
    """The window's USD volume is at least ``min_usd``."""

    type: Literal["volume"] = "volume"
    min_usd: float = Field(ge=0.0)


class WickCondition(_Model):
    """The window's wick share is at least ``min_pct``."""

    type: Literal["wick"] = "wick"
    min_pct: float = Field(ge=0.0, le=100.0)


class DirectionCondition(_Model):
    """Only moves in this direction."""

    type: Literal["direction"] = "direction"
    direction: DirectionName


class SymbolsCondition(_Model):
    """Only these coins / full symbols."""

    type: Literal["symbols"] = "symbols"
    symbols: list[SymbolRef] = Field(min_length=1, max_length=500)


class MarketsCondition(_Model):
    """Only these exchange × market feeds (``binance_futures``)."""

    type: Literal["markets"] = "markets"
    markets: list[ExchangeMarket] = Field(min_length=1)


class SeriesCondition(_Model):
    """At least ``count`` spikes of this symbol (matching this strategy's other conditions,
    this one included) within the last ``within_s`` seconds."""

    type: Literal["series"] = "series"
    count: int = Field(ge=1, le=1000)
    within_s: int = Field(ge=1, le=7 * 86400)


Condition = Annotated[
    DeltaCondition
    | VolumeCondition
    | WickCondition
    | DirectionCondition
    | SymbolsCondition
    | MarketsCondition
    | SeriesCondition,
    Field(discriminator="type"),
]


class Strategy(_Model):
    """A named set of AND-ed conditions with its own message and destinations.

    ``use_global_thresholds``: the user's groups/overrides must match too (their window size is
    used); otherwise the strategy stands alone on its conditions and ``window_s`` (it then needs a
    delta condition with ``min_pct``).
    """

    name: str = Field(min_length=1, max_length=80)
    enabled: bool = True
    use_global_thresholds: bool = True
    window_s: int = Field(1, ge=1, le=60, description="Window when not using global thresholds.")
    conditions: list[Condition] = Field(default_factory=list, max_length=32)
    template: str | None = Field(None, max_length=2000, description="None = the user's template.")
    destinations: list[Channel] = Field(default_factory=_default_channels, min_length=1)
    cooldown_s: int | None = Field(None, ge=0, le=86400, description="None = the user's.")
    chart: bool = True

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return None if value is None else validate_template(value)

    @model_validator(mode="after")
    def _own_needs_delta(self) -> Strategy:
        if not self.use_global_thresholds and not any(
            isinstance(c, DeltaCondition) and c.min_pct is not None and c.min_pct >= MIN_DELTA_PCT
            for c in self.conditions
        ):
            # (as a threshold group's min_delta_pct: a smaller one alerts on flat candles)
            raise ValueError(
                "conditions: a strategy with its own thresholds (use_global_thresholds=false) "
                f"needs a delta condition with min_pct >= {MIN_DELTA_PCT}"
            )
        return self


EXAMPLE: dict[str, Any] = {
    "enabled": True,
    "switches": {"hyperliquid": {"spot": False, "futures": True}},
    "thresholds": [
        {"exchange": "*", "market": "*", "quote": "*", "min_delta_pct": 3.0,
         "min_volume_usd": 20000, "min_wick_pct": 0, "window_s": 5, "chart": True},
        {"name": "BTC pairs", "exchange": "binance", "market": "spot", "quote": "BTC",
         "min_delta_pct": 2.0, "min_volume_usd": 5000, "window_s": 10},
    ],
    "overrides": [
        {"symbol": "BTCUSDT@binance_futures", "min_delta_pct": 0.8, "min_volume_usd": 1000000,
         "window_s": 3},
        {"symbol": "PEPE", "enabled": False},
    ],
    "blacklist": ["LUNA", "USTCUSDT@binance_spot"],
    "whitelist": None,
    "cooldown_s": 60,
    "strategies": [
        {
            "name": "Repeated dumps",
            "use_global_thresholds": False,
            "window_s": 10,
            "conditions": [
                {"type": "delta", "min_pct": 5},
                {"type": "direction", "direction": "down"},
                {"type": "volume", "min_usd": 100000},
                {"type": "series", "count": 3, "within_s": 3600},
            ],
            "template": "{symbol} dumped {delta_formatted} ({series_count} in 1h) {link}",
            "destinations": ["telegram"],
        }
    ],
    "timezone": "Europe/Berlin",
    "message_template": DEFAULT_TEMPLATE,
    "destinations": ["browser", "telegram"],
}  # fmt: skip


class UserSettings(_Model):
    """One user's whole rules document."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    schema_version: Literal[1] = 1
    enabled: bool = Field(True, description="Pause every spike alert of this user.")
    switches: MarketSwitches = MarketSwitches()
    thresholds: list[ThresholdGroup] = Field(
        default_factory=lambda: [ThresholdGroup(min_volume_usd=20000.0, window_s=5)],
        max_length=200,
    )
    overrides: list[SymbolOverride] = Field(default_factory=list, max_length=2000)
    threshold_alerts: bool = Field(
        True,
        description="Send alerts of the groups/overrides themselves; false = they only serve "
        "strategies with use_global_thresholds.",
    )
    blacklist: list[SymbolRef] = Field(default_factory=list, max_length=5000)
    whitelist: list[SymbolRef] | None = Field(
        None, max_length=5000, description="If set, only these coins/symbols alert."
    )
    cooldown_s: int = Field(60, ge=0, le=86400, description="Per symbol; 0 = no cooldown.")
    strategies: list[Strategy] = Field(default_factory=list, max_length=100)
    timezone: str = Field("UTC", max_length=64, description="IANA name, e.g. Europe/Berlin.")
    message_template: str = Field(DEFAULT_TEMPLATE, max_length=2000)
    destinations: list[Channel] = Field(
        default_factory=_default_channels,
        min_length=1,
        description="Channels of the threshold alerts.",
    )

    @field_validator("thresholds")
    @classmethod
    def _unique_groups(cls, value: list[ThresholdGroup]) -> list[ThresholdGroup]:
        seen: dict[tuple[str, str, str], int] = {}
        for i, group in enumerate(value):
            key = (group.exchange, group.market, group.quote)
            if key in seen:
                raise ValueError(
                    f"thresholds[{i}] duplicates thresholds[{seen[key]}] ({'/'.join(key)})"
                )
            seen[key] = i
        return value

    @field_validator("overrides")
    @classmethod
    def _unique_overrides(cls, value: list[SymbolOverride]) -> list[SymbolOverride]:
        seen: dict[str, int] = {}
        for i, override in enumerate(value):
            if override.symbol in seen:
                raise ValueError(
                    f"overrides[{i}] duplicates overrides[{seen[override.symbol]}] "
                    f"({override.symbol})"
                )
            seen[override.symbol] = i
        return value

    @field_validator("strategies")
    @classmethod
    def _unique_strategies(cls, value: list[Strategy]) -> list[Strategy]:
        seen: dict[str, int] = {}
        for i, strategy in enumerate(value):
            if strategy.name in seen:
                raise ValueError(
                    f"strategies[{i}] has the same name as strategies[{seen[strategy.name]}] "
                    f"({strategy.name!r})"
                )
            seen[strategy.name] = i
        return value

    @model_validator(mode="after")
    def _bounded_rules(self, info: ValidationInfo) -> UserSettings:
        if _stored(info):
            return self  # saved under the limits of its day (see stored_settings)
        # Every collector compiles the document into rules on its event loop: a strategy on
        # the global thresholds copies every threshold rule (each group once per feed, each
        # override once per feed and spelling), so 2,000 overrides × 25 such strategies made 1.25 M
        # rules and stopped detection for everyone for 50 s. An upper bound, refused early.
        # A strategy on its own thresholds is one rule per feed, or, with a symbols
        # condition, one per token of its first list (a full symbol once, a coin or a pair
        # once per feed): 100 strategies of 500 pairs each made 1.2 M rules.
        feeds = len(EXCHANGE_MARKETS)
        threshold_rules = (len(self.thresholds) + 2 * len(self.overrides)) * feeds
        copies = 1 + sum(1 for s in self.strategies if s.use_global_thresholds)
        own = sum(_own_rules(s, feeds) for s in self.strategies if not s.use_global_thresholds)
        estimate = threshold_rules * copies + own
        if estimate > MAX_COMPILED_RULES:
            raise ValueError(
                f"these settings make up to {estimate:,} rules (at most "
                f"{MAX_COMPILED_RULES:,}): use fewer overrides or threshold groups, fewer "
                "strategies that use the global thresholds, or shorter symbol lists in "
                "strategies (a full symbol, SYMBOL@exchange_market, is one rule; a coin or "
                "a pair one per feed)"
            )
        return self

    @model_validator(mode="after")
    def _strategy_names_are_not_rule_labels(self) -> UserSettings:
        # An alert is one per user × symbol × second × rule label: a strategy named like a
        # threshold group ("Dumps") or an override would share its key with that rule's alert
        # of the same spike, and one of the two would not be stored (nor sent).
        labels = {g.label for g in self.thresholds} | {o.label for o in self.overrides}
        for i, strategy in enumerate(self.strategies):
            if strategy.name in labels:
                raise ValueError(
                    f"strategies[{i}] has the name of a threshold rule ({strategy.name!r}): "
                    "the two alerts of one spike would be taken for one; rename either"
                )
        return self

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
            raise ValueError(
                f"unknown timezone {value!r}; use an IANA name such as Europe/Berlin or UTC"
            ) from None
        return value

    @field_validator("message_template")
    @classmethod
    def _template(cls, value: str) -> str:
        return validate_template(value)


def default_settings() -> UserSettings:
    """The working document a new user starts with."""
    return UserSettings()


#: Validation context of a document read back from the database (see :func:`stored_settings`).
STORED: Final = {"stored": True}


def stored_settings(document: object) -> UserSettings:
    """A document read back from the database. The bound on compiled rules is what may be
    *saved*: a document saved before the bound was tightened stays readable (and in force)
    until its user saves it again, rather than reading as the defaults or pausing the user.
    (A model holding it checks it again: validate that one with ``context=STORED`` too.)"""
    return UserSettings.model_validate(document, context=STORED)
