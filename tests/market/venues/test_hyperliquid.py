"""Hyperliquid perps / spot parser: doc samples, ``@107`` resolution, bad input."""

from __future__ import annotations

import pytest

from wickwatch.market.types import Instrument, MalformedFrame, Trade
from wickwatch.market.venues import parser_class
from wickwatch.market.venues.hyperliquid import HyperliquidFuturesParser, HyperliquidSpotParser

RECV = 1_700_000_000_000

# Docs WsTrade shape (trades subscription).
DOC_TRADES = (
    '{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"72581.0","sz":"0.00017",'
    '"time":1787259217020,"hash":"0x0000000000000000000000000000000000000000000000000000000000000000",'
    '"tid":877707108085800,"users":["0x9b54264d7502f80163ea949038aad771eae67e38",'
    '"0x706bb519b05b7dc01d048af9a5e29d1ef5d6d9e3"]},{"coin":"BTC","side":"A","px":"72580.5",'
    '"sz":"1.5","time":1787259217021,"hash":"0xab","tid":877707108085801,"users":["0x1","0x2"]}]}'
)
SPOT_TRADE = (
    b'{"channel":"trades","data":[{"coin":"@107","side":"A","px":"38.123","sz":"12.5",'
    b'"time":1750000000000,"hash":"0x01","tid":5550001,"users":["0xa","0xb"]}]}'
)
SPOT_META = {
    "tokens": [
        {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
         "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054", "isCanonical": True},
        {"name": "PURR", "szDecimals": 0, "weiDecimals": 5, "index": 1,
         "tokenId": "0xc1fb593aeffbeb02f85e0308e9956a90", "isCanonical": True},
        {"name": "HYPE", "szDecimals": 2, "weiDecimals": 8, "index": 150,
         "tokenId": "0x0d01dc56dcaaca66ad901c959b4011ec", "isCanonical": False},
    ],
    "universe": [
        {"name": "PURR/USDC", "tokens": [1, 0], "index": 0, "isCanonical": True},
        {"name": "@107", "tokens": [150, 0], "index": 107, "isCanonical": False},
    ],
}  # fmt: skip
META = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
        {"name": "ETH", "szDecimals": 4, "maxLeverage": 50},
        {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3, "onlyIsolated": True,
         "isDelisted": True},
    ],
    "marginTables": [],
}  # fmt: skip


def test_registry() -> None:
    assert parser_class("hyperliquid", "spot") is HyperliquidSpotParser
    assert parser_class("hyperliquid", "futures") is HyperliquidFuturesParser


def test_doc_trades_sides() -> None:
    a, b = HyperliquidFuturesParser().parse_frame(DOC_TRADES, RECV) or []
    assert a == Trade(
        "hyperliquid", "futures", "BTC", 72581.0, 0.00017, 72581.0 * 0.00017, "buy",
        1787259217020, RECV, "877707108085800",
    )  # fmt: skip
    assert (b.side, b.price, b.qty, b.trade_id) == ("sell", 72580.5, 1.5, "877707108085801")


def test_spot_trade_keeps_wire_symbol_and_resolves_names() -> None:
    p = HyperliquidSpotParser()
    p.set_instruments(p.parse_instruments(SPOT_META))
    [t] = p.parse_frame(SPOT_TRADE, RECV) or []
    assert (t.symbol, t.market, t.side, t.price, t.qty, t.trade_id) == (
        "@107",
        "spot",
        "sell",
        38.123,
        12.5,
        "5550001",
    )
    assert p.names(t.symbol) == ("HYPE", "USDC")
    assert p.names("PURR/USDC") == ("PURR", "USDC")
    with pytest.raises(MalformedFrame):
        p.names("@9999")


def test_spot_meta_instruments() -> None:
    purr, hype = HyperliquidSpotParser().parse_instruments(SPOT_META)
    assert purr == Instrument(
        "hyperliquid", "spot", "PURR/USDC", "PURR", "USDC", True, "0.00000001"
    )
    # token index 150 is matched on the token's ``index`` field, not its list position
    assert hype == Instrument("hyperliquid", "spot", "@107", "HYPE", "USDC", True, "0.000001")
    assert hype.subscribe_name == "@107"


def test_spot_meta_and_asset_ctxs_form() -> None:
    got = HyperliquidSpotParser().parse_instruments([SPOT_META, [{"coin": "@107"}]])
    assert [i.base for i in got] == ["PURR", "HYPE"]


def test_perp_meta_instruments() -> None:
    btc, eth, hpos = HyperliquidFuturesParser().parse_instruments(META)
    assert btc == Instrument("hyperliquid", "futures", "BTC", "BTC", "USDC", True, "0.1")
    assert eth.tick_size == "0.01"
    assert (hpos.trading, hpos.tick_size) == (False, "0.000001")


@pytest.mark.parametrize(
    "payload",
    [
        {"universe": None},
        {"universe": [{"name": "BTC"}]},
        [],
    ],
)
def test_perp_meta_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        HyperliquidFuturesParser().parse_instruments(payload)


@pytest.mark.parametrize(
    "payload",
    [
        {"tokens": SPOT_META["tokens"], "universe": [{"name": "@5", "tokens": [99, 0]}]},
        {"tokens": SPOT_META["tokens"], "universe": [{"name": "@5", "tokens": [1]}]},
        {"tokens": None, "universe": []},
    ],
)
def test_spot_meta_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        HyperliquidSpotParser().parse_instruments(payload)


@pytest.mark.parametrize(
    "frame",
    [
        '{"channel":"subscriptionResponse","data":{"method":"subscribe",'
        '"subscription":{"type":"trades","coin":"BTC"}}}',
        '{"channel":"pong"}',
        '{"channel":"l2Book","data":{"coin":"BTC","time":1,"levels":[[],[]]}}',
        '{"channel":"error","data":"Invalid subscription"}',
        "",
    ],
)
def test_non_trade_frames_are_none(frame: str) -> None:
    assert HyperliquidFuturesParser().parse_frame(frame, RECV) is None
    assert HyperliquidSpotParser().parse_frame(frame.encode(), RECV) is None


@pytest.mark.parametrize(
    "frame",
    [
        DOC_TRADES[:-4],
        DOC_TRADES.replace('"px":"72581.0",', ""),
        DOC_TRADES.replace('"px":"72581.0"', '"px":"pricey"'),
        DOC_TRADES.replace('"side":"B"', '"side":"buy"'),
        DOC_TRADES.replace('"tid":877707108085800', '"tid":"abc"'),
        DOC_TRADES.replace('"sz":"0.00017"', '"sz":"0"'),
        '{"channel":"trades","data":[]}',
        '{"channel":"trades","data":{}}',
        '{"channel":"trades"}',
    ],
)
def test_malformed_frames_raise(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        HyperliquidFuturesParser().parse_frame(frame, RECV)


def test_recent_trades_rest_matches_ws() -> None:
    payload = [
        {"coin": "BTC", "side": "A", "px": "72580.5", "sz": "1.5", "hash": "0xab",
         "time": 1787259217021, "tid": 877707108085801, "users": ["0x1", "0x2"]},
        {"coin": "BTC", "side": "B", "px": "72581.0", "sz": "0.00017", "hash": "0x00",
         "time": 1787259217020, "tid": 877707108085800, "users": ["0x3", "0x4"]},
    ]  # fmt: skip
    p = HyperliquidFuturesParser()
    rest = p.parse_rest_trades("BTC", payload, RECV)
    ws = p.parse_frame(DOC_TRADES, RECV) or []
    assert sorted(rest, key=lambda t: t.trade_id) == sorted(ws, key=lambda t: t.trade_id)


@pytest.mark.parametrize(
    "payload",
    [
        {"error": "bad"},
        [{"coin": "BTC", "side": "X", "px": "1", "sz": "1", "time": 1, "tid": 1}],
        [{"coin": "BTC", "side": "B", "px": "1", "sz": "1", "time": 1}],
        [{"coin": "ETH", "side": "B", "px": "1", "sz": "1", "time": 1, "tid": 1}],
    ],
)
def test_recent_trades_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        HyperliquidFuturesParser().parse_rest_trades("BTC", payload, RECV)
