"""OKX v5 spot / linear swap parser: doc samples, contract sizes, bad input."""

from __future__ import annotations

import pytest

from wickwatch.market.types import Instrument, MalformedFrame, Trade
from wickwatch.market.venues import parser_class
from wickwatch.market.venues.okx import OkxFuturesParser, OkxSpotParser

RECV = 1_700_000_000_000

# Official docs push sample (WS / Trades channel).
DOC_TRADES = (
    '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",'
    '"tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897",'
    '"count":"3","source":"0","seqId":1234}]}'
)
DOC_TRADES_ALL = (
    '{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",'
    '"tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","source":"0",'
    '"ts":"1630048897897"}]}'
)
SWAP_FRAME = (
    b'{"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":['
    b'{"instId":"BTC-USDT-SWAP","tradeId":"900001","px":"65000.1","sz":"3","side":"sell",'
    b'"ts":"1700000000001","count":"1","source":"0","seqId":1},'
    b'{"instId":"BTC-USDT-SWAP","tradeId":"900002","px":"65000.2","sz":"250","side":"buy",'
    b'"ts":"1700000000002","count":"2","source":"1","seqId":2}]}'
)

SWAP_INSTRUMENTS = {
    "code": "0",
    "msg": "",
    "data": [
        {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "uly": "BTC-USDT",
         "instFamily": "BTC-USDT", "settleCcy": "USDT", "ctVal": "0.01", "ctMult": "1",
         "ctValCcy": "BTC", "ctType": "linear", "tickSz": "0.1", "lotSz": "0.01",
         "state": "live"},
        {"instType": "SWAP", "instId": "ETH-USDC-SWAP", "uly": "ETH-USDC",
         "instFamily": "ETH-USDC", "settleCcy": "USDC", "ctVal": "0.001", "ctMult": "1",
         "ctValCcy": "ETH", "ctType": "linear", "tickSz": "0.01", "lotSz": "1",
         "state": "suspend"},
        {"instType": "SWAP", "instId": "BTC-USD-SWAP", "uly": "BTC-USD", "instFamily": "BTC-USD",
         "settleCcy": "BTC", "ctVal": "100", "ctMult": "1", "ctValCcy": "USD",
         "ctType": "inverse", "tickSz": "0.1", "lotSz": "1", "state": "live"},
    ],
}  # fmt: skip


def _swap_parser() -> OkxFuturesParser:
    p = OkxFuturesParser()
    p.set_instruments(p.parse_instruments(SWAP_INSTRUMENTS))
    return p


def test_registry() -> None:
    assert parser_class("okx", "spot") is OkxSpotParser
    assert parser_class("okx", "futures") is OkxFuturesParser


@pytest.mark.parametrize("frame", [DOC_TRADES, DOC_TRADES_ALL])
def test_doc_sample_spot(frame: str) -> None:
    [t] = OkxSpotParser().parse_frame(frame, RECV) or []
    assert t == Trade(
        "okx", "spot", "BTC-USDT", 42219.9, 0.12060306, 42219.9 * 0.12060306, "buy",
        1630048897897, RECV, "130639474",
    )  # fmt: skip
    assert OkxSpotParser().parse_frame(frame.encode(), RECV) == [t]


def test_swap_contracts_become_base_units() -> None:
    a, b = _swap_parser().parse_frame(SWAP_FRAME, RECV) or []
    assert (a.symbol, a.market, a.price, a.side, a.ts_ms, a.trade_id) == (
        "BTC-USDT-SWAP",
        "futures",
        65000.1,
        "sell",
        1700000000001,
        "900001",
    )
    assert a.qty == pytest.approx(0.03)  # 3 contracts × 0.01 BTC
    assert a.quote_qty == pytest.approx(65000.1 * 0.03)
    assert b.qty == pytest.approx(2.5)  # 250 × 0.01
    assert (b.side, b.trade_id) == ("buy", "900002")


def test_swap_without_instruments_is_malformed() -> None:
    with pytest.raises(MalformedFrame, match="contract size"):
        OkxFuturesParser().parse_frame(SWAP_FRAME, RECV)


@pytest.mark.parametrize(
    "frame",
    [
        '{"id":"1512","event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"},'
        '"connId":"a4d3ae55"}',
        '{"id":"1512","event":"error","code":"60012","msg":"Invalid request","connId":"a4"}',
        '{"event":"unsubscribe","arg":{"channel":"trades","instId":"BTC-USDT"},"connId":"a"}',
        "pong",
        '{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[{"asks":[],"bids":[],"ts":"1"}]}',
        "",
    ],
)
def test_non_trade_frames_are_none(frame: str) -> None:
    assert OkxSpotParser().parse_frame(frame, RECV) is None
    assert _swap_parser().parse_frame(frame.encode(), RECV) is None


@pytest.mark.parametrize(
    "frame",
    [
        DOC_TRADES[:-10],
        DOC_TRADES.replace('"px":"42219.9",', ""),
        DOC_TRADES.replace('"px":"42219.9"', '"px":"abc"'),
        DOC_TRADES.replace('"ts":"1630048897897"', '"ts":"soon"'),
        DOC_TRADES.replace('"side":"buy"', '"side":"long"'),
        DOC_TRADES.replace('"sz":"0.12060306"', '"sz":"0"'),
        DOC_TRADES.replace('"px":"42219.9"', '"px":["1"]'),
        '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[]}',
        '{"arg":{"channel":"trades","instId":"BTC-USDT"}}',
        '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{}]}',
        '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":"x"}',
    ],
)
def test_malformed_frames_raise(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        OkxSpotParser().parse_frame(frame, RECV)


def test_rest_trades_spot_doc_sample() -> None:
    payload = {
        "code": "0", "msg": "",
        "data": [
            {"instId": "BTC-USDT", "side": "sell", "sz": "0.00001", "px": "29963.2",
             "source": "0", "tradeId": "242720720", "ts": "1654161646974"},
            {"instId": "BTC-USDT", "side": "buy", "sz": "0.5", "px": "29963.1",
             "source": "0", "tradeId": "242720719", "ts": "1654161646970"},
        ],
    }  # fmt: skip
    a, b = OkxSpotParser().parse_rest_trades("BTC-USDT", payload, RECV)
    assert a == Trade(
        "okx", "spot", "BTC-USDT", 29963.2, 0.00001, 29963.2 * 0.00001, "sell", 1654161646974,
        RECV, "242720720",
    )  # fmt: skip
    assert (b.trade_id, b.side, b.qty) == ("242720719", "buy", 0.5)


def test_rest_trades_swap_match_ws_trade() -> None:
    payload = {
        "code": "0", "msg": "",
        "data": [{"instId": "BTC-USDT-SWAP", "side": "sell", "sz": "3", "px": "65000.1",
                  "source": "0", "tradeId": "900001", "ts": "1700000000001"}],
    }  # fmt: skip
    p = _swap_parser()
    [rest] = p.parse_rest_trades("BTC-USDT-SWAP", payload, RECV)
    [ws, _] = p.parse_frame(SWAP_FRAME, RECV) or []
    assert rest == ws


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "51001", "msg": "Instrument ID does not exist", "data": []},
        {"code": "0", "data": [{"instId": "BTC-USDT", "side": "buy", "sz": "1", "px": "x",
                                "tradeId": "1", "ts": "1"}]},
        {"code": "0", "data": [{"instId": "BTC-USDT", "side": "buy", "sz": "1", "px": "1",
                                "ts": "1"}]},
        {"code": "0", "data": [{"instId": "ETH-USDT", "side": "buy", "sz": "1", "px": "1",
                                "tradeId": "1", "ts": "1"}]},
        [],
    ],
)  # fmt: skip
def test_rest_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        OkxSpotParser().parse_rest_trades("BTC-USDT", payload, RECV)


def test_spot_instruments() -> None:
    payload = {
        "code": "0",
        "data": [
            {"instType": "SPOT", "instId": "BTC-USDT", "baseCcy": "BTC", "quoteCcy": "USDT",
             "tickSz": "0.1", "lotSz": "0.00000001", "state": "live"},
            {"instType": "SPOT", "instId": "XYZ-USDT", "baseCcy": "XYZ", "quoteCcy": "USDT",
             "tickSz": "0.000010", "lotSz": "1", "state": "suspend"},
        ],
    }  # fmt: skip
    btc, xyz = OkxSpotParser().parse_instruments(payload)
    assert btc == Instrument("okx", "spot", "BTC-USDT", "BTC", "USDT", True, "0.1")
    assert (xyz.trading, xyz.tick_size) == (False, "0.00001")


def test_swap_instruments_linear_only() -> None:
    btc, eth = OkxFuturesParser().parse_instruments(SWAP_INSTRUMENTS)
    assert btc == Instrument(
        "okx", "futures", "BTC-USDT-SWAP", "BTC", "USDT", True, "0.1", contract_size=0.01
    )
    assert (eth.symbol, eth.quote, eth.trading, eth.contract_size) == (
        "ETH-USDC-SWAP",
        "USDC",
        False,
        0.001,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "50011", "msg": "Too Many Requests", "data": []},
        {"code": "0", "data": [{"instType": "SPOT", "instId": "BTC-USDT"}]},
        {"code": "0", "data": [{"instType": "SPOT", "instId": "BTC-USDT", "baseCcy": "BTC",
                                "quoteCcy": "USDT", "tickSz": "-1", "state": "live"}]},
    ],
)  # fmt: skip
def test_instruments_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        OkxSpotParser().parse_instruments(payload)
