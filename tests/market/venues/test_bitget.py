"""Bitget v2 spot / futures and legacy v1 parser: doc samples, real recordings, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.market.venues._recordings import cryptofeed_frames
from wickwatch.market.types import Instrument, MalformedFrame, Trade
from wickwatch.market.venues import parser_class
from wickwatch.market.venues.bitget import BitgetFuturesParser, BitgetSpotParser

RECV = 1_700_000_000_000

# Official docs push sample (v2 spot Trade channel).
DOC_SPOT = (
    '{"action":"snapshot","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"},'
    '"data":[{"ts":"1695709835822","price":"26293.4","size":"0.0013","side":"buy",'
    '"tradeId":"1000000000"},{"ts":"1695709835800","price":"26293.3","size":"0.5",'
    '"side":"sell","tradeId":"999999999"}],"ts":1695709835822}'
)
FUT_UPDATE = (
    b'{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"},'
    b'"data":[{"ts":"1695716760565","price":"27000.5","size":"0.001","side":"sell",'
    b'"tradeId":"1111111111"}],"ts":1695716761589}'
)


def test_registry() -> None:
    assert parser_class("bitget", "spot") is BitgetSpotParser
    assert parser_class("bitget", "futures") is BitgetFuturesParser


def test_doc_snapshot_is_kept_as_trades_oldest_first() -> None:
    b, a = BitgetSpotParser().parse_frame(DOC_SPOT, RECV) or []
    assert a == Trade(
        "bitget", "spot", "BTCUSDT", 26293.4, 0.0013, 26293.4 * 0.0013, "buy", 1695709835822,
        RECV, "1000000000",
    )  # fmt: skip
    assert (b.price, b.qty, b.side, b.ts_ms, b.trade_id) == (
        26293.3,
        0.5,
        "sell",
        1695709835800,
        "999999999",
    )


def test_futures_update_size_is_base_coin() -> None:
    [t] = BitgetFuturesParser().parse_frame(FUT_UPDATE, RECV) or []
    assert (t.market, t.symbol, t.qty, t.price, t.side, t.trade_id) == (
        "futures",
        "BTCUSDT",
        0.001,
        27000.5,
        "sell",
        "1111111111",
    )
    assert t.quote_qty == pytest.approx(27.0005)


@pytest.mark.parametrize(
    "frame",
    [
        '{"event":"subscribe","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"}}',
        '{"event":"error","arg":{"instType":"SPOT","channel":"trade","instId":"NOPE"},'
        '"code":30001,"msg":"instType:SPOT,channel:trade,instId:NOPE doesn\'t exist"}',
        "pong",
        '{"action":"snapshot","arg":{"instType":"SPOT","channel":"books5","instId":"BTCUSDT"},'
        '"data":[{"asks":[],"bids":[]}]}',
        '{"action":"snapshot","arg":{"instType":"sp","channel":"ticker","instId":"EOSUSDT"},'
        '"data":[{"instId":"EOSUSDT","last":"2.4"}]}',
        "",
    ],
)
def test_non_trade_frames_are_none(frame: str) -> None:
    assert BitgetSpotParser().parse_frame(frame, RECV) is None
    assert BitgetFuturesParser().parse_frame(frame.encode(), RECV) is None


@pytest.mark.parametrize(
    "frame",
    [
        DOC_SPOT[:-30],
        DOC_SPOT.replace('"price":"26293.4",', ""),
        DOC_SPOT.replace('"price":"26293.4"', '"price":"dear"'),
        DOC_SPOT.replace('"ts":"1695709835822"', '"ts":true'),
        DOC_SPOT.replace('"side":"buy"', '"side":"Buy"'),
        DOC_SPOT.replace('"size":"0.0013"', '"size":"0"'),
        '{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"X"},"data":[]}',
        '{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"X"}}',
        '{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"X"},'
        '"data":[["1649290078916","9.977","1"]]}',
        '{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"X"},'
        '"data":[["1649290078916","nine","1","sell"]]}',
        '{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"X"},'
        '"data":[["1649290078916","9.977","1","short"]]}',
    ],
)
def test_malformed_frames_raise(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        BitgetSpotParser().parse_frame(frame, RECV)


# --- legacy v1 recordings -----------------------------------------------------------------


def _legacy_rows(path: Path) -> list[tuple[str, list[str]]]:
    out = []
    for _, text in cryptofeed_frames(path):
        try:
            msg = json.loads(text)
        except ValueError:
            continue
        if "action" in msg and msg["arg"]["channel"] == "trade":
            data = msg["data"][::-1] if msg["action"] == "snapshot" else msg["data"]
            out.extend((msg["arg"]["instId"], row) for row in data)  # oldest first
    return out


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "cls", "count"),
    [("BITGET.ws.1.0.gz", BitgetSpotParser, 430), ("BITGET.ws.2.0.gz", BitgetFuturesParser, 125)],
)
def test_legacy_recordings_whole_file(
    realdata_dir: Path, name: str, cls: type[BitgetSpotParser], count: int
) -> None:
    path = realdata_dir / "cryptofeed" / name
    expected = _legacy_rows(path)
    p = cls()
    got: list[Trade] = []
    for ts, text in cryptofeed_frames(path):
        result = p.parse_frame(text, int(ts * 1000))
        if result is not None:
            got.extend(result)
    assert len(got) == len(expected) == count
    for t, (symbol, (ts_text, price, size, side)) in zip(got, expected, strict=True):
        assert (t.symbol, t.ts_ms, t.price, t.qty, t.side) == (
            symbol,
            int(ts_text),
            float(price),
            float(size),
            side,
        )
    # the synthetic ids are unique within each recording
    assert len({(t.symbol, t.trade_id) for t in got}) == count


@pytest.mark.realdata
def test_legacy_spot_specific_frame(realdata_dir: Path) -> None:
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/BITGET.ws.1.0.gz")]
    frame = next(f for f in frames if '"data":[["1649290080017"' in f)
    [t] = BitgetSpotParser().parse_frame(frame, RECV) or []
    assert t == Trade(
        "bitget", "spot", "EOSUSDT", 2.4421, 2.0702, 2.4421 * 2.0702, "buy", 1649290080017,
        RECV, "v1:1649290080017:2.4421:2.0702:buy",
    )  # fmt: skip


@pytest.mark.realdata
def test_legacy_mix_snapshot_frame(realdata_dir: Path) -> None:
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/BITGET.ws.2.0.gz")]
    frame = next(f for f in frames if '"action":"snapshot"' in f and '"DASHUSDT"' in f and
                 '"channel":"trade"' in f)  # fmt: skip
    trades = BitgetFuturesParser().parse_frame(frame, RECV) or []
    assert len(trades) == len(json.loads(frame)["data"])
    assert [t.ts_ms for t in trades] == sorted(t.ts_ms for t in trades)  # sent newest first
    newest = trades[-1]
    assert (newest.symbol, newest.ts_ms, newest.price, newest.qty, newest.side, newest.market) == (
        "DASHUSDT",
        1649290076980,
        113.37,
        0.49,
        "sell",
        "futures",
    )


# --- REST ---------------------------------------------------------------------------------


def test_rest_spot_fills_doc_sample() -> None:
    payload = {"code": "00000", "msg": "success", "requestTime": 1695808949356, "data": [
        {"symbol": "BTCUSDT", "tradeId": "1000000000", "side": "buy", "price": "26293.4",
         "size": "0.0013", "ts": "1695709835822"}]}  # fmt: skip
    p = BitgetSpotParser()
    [rest] = p.parse_rest_trades("BTCUSDT", payload, RECV)
    assert rest == (p.parse_frame(DOC_SPOT, RECV) or [])[-1]


def test_rest_mix_fills() -> None:
    payload = {"code": "00000", "msg": "success", "data": [
        {"tradeId": "1111111111", "price": "27000.5", "size": "0.001", "side": "Sell",
         "ts": "1695716760565", "symbol": "BTCUSDT"}]}  # fmt: skip
    p = BitgetFuturesParser()
    assert p.parse_rest_trades("BTCUSDT", payload, RECV) == p.parse_frame(FUT_UPDATE, RECV)


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "40034", "msg": "Parameter does not exist", "data": None},
        {"code": "00000", "data": [{"tradeId": "1", "price": "1", "size": "1", "side": "x",
                                    "ts": "1"}]},
        {"code": "00000", "data": [{"price": "1", "size": "1", "side": "buy", "ts": "1"}]},
        {"code": "00000", "data": [{"tradeId": "1", "price": "1", "size": "1", "side": "buy",
                                    "ts": "1", "symbol": "ETHUSDT"}]},
    ],
)  # fmt: skip
def test_rest_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        BitgetSpotParser().parse_rest_trades("BTCUSDT", payload, RECV)


# --- instruments ----------------------------------------------------------------------------


def test_spot_symbols() -> None:
    payload = {"code": "00000", "msg": "success", "data": [
        {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "pricePrecision": "2",
         "quantityPrecision": "4", "status": "online"},
        {"symbol": "OLDUSDT", "baseCoin": "OLD", "quoteCoin": "USDT", "pricePrecision": "6",
         "quantityPrecision": "0", "status": "offline"},
    ]}  # fmt: skip
    btc, old = BitgetSpotParser().parse_instruments(payload)
    assert btc == Instrument("bitget", "spot", "BTCUSDT", "BTC", "USDT", True, "0.01")
    assert (old.trading, old.tick_size) == (False, "0.000001")


def test_mix_contracts() -> None:
    payload = {"code": "00000", "msg": "success", "data": [
        {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "pricePlace": "1",
         "priceEndStep": "1", "volumePlace": "3", "sizeMultiplier": "0.001",
         "symbolType": "perpetual", "symbolStatus": "normal"},
        {"symbol": "ETHUSDT", "baseCoin": "ETH", "quoteCoin": "USDT", "pricePlace": "2",
         "priceEndStep": "5", "volumePlace": "2", "sizeMultiplier": "0.01",
         "symbolType": "perpetual", "symbolStatus": "maintain"},
        {"symbol": "BTCUSDT0329", "baseCoin": "BTC", "quoteCoin": "USDT", "pricePlace": "1",
         "priceEndStep": "1", "sizeMultiplier": "0.001", "symbolType": "delivery",
         "symbolStatus": "normal"},
    ]}  # fmt: skip
    btc, eth = BitgetFuturesParser().parse_instruments(payload)
    # sizeMultiplier is an order step, not a contract value: sizes are already base coin
    assert btc == Instrument("bitget", "futures", "BTCUSDT", "BTC", "USDT", True, "0.1", 1.0)
    assert (eth.tick_size, eth.trading, eth.contract_size) == ("0.05", False, 1.0)


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "00000", "data": [{"symbol": "BTCUSDT", "baseCoin": "BTC"}]},
        {"code": "00000", "data": [{"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
                                    "pricePrecision": "two", "status": "online"}]},
        {"code": "429", "msg": "Too Many Requests"},
    ],
)  # fmt: skip
def test_instruments_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        BitgetSpotParser().parse_instruments(payload)
