"""The settings document: defaults, example, validation messages that name the field."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from wickwatch.detection import Detector, UserSettings, default_settings, validate_template
from wickwatch.detection.schemas import EXAMPLE
from wickwatch.detection.symbols import split_symbol
from wickwatch.notify.templates import PLACEHOLDERS, render_text


def error_of(doc: dict[str, object]) -> tuple[tuple[object, ...], str]:
    with pytest.raises(ValidationError) as info:
        UserSettings.model_validate(doc)
    [err] = info.value.errors()
    return err["loc"], err["msg"]


def test_default_document_is_complete_and_round_trips() -> None:
    s = default_settings()
    assert s.cooldown_s == 60 and s.timezone == "UTC" and s.destinations == ["browser"]
    assert len(s.thresholds) == 1 and s.thresholds[0].window_s == 5
    doc = json.loads(s.model_dump_json())
    assert UserSettings.model_validate(doc) == s
    assert UserSettings.model_validate_json("{}") == s  # a new user sends nothing


def test_example_is_valid_and_in_the_json_schema() -> None:
    UserSettings.model_validate(EXAMPLE)
    schema = UserSettings.model_json_schema()
    assert schema["examples"] == [EXAMPLE]
    assert {"switches", "thresholds", "overrides", "strategies", "timezone"} <= set(
        schema["properties"]
    )


@pytest.mark.parametrize(
    ("doc", "loc", "text"),
    [
        ({"message_template": "{symbol} {price_usd}"}, ("message_template",), "{price_usd}"),
        ({"message_template": "{symbol.__class__}"}, ("message_template",), "unknown placeholder"),
        ({"message_template": "{price:.2f}"}, ("message_template",), "no format spec"),
        ({"message_template": "{symbol"}, ("message_template",), "malformed"),
        ({"timezone": "Mars/Olympus"}, ("timezone",), "IANA"),
        ({"blacklist": ["BTC", "ETHUSDT@binanse_spot"]}, ("blacklist", 1), "binanse_spot"),
        ({"whitelist": ["a b"]}, ("whitelist", 0), "no spaces"),
        (
            {"thresholds": [{"window_s": 61}]},
            ("thresholds", 0, "window_s"),
            "less than or equal to 60",
        ),
        (
            {"thresholds": [{"window_s": 0}]},
            ("thresholds", 0, "window_s"),
            "greater than or equal to 1",
        ),
        ({"thresholds": [{"min_delta_pct": -1}]}, ("thresholds", 0, "min_delta_pct"), "greater"),
        ({"thresholds": [{"exchange": "kraken"}]}, ("thresholds", 0, "exchange"), "binance"),
        ({"thresholds": [{"quote": "US DT"}]}, ("thresholds", 0, "quote"), "letters"),
        (
            {"thresholds": [{}, {"min_delta_pct": 1}]},
            ("thresholds",),
            "thresholds[1] duplicates thresholds[0]",
        ),
        (
            {"overrides": [{"symbol": "eth"}, {"symbol": "ETH"}]},
            ("overrides",),
            "overrides[1] duplicates",
        ),
        ({"switches": {"binance": {"options": True}}}, ("switches", "binance", "options"), "Extra"),
        ({"cooldown_s": -1}, ("cooldown_s",), "greater than or equal to 0"),
        ({"destinations": ["sms"]}, ("destinations", 0), "telegram"),
        ({"strategies": [{"name": "a"}, {"name": "a"}]}, ("strategies",), "same name"),
        (
            {"strategies": [{"name": "a", "template": "{nope}"}]},
            ("strategies", 0, "template"),
            "{nope}",
        ),
        (
            {"strategies": [{"name": "a", "use_global_thresholds": False}]},
            ("strategies", 0),
            "delta condition",
        ),
        (
            {
                "strategies": [
                    {"name": "a", "conditions": [{"type": "delta", "min_pct": 5, "max_pct": 2}]}
                ]
            },
            ("strategies", 0, "conditions", 0, "delta"),
            "above max_pct",
        ),
        (
            {
                "strategies": [
                    {"name": "a", "conditions": [{"type": "series", "count": 0, "within_s": 5}]}
                ]
            },
            ("strategies", 0, "conditions", 0, "series", "count"),
            "greater",
        ),
        (
            {"strategies": [{"name": "a", "conditions": [{"type": "colour"}]}]},
            ("strategies", 0, "conditions", 0),
            "tag",
        ),
        (
            {
                "strategies": [
                    {
                        "name": "a",
                        "conditions": [{"type": "markets", "markets": ["binance_options"]}],
                    }
                ]
            },
            ("strategies", 0, "conditions", 0, "markets", "markets", 0),
            "binance_spot",
        ),
        ({"colour": "red"}, ("colour",), "Extra"),
        (  # its alerts and the group's would share one key: one of each pair was dropped
            {"thresholds": [{"name": "Dumps"}], "strategies": [{"name": "Dumps"}]},
            (),
            "strategies[0] has the name of a threshold rule",
        ),
        (
            {"overrides": [{"symbol": "ETH"}], "strategies": [{"name": "override ETH"}]},
            (),
            "strategies[0] has the name of a threshold rule",
        ),
        (  # 1e999 reads as infinity, which JSON cannot carry back
            {"thresholds": [{"min_volume_usd": float("inf")}]},
            ("thresholds", 0, "min_volume_usd"),
            "finite",
        ),
        (  # a smaller own delta fired on every flat candle
            {
                "strategies": [
                    {
                        "name": "a",
                        "use_global_thresholds": False,
                        "conditions": [{"type": "delta", "min_pct": 1e-9}],
                    }
                ]
            },
            ("strategies", 0),
            "min_pct >= 0.01",
        ),
    ],
)
def test_validation_errors_name_the_field(
    doc: dict[str, object], loc: tuple[object, ...], text: str
) -> None:
    got_loc, msg = error_of(doc)
    assert got_loc == loc
    assert text in msg


def test_symbol_references_are_normalised() -> None:
    s = UserSettings(blacklist=[" btc ", "ethusdt@BINANCE_FUTURES", "@107@hyperliquid_spot"])
    assert s.blacklist == ["BTC", "ETHUSDT@binance_futures", "@107@hyperliquid_spot"]


def test_template_placeholders_all_render() -> None:
    from tests.detection.helpers import candle
    from wickwatch.detection import Detector

    template = " ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    assert validate_template(template) == template
    d = Detector()
    d.update_user(
        1,
        UserSettings(
            timezone="Asia/Tokyo", message_template=template, thresholds=[{"min_delta_pct": 1}]
        ),
    )
    [a] = d.on_candle(
        candle(1_700_000_000, 100.0, 103.0, 99.5, 101.0, qv=2_500_000.0, market="futures")
    )
    text = a.message()
    assert text.startswith(
        "+3.00% up Binance Futures BN-F BTCUSDT $2.50M 71.4% 2023-11-15 07:13:20 JST"
    )
    assert "2023-11-14T22:13:20Z 101 " in text
    assert text.endswith(" 1 0 https://www.binance.com/en/futures/BTCUSDT")
    assert render_text(a, "{{literal}} {symbol}") == "{literal} BTCUSDT"


@pytest.mark.parametrize(
    ("exchange", "market", "symbol", "expected"),
    [
        ("binance", "spot", "BTCUSDT", ("BTC", "USDT")),
        ("binance", "spot", "ETHBTC", ("ETH", "BTC")),
        ("binance", "spot", "BTCFDUSD", ("BTC", "FDUSD")),
        ("binance", "futures", "BTCUSD_PERP", ("BTC", "USD")),
        ("okx", "futures", "BTC-USDT-SWAP", ("BTC", "USDT")),
        ("okx", "spot", "ETH-BTC", ("ETH", "BTC")),
        ("gate", "spot", "PEPE_USDT", ("PEPE", "USDT")),
        ("bitget", "futures", "BTCUSDT_UMCBL", ("BTC", "USDT")),
        ("bybit", "futures", "BTCPERP", ("BTC", "USDC")),
        ("hyperliquid", "futures", "kPEPE", ("kPEPE", "USDC")),
        ("hyperliquid", "spot", "PURR/USDC", ("PURR", "USDC")),
        ("hyperliquid", "spot", "@107", ("@107", "")),
    ],
)
def test_split_symbol(exchange: str, market: str, symbol: str, expected: tuple[str, str]) -> None:
    assert split_symbol(exchange, market, symbol) == expected


def test_resolver_prefers_instruments() -> None:
    from wickwatch.detection import SymbolResolver
    from wickwatch.market.types import Instrument

    r = SymbolResolver([Instrument("hyperliquid", "spot", "@107", "HYPE", "USDC", True, "0.001")])
    assert r.resolve("hyperliquid", "spot", "@107") == ("HYPE", "USDC")
    assert r.resolve("hyperliquid", "spot", "@108") == ("@108", "")


def test_a_document_that_would_compile_to_too_many_rules_is_refused() -> None:
    """Compiling happens on every collector's event loop: 2,000 overrides copied by many
    strategies on the global thresholds would stop detection for everyone while it runs."""
    overrides = [{"symbol": f"C{i}USDT", "min_delta_pct": 2.0} for i in range(2000)]
    UserSettings.model_validate({"overrides": overrides})  # 48,000 rules: the most allowed
    strategies = [{"name": f"s{i}"} for i in range(2)]
    with pytest.raises(ValidationError, match=r"rules \(at most 50,000\)"):
        UserSettings.model_validate({"overrides": overrides, "strategies": strategies})
    # the estimate bounds what is compiled: the accepted document stays within it
    detector = Detector()
    detector.update_user(1, UserSettings.model_validate({"overrides": overrides}))
    assert 40_000 <= detector.rule_count <= 50_000


def test_strategies_with_long_symbol_lists_count_every_rule_they_compile_to() -> None:
    """A strategy on its own thresholds is one rule per token of its symbols list and feed
    (a pair is a coin and a pair token): 100 strategies of 500 pairs passed as 1,200 rules and
    compiled to 1.2 million, stopping detection for everyone for 15 s."""

    def strategies(count: int, symbols: list[str]) -> dict[str, object]:
        return {
            "strategies": [
                {
                    "name": f"s{i}",
                    "use_global_thresholds": False,
                    "conditions": [
                        {"type": "delta", "min_pct": 1.0},
                        {"type": "symbols", "symbols": symbols},
                    ],
                }
                for i in range(count)
            ]
        }

    pairs = [f"C{i}USDT" for i in range(500)]
    with pytest.raises(ValidationError, match=r"rules \(at most 50,000\)"):
        UserSettings.model_validate(strategies(5, pairs))
    accepted = UserSettings.model_validate(strategies(4, pairs))
    detector = Detector()
    detector.update_user(1, accepted)
    assert 40_000 <= detector.rule_count <= 50_000  # the estimate bounds what is compiled
    # full symbols are one rule each: many more of them fit
    full = [f"C{i}USDT@binance_futures" for i in range(500)]
    UserSettings.model_validate(strategies(90, full))


@pytest.mark.parametrize(
    "document",
    [
        {"blacklist": ["ß" * 40]},  # 40 characters, 80 once upper-cased
        {"whitelist": ["ß" * 31 + "@binance_spot"]},
        {"thresholds": [{"min_delta_pct": 2.0, "quote": "ß" * 9}]},
    ],
)
def test_a_value_too_long_once_upper_cased_is_refused_not_stored_unreadable(
    document: dict[str, object],
) -> None:
    """The lengths were checked before upper-casing: the document was saved, then refused
    when read back, so the user saw the defaults and detection never got the change."""
    with pytest.raises(ValidationError, match="at most"):
        UserSettings.model_validate(document)


def test_upper_cased_values_within_the_limits_round_trip() -> None:
    settings = UserSettings.model_validate(
        {
            "blacklist": ["ß" * 32, "straße@binance_spot"],
            "thresholds": [{"min_delta_pct": 2.0, "quote": "ß" * 8}],
        }
    )
    assert settings.blacklist == ["SS" * 32, "STRASSE@binance_spot"]
    again = UserSettings.model_validate(settings.model_dump(mode="json"))
    assert again == settings


@pytest.mark.parametrize(
    ("ref", "hint"),
    [
        ("BTCUSDT@hyperliquid_futures", "write BTC@hyperliquid_futures or BTCUSDC@"),
        ("@107", "write @107@hyperliquid_spot"),
    ],
)  # fmt: skip
def test_a_reference_that_can_name_no_market_is_refused_with_the_spelling_to_use(
    ref: str, hint: str
) -> None:
    """Both were accepted and matched nothing: a blacklist entry that blocked nothing."""
    with pytest.raises(ValidationError, match=hint):
        UserSettings.model_validate({"blacklist": [ref]})
    fine = [
        "BTC@hyperliquid_futures",
        "BTCUSDC@hyperliquid_futures",
        "kPEPE@hyperliquid_futures",
        "@107@hyperliquid_spot",
        "BTCUSDT@binance_futures",
    ]
    UserSettings.model_validate({"blacklist": fine})
    # a document saved before the check stays readable
    from wickwatch.detection.schemas import stored_settings

    assert stored_settings({"blacklist": [ref]}).blacklist == [ref]
