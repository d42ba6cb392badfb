"""Gate v4 spot / USDT futures parser: doc samples, real recordings, contract sizes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.market.venues._recordings import cryptofeed_frames
from wickwatch.market.types import Instrument, MalformedFrame, Trade
from wickwatch.market.venues import parser_class
from wickwatch.market.venues.gate import GateFuturesParser, GateSpotParser

RECV = 1_700_000_000_000

# Official docs samples (spot.trades / futures.trades).
DOC_SPOT = (
    '{"time":1606292218,"time_ms":1606292218231,"channel":"spot.trades","event":"update",'
    '"result":{"id":309143071,"create_time":1606292218,"create_time_ms":"1606292218213.4578",'
    '"side":"sell","currency_pair":"GT_USDT","amount":"16.4700000000","price":"0.4705000000",'
    '"range":"2390902-2390902"}}'
)
DOC_FUT = (
    '{"channel":"futures.trades","event":"update","time":1541503698,"time_ms":1541503698123,'
    '"result":[{"size":-108,"id":27753479,"create_time":1545136464,'
    '"create_time_ms":1545136464123,"price":"96.4","contract":"BTC_USDT"},'
    '{"size":25,"id":27753480,"create_time":1545136464,"create_time_ms":1545136464125,'
    '"price":"96.5","contract":"BTC_USDT"}]}'
)
CONTRACTS = [
    {"name": "BTC_USDT", "type": "direct", "quanto_multiplier": "0.0001",
     "order_price_round": "0.1", "mark_price_round": "0.01", "in_delisting": False,
     "status": "trading"},
    {"name": "OLD_USDT", "type": "direct", "quanto_multiplier": "10",
     "order_price_round": "0.00001", "in_delisting": True, "position_size": 0},
    {"name": "GOING_USDT", "type": "direct", "quanto_multiplier": "1",
     "order_price_round": "0.001", "in_delisting": True, "position_size": 1234,
     "status": "delisting"},
    {"name": "GONE_USDT", "type": "direct", "quanto_multiplier": "1",
     "order_price_round": "0.001", "in_delisting": False, "status": "delisted"},
    {"name": "BTC_USD", "type": "inverse", "quanto_multiplier": "0",
     "order_price_round": "0.5"},
]  # fmt: skip


def _fut() -> GateFuturesParser:
    return GateFuturesParser(GateFuturesParser().parse_instruments(CONTRACTS))


def test_registry() -> None:
    assert parser_class("gate", "spot") is GateSpotParser
    assert parser_class("gate", "futures") is GateFuturesParser


def test_doc_spot_sample() -> None:
    [t] = GateSpotParser().parse_frame(DOC_SPOT, RECV) or []
    assert t == Trade(
        "gate", "spot", "GT_USDT", 0.4705, 16.47, 0.4705 * 16.47, "sell", 1606292218213, RECV,
        "309143071",
    )  # fmt: skip


def test_doc_futures_sample_contracts_to_base() -> None:
    a, b = _fut().parse_frame(DOC_FUT.encode(), RECV) or []
    assert (a.symbol, a.price, a.side, a.ts_ms, a.trade_id, a.market) == (
        "BTC_USDT",
        96.4,
        "sell",
        1545136464123,
        "27753479",
        "futures",
    )
    assert a.qty == pytest.approx(0.0108)  # |-108| contracts × 0.0001 BTC
    assert a.quote_qty == pytest.approx(96.4 * 0.0108)
    assert b.side == "buy"
    assert b.qty == pytest.approx(0.0025)


def test_futures_internal_trades_dropped() -> None:
    frame = DOC_FUT.replace('"contract":"BTC_USDT"}', '"contract":"BTC_USDT","is_internal":true}')
    trades = _fut().parse_frame(frame, RECV) or []
    assert [t.trade_id for t in trades] == []
    one = DOC_FUT.replace('"price":"96.4","contract":"BTC_USDT"}', '"price":"96.4",'
                          '"contract":"BTC_USDT","is_internal":true}')  # fmt: skip
    assert [t.trade_id for t in _fut().parse_frame(one, RECV) or []] == ["27753480"]


def test_futures_unknown_contract_is_malformed() -> None:
    with pytest.raises(MalformedFrame, match="quanto_multiplier"):
        GateFuturesParser().parse_frame(DOC_FUT, RECV)


@pytest.mark.parametrize(
    "frame",
    [
        '{"time":1619093532,"channel":"spot.trades","event":"subscribe",'
        '"result":{"status":"success"}}',
        '{"time":1684930165,"time_ms":0,"channel":"futures.trades","event":"subscribe",'
        '"result":{"status":"success"}}',
        '{"time":1,"channel":"spot.order_book_update","event":"update","result":{}}',
        '{"time":1,"channel":"spot.pong","event":"","result":null}',
        "",
    ],
)
def test_non_trade_frames_are_none(frame: str) -> None:
    assert GateSpotParser().parse_frame(frame, RECV) is None
    assert _fut().parse_frame(frame.encode(), RECV) is None


@pytest.mark.parametrize(
    "frame",
    [
        DOC_SPOT[:-3],
        DOC_SPOT.replace('"price":"0.4705000000",', ""),
        DOC_SPOT.replace('"price":"0.4705000000"', '"price":"low"'),
        DOC_SPOT.replace('"id":309143071', '"id":"x"'),
        DOC_SPOT.replace('"side":"sell"', '"side":"ask"'),
        DOC_SPOT.replace('"amount":"16.4700000000"', '"amount":"-1"'),
        '{"time":1,"channel":"spot.trades","event":"update","result":{}}',
        '{"time":1,"channel":"spot.trades","event":"update","result":null}',
    ],
)
def test_malformed_spot_frames_raise(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        GateSpotParser().parse_frame(frame, RECV)


@pytest.mark.parametrize(
    "frame",
    [
        DOC_FUT[:-3],
        DOC_FUT.replace('"size":-108,', ""),
        DOC_FUT.replace('"size":-108', '"size":0'),
        DOC_FUT.replace('"price":"96.4"', '"price":"nan"'),
        '{"channel":"futures.trades","event":"update","result":[]}',
        '{"channel":"futures.trades","event":"update","result":{"size":1}}',
    ],
)
def test_malformed_futures_frames_raise(frame: str) -> None:
    with pytest.raises(MalformedFrame):
        _fut().parse_frame(frame, RECV)


# --- recordings (API v4) -------------------------------------------------------------------


@pytest.mark.realdata
def test_spot_recording_whole_file(realdata_dir: Path) -> None:
    path = realdata_dir / "cryptofeed/GATEIO.ws.1.0.gz"
    expected = []
    for _, text in cryptofeed_frames(path):
        msg = json.loads(text)
        if msg.get("channel") == "spot.trades" and msg.get("event") == "update":
            expected.append(msg["result"])
    got: list[Trade] = []
    p = GateSpotParser()
    for ts, text in cryptofeed_frames(path):
        result = p.parse_frame(text, int(ts * 1000))
        if result is not None:
            got.extend(result)
    assert len(got) == len(expected) == 9
    for t, r in zip(got, expected, strict=True):
        assert (t.symbol, t.trade_id, t.side) == (r["currency_pair"], str(r["id"]), r["side"])
        assert (t.price, t.qty) == (float(r["price"]), float(r["amount"]))
        assert t.ts_ms == int(float(r["create_time_ms"]))


@pytest.mark.realdata
def test_spot_recording_specific_frame(realdata_dir: Path) -> None:
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/GATEIO.ws.1.0.gz")]
    frame = next(f for f in frames if '"id":816995970' in f)
    [t] = GateSpotParser().parse_frame(frame, RECV) or []
    assert t == Trade(
        "gate", "spot", "NEO_BTC", 0.0018735, 0.5, 0.0018735 * 0.5, "buy", 1619093546958, RECV,
        "816995970",
    )  # fmt: skip


@pytest.mark.realdata
def test_futures_recording_has_no_trades(realdata_dir: Path) -> None:
    """The USDT-futures capture holds only the futures.trades subscribe answer."""
    p = GateFuturesParser(GateFuturesParser().parse_instruments(CONTRACTS))
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/GATEIO_FUTURES.ws.1.0.gz")]
    assert len(frames) == 450
    assert all(p.parse_frame(f, RECV) is None for f in frames)


# --- REST ---------------------------------------------------------------------------------


def test_rest_spot_trades_match_ws() -> None:
    payload = [
        {"id": "309143071", "create_time": "1606292218", "create_time_ms": "1606292218213.4578",
         "currency_pair": "GT_USDT", "side": "sell", "amount": "16.4700000000",
         "price": "0.4705000000", "sequence_id": "588018"},
    ]  # fmt: skip
    p = GateSpotParser()
    assert p.parse_rest_trades("GT_USDT", payload, RECV) == p.parse_frame(DOC_SPOT, RECV)


def test_rest_futures_trades_doc_sample() -> None:
    payload = [
        {"id": 27753479, "create_time": 1545136464.123, "contract": "BTC_USDT", "size": -108,
         "price": "96.4"},
        {"id": 27753481, "create_time": 1545136465.0, "contract": "BTC_USDT", "size": 3,
         "price": "96.6", "is_internal": True},
    ]  # fmt: skip
    p = _fut()
    [t] = p.parse_rest_trades("BTC_USDT", payload, RECV)
    assert t == (p.parse_frame(DOC_FUT, RECV) or [])[0]


@pytest.mark.parametrize(
    "payload",
    [
        {"label": "INVALID_PARAM_VALUE", "message": "bad"},
        [{"id": 1, "create_time": 1.0, "contract": "BTC_USDT", "size": "many", "price": "1"}],
        [{"id": 1, "create_time": 1.0, "contract": "BTC_USDT", "size": 0, "price": "1"}],
        [{"id": 1, "contract": "BTC_USDT", "size": 1, "price": "1"}],
        [{"id": 1, "create_time": 1.0, "contract": "ETH_USDT", "size": 1, "price": "1"}],
        [{"id": 1, "create_time": 1.0, "contract": "NOPE_USDT", "size": 1, "price": "1"}],
    ],
)
def test_rest_futures_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        _fut().parse_rest_trades(
            "NOPE_USDT" if "NOPE" in json.dumps(payload) else "BTC_USDT", payload, RECV
        )


# --- instruments ----------------------------------------------------------------------------


def test_spot_currency_pairs() -> None:
    payload = [
        {"id": "ETH_USDT", "base": "ETH", "quote": "USDT", "fee": "0.2",
         "min_base_amount": "0.001", "min_quote_amount": "1.0", "amount_precision": 3,
         "precision": 2, "trade_status": "tradable", "sell_start": 1516378650,
         "buy_start": 1516378650},
        {"id": "DEAD_USDT", "base": "DEAD", "quote": "USDT", "precision": 6,
         "trade_status": "untradable"},
        {"id": "LEAVING_USDT", "base": "LEAVING", "quote": "USDT", "precision": 4,
         "trade_status": "sellable"},
        {"id": "NEW_USDT", "base": "NEW", "quote": "USDT", "precision": 4,
         "trade_status": "buyable"},
    ]  # fmt: skip
    eth, dead, leaving, new = GateSpotParser().parse_instruments(payload)
    assert eth == Instrument("gate", "spot", "ETH_USDT", "ETH", "USDT", True, "0.01")
    assert (dead.trading, dead.tick_size) == (False, "0.000001")
    # one side open still matches orders: trades print, the pair is collected
    assert leaving.trading and new.trading


def test_futures_contracts() -> None:
    btc, old, going, gone = GateFuturesParser().parse_instruments(CONTRACTS)  # inverse skipped
    # delisting with open positions: they are being closed, trades print; delisted: none
    assert going.trading and not gone.trading
    assert btc == Instrument(
        "gate", "futures", "BTC_USDT", "BTC", "USDT", True, "0.1", contract_size=0.0001
    )
    assert (old.symbol, old.trading, old.contract_size, old.tick_size) == (
        "OLD_USDT",
        False,
        10.0,
        "0.00001",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"not": "a list"},
        [{"id": "ETH_USDT", "base": "ETH", "quote": "USDT", "precision": "2"}],
        [{"id": "ETH_USDT", "base": "ETH", "trade_status": "tradable", "precision": 2}],
    ],
)
def test_spot_instruments_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        GateSpotParser().parse_instruments(payload)


def test_futures_instruments_malformed() -> None:
    with pytest.raises(MalformedFrame):
        GateFuturesParser().parse_instruments(
            [{"name": "BTC_USDT", "type": "direct", "order_price_round": "0.1"}]
        )
