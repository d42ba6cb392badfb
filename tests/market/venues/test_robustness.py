"""Every parser, fed damaged or arbitrary input, answers None / trades or raises MalformedFrame.

Nothing else may escape (the contract in ``VenueParser.parse_frame``): a stray KeyError,
TypeError, UnicodeError or RecursionError from a bad frame would kill a feed task.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.market.venues import (
    test_binance,
    test_bitget,
    test_bybit,
    test_gate,
    test_hyperliquid,
    test_okx,
)
from wickwatch.market.types import Instrument, MalformedFrame, Trade
from wickwatch.market.venues import VenueParser, parser_class

_okx_inst = parser_class("okx", "futures")().parse_instruments(test_okx.SWAP_INSTRUMENTS)
_gate_inst = parser_class("gate", "futures")().parse_instruments(test_gate.CONTRACTS)
_hl_spot = parser_class("hyperliquid", "spot")().parse_instruments(test_hyperliquid.SPOT_META)

SAMPLES: dict[tuple[str, str], tuple[list[Instrument], list[bytes | str]]] = {
    ("binance", "spot"): ([], [test_binance.DOC_TRADE, test_binance.DOC_AGG]),
    ("binance", "futures"): ([], [test_binance.USDM_FIRST]),
    ("okx", "spot"): ([], [test_okx.DOC_TRADES, test_okx.DOC_TRADES_ALL]),
    ("okx", "futures"): (_okx_inst, [test_okx.SWAP_FRAME]),
    ("bybit", "spot"): ([], [test_bybit.SPOT_TWO]),
    ("bybit", "futures"): (
        [],
        [
            test_bybit.DOC_LINEAR,
            '{"topic":"trade.BTCUSD","data":[{"trade_time_ms":1618677786614,"symbol":"BTCUSD",'
            '"side":"Sell","size":4,"price":60621.5,"trade_id":"5ffb8b77"}]}',
        ],
    ),
    ("bitget", "spot"): (
        [],
        [
            test_bitget.DOC_SPOT,
            '{"action":"update","arg":{"instType":"sp","channel":"trade","instId":"EOSUSDT"},'
            '"data":[["1649290080017","2.4421","2.0702","buy"]]}',
        ],
    ),
    ("bitget", "futures"): ([], [test_bitget.FUT_UPDATE]),
    ("gate", "spot"): ([], [test_gate.DOC_SPOT]),
    ("gate", "futures"): (_gate_inst, [test_gate.DOC_FUT]),
    ("hyperliquid", "spot"): (_hl_spot, [test_hyperliquid.SPOT_TRADE]),
    ("hyperliquid", "futures"): ([], [test_hyperliquid.DOC_TRADES]),
}


def _parser(key: tuple[str, str]) -> VenueParser:
    return parser_class(*key)(SAMPLES[key][0])


def _check_frame(parser: VenueParser, frame: bytes | str) -> None:
    try:
        result = parser.parse_frame(frame, 1)
    except MalformedFrame:
        return
    assert result is None or all(isinstance(t, Trade) for t in result)


def _check_call(call: Callable[[], list[Any]]) -> None:
    try:
        result = call()
    except MalformedFrame:
        return
    assert isinstance(result, list)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_samples_parse_and_every_truncation_is_handled(key: tuple[str, str]) -> None:
    parser = _parser(key)
    for frame in SAMPLES[key][1]:
        assert parser.parse_frame(frame, 1), frame  # the intact sample yields trades
        raw = frame.encode() if isinstance(frame, str) else frame
        for cut in range(len(raw)):
            _check_frame(parser, raw[:cut])
            _check_frame(parser, raw[:cut].decode("utf-8", "replace"))


@pytest.mark.parametrize("key", sorted(SAMPLES))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_byte_mutations_are_handled(key: tuple[str, str], data: st.DataObject) -> None:
    parser = _parser(key)
    frame = data.draw(st.sampled_from(SAMPLES[key][1]))
    raw = bytearray(frame.encode() if isinstance(frame, str) else frame)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(st.sampled_from(b'"{}[],:0123456789.-eE \\xtfn\xff\x00'))
    _check_frame(parser, bytes(raw))


def test_hostile_frames() -> None:
    nested = b"[" * 50_000
    for key in SAMPLES:
        parser = _parser(key)
        for frame in SAMPLES[key][1]:
            raw = frame.encode() if isinstance(frame, str) else frame
            head = raw[: raw.index(b"[") + 1] if b"[" in raw else raw[:-1]
            _check_frame(parser, head + nested)  # deep nesting
            _check_frame(parser, raw.replace(b'"', b'"\xff', 1))  # invalid UTF-8
            _check_frame(parser, raw.decode().replace('"', '"\ud800', 1))  # lone surrogate
            _check_frame(parser, raw.replace(b"1", b"1" * 400))  # huge numbers


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=20,
)

REST_SAMPLES: dict[tuple[str, str], list[Any]] = {
    ("binance", "spot"): [
        [{"a": 1, "p": "1", "q": "1", "f": 1, "l": 1, "T": 1, "m": True, "M": True}],
        [{"id": 1, "price": "1", "qty": "1", "time": 1, "isBuyerMaker": False}],
    ],
    ("okx", "futures"): [
        {"code": "0", "data": [{"instId": "BTC-USDT-SWAP", "side": "buy", "sz": "1",
                                "px": "1", "tradeId": "1", "ts": "1"}]},
    ],
    ("bybit", "spot"): [
        {"retCode": 0, "result": {"list": [{"execId": "1", "symbol": "BTCUSDT", "price": "1",
                                            "size": "1", "side": "Buy", "time": "1"}]}},
    ],
    ("bitget", "spot"): [
        {"code": "00000", "data": [{"tradeId": "1", "price": "1", "size": "1", "side": "buy",
                                    "ts": "1", "symbol": "BTCUSDT"}]},
    ],
    ("gate", "futures"): [
        [{"id": 1, "create_time": 1.5, "contract": "BTC_USDT", "size": -1, "price": "1"}],
    ],
    ("hyperliquid", "futures"): [
        [{"coin": "BTC", "side": "B", "px": "1", "sz": "1", "time": 1, "tid": 1}],
    ],
}  # fmt: skip
REST_SYMBOL = {"okx": "BTC-USDT-SWAP", "gate": "BTC_USDT", "hyperliquid": "BTC"}

INSTRUMENT_SAMPLES: dict[tuple[str, str], Any] = {
    ("binance", "futures"): {"symbols": [test_binance._sym("BTCUSDT", "BTC", "USDT", "TRADING",
                                                           "0.1", contractType="PERPETUAL")]},
    ("okx", "futures"): test_okx.SWAP_INSTRUMENTS,
    ("gate", "futures"): test_gate.CONTRACTS,
    ("hyperliquid", "spot"): test_hyperliquid.SPOT_META,
    ("hyperliquid", "futures"): test_hyperliquid.META,
    ("bitget", "futures"): {"code": "00000", "data": [
        {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "pricePlace": "1",
         "priceEndStep": "1", "symbolType": "perpetual", "symbolStatus": "normal"}]},
    ("bybit", "futures"): {"retCode": 0, "result": {"list": [
        {"symbol": "BTCUSDT", "contractType": "LinearPerpetual", "status": "Trading",
         "baseCoin": "BTC", "quoteCoin": "USDT", "priceFilter": {"tickSize": "0.10"}}]}},
}  # fmt: skip


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [path] + [p for k, v in obj.items() for p in _leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [path] + [p for i, v in enumerate(obj) for p in _leaves(v, (*path, i))]
    return [path]


def _replace(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(obj)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize("key", sorted(REST_SAMPLES))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_rest_payload_damage_is_handled(key: tuple[str, str], data: st.DataObject) -> None:
    parser = parser_class(*key)(_okx_inst + _gate_inst)
    sample = data.draw(st.sampled_from(REST_SAMPLES[key]))
    assert parser.parse_rest_trades(REST_SYMBOL.get(key[0], "BTCUSDT"), sample, 1)
    path = data.draw(st.sampled_from(_leaves(sample)))
    damaged = _replace(sample, path, data.draw(_json))
    json.dumps(damaged)  # still plain JSON data
    _check_call(lambda: parser.parse_rest_trades(REST_SYMBOL.get(key[0], "BTCUSDT"), damaged, 1))


@pytest.mark.parametrize("key", sorted(INSTRUMENT_SAMPLES))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_instrument_payload_damage_is_handled(key: tuple[str, str], data: st.DataObject) -> None:
    parser = parser_class(*key)()
    sample = INSTRUMENT_SAMPLES[key]
    assert parser.parse_instruments(sample)
    path = data.draw(st.sampled_from(_leaves(sample)))
    damaged = _replace(sample, path, data.draw(_json))
    _check_call(lambda: parser.parse_instruments(damaged))
