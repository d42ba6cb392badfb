"""Bybit v5 spot / linear and legacy v2 parser: doc samples, real recordings, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.market.venues._recordings import cryptofeed_frames
from wickwatch.market.types import Instrument, MalformedFrame, Trade
from wickwatch.market.venues import parser_class
from wickwatch.market.venues.bybit import BybitFuturesParser, BybitSpotParser

RECV = 1_700_000_000_000

# Official docs sample (v5 WebSocket / Public / Trade).
DOC_LINEAR = (
    '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{'
    '"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick",'
    '"i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false}]}'
)
SPOT_TWO = (
    b'{"topic":"publicTrade.ETHUSDT","type":"snapshot","ts":1700000000010,"data":['
    b'{"i":"2290000000036455162","T":1700000000001,"p":"2000.01","v":"1.5","S":"Sell",'
    b'"s":"ETHUSDT","BT":false,"RPI":true,"seq":1},'
    b'{"i":"2290000000036455163","T":1700000000002,"p":"2000.02","v":"0.25","S":"Buy",'
    b'"s":"ETHUSDT","BT":false,"seq":2}]}'
)


def test_registry() -> None:
    assert parser_class("bybit", "spot") is BybitSpotParser
    assert parser_class("bybit", "futures") is BybitFuturesParser


def test_doc_sample_linear() -> None:
    [t] = BybitFuturesParser().parse_frame(DOC_LINEAR, RECV) or []
    assert t == Trade(
        "bybit", "futures", "BTCUSDT", 16578.5, 0.001, 16578.5 * 0.001, "buy", 1672304486865,
        RECV, "20f43950-d8dd-5b31-9112-a178eb6023af",
    )  # fmt: skip


def test_spot_two_trades_sides_and_ids() -> None:
    a, b = BybitSpotParser().parse_frame(SPOT_TWO, RECV) or []
    assert (a.symbol, a.price, a.qty, a.side, a.ts_ms, a.trade_id) == (
        "ETHUSDT",
        2000.01,
        1.5,
        "sell",
        1700000000001,
        "2290000000036455162",
    )
    assert (b.price, b.qty, b.side, b.trade_id) == (2000.02, 0.25, "buy", "2290000000036455163")
    assert a.market == "spot"


def test_block_trades_are_dropped() -> None:
    frame = DOC_LINEAR.replace('"BT":false', '"BT":true')
    assert BybitFuturesParser().parse_frame(frame, RECV) == []


@pytest.mark.parametrize(
    "frame",
    [
        '{"success":true,"ret_msg":"","conn_id":"cfac","req_id":"","op":"subscribe"}',
        '{"success":true,"ret_msg":"pong","conn_id":"0970e817","req_id":"","op":"ping"}',
        '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT",'
        '"b":[],"a":[],"u":1,"seq":1}}',
        '{"topic":"orderBookL2_25.BTCUSD","type":"delta","data":{"delete":[]}}',
        "",
    ],
)
def test_non_trade_frames_are_none(frame: str) -> None:
    assert BybitFuturesParser().parse_frame(frame, RECV) is None
    assert BybitSpotParser().parse_frame(frame.encode(), RECV) is None


@pytest.mark.parametrize(
    "frame",
    [
        DOC_LINEAR[:-5],
        DOC_LINEAR.replace('"p":"16578.50",', ""),
        DOC_LINEAR.replace('"p":"16578.50"', '"p":"cheap"'),
        DOC_LINEAR.replace('"T":1672304486865', '"T":"later"'),
        DOC_LINEAR.replace('"S":"Buy"', '"S":"buy"'),
        DOC_LINEAR.replace('"v":"0.001"', '"v":"-1"'),
        DOC_LINEAR.replace('"v":"0.001"', '"v":null'),
        '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[]}',
        '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1}',
        '{"topic":"trade.BTCUSDT","data":[{"symbol":"BTCUSDT"}]}',
        '{"topic":"trade.BTCUSDT","data":[]}',
    ],
)
def test_malformed_frames_raise(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        BybitFuturesParser().parse_frame(frame, RECV)


# --- legacy v2 recordings -----------------------------------------------------------------


def _legacy_rows(path: Path) -> list[dict[str, object]]:
    out = []
    for _, text in cryptofeed_frames(path):
        try:
            msg = json.loads(text)
        except ValueError:
            continue
        if str(msg.get("topic", "")).startswith("trade."):
            out.extend(msg["data"])
    return out


@pytest.mark.realdata
@pytest.mark.parametrize(("name", "count"), [("BYBIT.ws.25.0.gz", 101), ("BYBIT.ws.26.0.gz", 150)])
def test_legacy_recordings_whole_file(realdata_dir: Path, name: str, count: int) -> None:
    path = realdata_dir / "cryptofeed" / name
    expected = _legacy_rows(path)
    p = BybitFuturesParser()
    got: list[Trade] = []
    for ts, text in cryptofeed_frames(path):
        result = p.parse_frame(text, int(ts * 1000))
        if result is not None:
            got.extend(result)
    assert len(got) == len(expected) == count
    for t, row in zip(got, expected, strict=True):
        assert t.symbol == row["symbol"]
        assert t.price == float(str(row["price"]))
        assert t.ts_ms == int(str(row["trade_time_ms"]))
        assert t.trade_id == row["trade_id"]
        assert t.side == str(row["side"]).lower()
        size = float(str(row["size"]))
        if str(row["symbol"]).endswith("USDT"):
            assert t.qty == size
        else:  # inverse: size is USD contracts
            assert t.qty == pytest.approx(size / t.price)
            assert t.quote_qty == size


@pytest.mark.realdata
def test_legacy_linear_specific_frame(realdata_dir: Path) -> None:
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/BYBIT.ws.25.0.gz")]
    frame = next(f for f in frames if "a6492be8-54bb-55b2-8b46-69ad3c70a3b5" in f)
    [t] = BybitFuturesParser().parse_frame(frame, RECV) or []
    assert t == Trade(
        "bybit", "futures", "BCHUSDT", 1054.45, 0.82, 1054.45 * 0.82, "sell", 1618677785948,
        RECV, "a6492be8-54bb-55b2-8b46-69ad3c70a3b5",
    )  # fmt: skip


@pytest.mark.realdata
def test_legacy_inverse_specific_frame(realdata_dir: Path) -> None:
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/BYBIT.ws.26.0.gz")]
    frame = next(f for f in frames if "1d28db3f-725d-5f15-9d9a-22719888546c" in f)
    trades = BybitFuturesParser().parse_frame(frame, RECV) or []
    first = trades[0]
    assert (first.symbol, first.price, first.side, first.ts_ms) == (
        "BTCUSD",
        60622.0,
        "buy",
        1618677786670,
    )
    assert first.quote_qty == 77.0
    assert first.qty == pytest.approx(77 / 60622)


# --- REST ---------------------------------------------------------------------------------


def test_rest_recent_trade_doc_sample() -> None:
    payload = {
        "retCode": 0, "retMsg": "OK",
        "result": {"category": "spot", "list": [
            {"execId": "2100000000007764263", "symbol": "BTCUSDT", "price": "16618.49",
             "size": "0.00012", "side": "Buy", "time": "1672052955758", "isBlockTrade": False},
            {"execId": "2100000000007764262", "symbol": "BTCUSDT", "price": "16618.00",
             "size": "3", "side": "Sell", "time": "1672052955000", "isBlockTrade": True},
        ]},
        "retExtInfo": {}, "time": 1672053054358,
    }  # fmt: skip
    [t] = BybitSpotParser().parse_rest_trades("BTCUSDT", payload, RECV)
    assert t == Trade(
        "bybit", "spot", "BTCUSDT", 16618.49, 0.00012, 16618.49 * 0.00012, "buy", 1672052955758,
        RECV, "2100000000007764263",
    )  # fmt: skip


def test_rest_matches_ws_for_same_trade() -> None:
    payload = {"retCode": 0, "result": {"category": "linear", "list": [
        {"execId": "20f43950-d8dd-5b31-9112-a178eb6023af", "symbol": "BTCUSDT",
         "price": "16578.50", "size": "0.001", "side": "Buy", "time": "1672304486865",
         "isBlockTrade": False}]}}  # fmt: skip
    p = BybitFuturesParser()
    assert p.parse_rest_trades("BTCUSDT", payload, RECV) == p.parse_frame(DOC_LINEAR, RECV)


@pytest.mark.parametrize(
    "payload",
    [
        {"retCode": 10001, "retMsg": "params error", "result": {}},
        {"retCode": 0, "result": {"list": [{"execId": "1", "symbol": "BTCUSDT", "price": "1",
                                            "size": "1", "side": "Long", "time": "1"}]}},
        {"retCode": 0, "result": {"list": [{"execId": "1", "symbol": "BTCUSDT", "price": "1",
                                            "size": "1", "side": "Buy"}]}},
        {"retCode": 0, "result": {"list": None}},
        [],
    ],
)  # fmt: skip
def test_rest_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        BybitSpotParser().parse_rest_trades("BTCUSDT", payload, RECV)


# --- instruments ----------------------------------------------------------------------------


def test_linear_instruments() -> None:
    payload = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
        {"symbol": "BTCUSDT", "contractType": "LinearPerpetual", "status": "Trading",
         "baseCoin": "BTC", "quoteCoin": "USDT", "settleCoin": "USDT",
         "priceFilter": {"minPrice": "0.10", "maxPrice": "199999.80", "tickSize": "0.10"},
         "lotSizeFilter": {"qtyStep": "0.001"}},
        {"symbol": "BTC-27DEC24", "contractType": "LinearFutures", "status": "Trading",
         "baseCoin": "BTC", "quoteCoin": "USDC", "priceFilter": {"tickSize": "0.50"}},
        {"symbol": "NEWUSDT", "contractType": "LinearPerpetual", "status": "PreLaunch",
         "baseCoin": "NEW", "quoteCoin": "USDT", "priceFilter": {"tickSize": "0.0001"}},
    ], "nextPageCursor": ""}}  # fmt: skip
    btc, new = BybitFuturesParser().parse_instruments(payload)
    assert btc == Instrument("bybit", "futures", "BTCUSDT", "BTC", "USDT", True, "0.1")
    assert (new.symbol, new.trading, new.tick_size) == ("NEWUSDT", False, "0.0001")


def test_pre_market_perpetual_trades_in_continuous_trading() -> None:
    """instruments-info ``status=PreLaunch`` (official docs sample, trimmed): a pre-market
    perpetual prints public trades in its ``ContinuousTrading`` phase, not in an auction."""

    def row(symbol: str, phase: str) -> dict[str, object]:
        return {"symbol": symbol, "contractType": "LinearPerpetual", "status": "PreLaunch",
                "baseCoin": symbol[:-4], "quoteCoin": "USDT", "settleCoin": "USDT",
                "priceFilter": {"minPrice": "0.0001", "maxPrice": "1999.9998",
                                "tickSize": "0.0001"},
                "lotSizeFilter": {"maxOrderQty": "70000", "minOrderQty": "1", "qtyStep": "1"},
                "isPreListing": True,
                "preListingInfo": {"curAuctionPhase": phase, "phases": [
                    {"phase": "CallAuction", "startTime": "1735113600000",
                     "endTime": "1735116600000"},
                    {"phase": "ContinuousTrading", "startTime": "1735117200000", "endTime": ""}],
                    "auctionFeeInfo": {"auctionFeeRate": "0", "takerFeeRate": "0.001",
                                       "makerFeeRate": "0.0004"}}}  # fmt: skip

    phases = ["ContinuousTrading", "CallAuction", "CallAuctionNoCancel", "CrossMatching",
              "NotStarted", "Finished"]  # fmt: skip
    payload = {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
        row(f"P{i}USDT", phase) for i, phase in enumerate(phases)],
        "nextPageCursor": ""}}  # fmt: skip
    live, *others = BybitFuturesParser().parse_instruments(payload)
    assert live == Instrument("bybit", "futures", "P0USDT", "P0", "USDT", True, "0.0001")
    assert [i.trading for i in others] == [False] * 5


def test_spot_instruments() -> None:
    payload = {"retCode": 0, "result": {"category": "spot", "list": [
        {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "innovation": "0",
         "status": "Trading", "priceFilter": {"tickSize": "0.01"}}]}}  # fmt: skip
    assert BybitSpotParser().parse_instruments(payload) == [
        Instrument("bybit", "spot", "BTCUSDT", "BTC", "USDT", True, "0.01")
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {"retCode": 0, "result": {"list": [{"symbol": "BTCUSDT", "status": "Trading"}]}},
        {"retCode": 0, "result": {"list": [{"symbol": "BTCUSDT", "baseCoin": "BTC",
                                            "quoteCoin": "USDT", "priceFilter": None}]}},
        {"retCode": 10002, "result": {}},
    ],
)  # fmt: skip
def test_instruments_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        BybitSpotParser().parse_instruments(payload)
