"""Binance spot / USD-M futures parser: doc samples, real recordings, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.market.venues._recordings import cryptofeed_frames, hftbacktest_frames
from wickwatch.market.candles import CandleBuilder
from wickwatch.market.types import FUTURES, SPOT, Candle, Instrument, MalformedFrame, Trade
from wickwatch.market.venues import VenueParser, binance, parser_class
from wickwatch.market.venues.binance import BinanceFuturesParser, BinanceSpotParser

RECV = 1_700_000_000_123

# Official docs samples (spot Trade Streams / Aggregate Trade Streams).
DOC_TRADE = (
    '{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",'
    '"T":1672515782134,"m":true,"M":true}'
)
DOC_AGG = (
    '{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100",'
    '"f":100,"l":105,"T":1672515782134,"m":true,"M":true}'
)
# First trade of hftbacktest usdm/btcusdt_20240808 (line 3).
USDM_FIRST = (
    b'{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,'
    b'"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}'
)
# A USD-M aggTrade as the live connector receives it (combined stream, no "M").
USDM_AGG = (
    b'{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1723161256322,"a":2283130045,'
    b'"s":"BTCUSDT","p":"61800.30","q":"0.006","f":5266583935,"l":5266583935,'
    b'"T":1723161256322,"m":true}}'
)


def test_registry() -> None:
    assert parser_class("binance", "spot") is BinanceSpotParser
    assert parser_class("binance", "futures") is BinanceFuturesParser


def test_doc_trade_raw() -> None:
    [t] = BinanceSpotParser().parse_frame(DOC_TRADE, RECV) or []
    assert t == Trade(
        "binance",
        "spot",
        "BNBBTC",
        0.001,
        100.0,
        0.001 * 100.0,
        "sell",
        1672515782134,
        RECV,
        "12345",
    )


def test_doc_aggtrade_raw_and_wrapped_same() -> None:
    p = BinanceSpotParser()
    [raw] = p.parse_frame(DOC_AGG.encode(), RECV) or []
    [wrapped] = p.parse_frame('{"stream":"bnbbtc@aggTrade","data":' + DOC_AGG + "}", RECV) or []
    assert raw == wrapped
    assert raw.trade_id == "12345"  # the aggregate id ``a``, not f/l
    assert (raw.side, raw.ts_ms, raw.price, raw.qty) == ("sell", 1672515782134, 0.001, 100.0)


def test_real_usdm_first_trade_all_fields() -> None:
    [t] = BinanceFuturesParser().parse_frame(USDM_FIRST, RECV) or []
    assert t.exchange == "binance"
    assert t.market == "futures"
    assert t.symbol == "BTCUSDT"
    assert t.price == 61800.30
    assert t.qty == 0.006
    assert t.quote_qty == pytest.approx(370.8018)
    assert t.side == "buy"  # m false: buyer was the taker
    assert t.ts_ms == 1723161256322
    assert t.recv_ms == RECV
    assert t.trade_id == "5266583935"


def test_str_and_bytes_frames_agree() -> None:
    p = BinanceFuturesParser()
    assert p.parse_frame(USDM_FIRST, 1) == p.parse_frame(USDM_FIRST.decode(), 1)


@pytest.mark.parametrize("kind", ["INSURANCE_FUND", "ADL", "NA"])
def test_futures_non_market_fills_are_dropped(kind: str) -> None:
    frame = USDM_FIRST.replace(b'"X":"MARKET"', b'"X":"' + kind.encode() + b'"')
    assert BinanceFuturesParser().parse_frame(frame, RECV) == []


@pytest.mark.parametrize(
    "frame",
    [
        '{"result":null,"id":1}',
        '{"result":null,"id":"subscribe-trade"}',  # ack whose id mentions trade
        '{"id":"aggTrade","status":200,"result":null}',
        '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT",'
        '"U":1,"u":2,"pu":0,"b":[["1.0","2"]],"a":[]}}',
        '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":1,"s":"BTCUSDT","b":"1",'
        '"B":"1","a":"2","A":"1","T":1,"E":1}}',
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{}}}',
        '{"lastUpdateId":1,"bids":[],"asks":[]}',
        "",
    ],
)
def test_non_trade_frames_are_none(frame: str) -> None:
    assert BinanceFuturesParser().parse_frame(frame, RECV) is None
    assert BinanceSpotParser().parse_frame(frame.encode(), RECV) is None


@pytest.mark.parametrize(
    "frame",
    [
        USDM_FIRST[:-20],  # truncated
        USDM_FIRST.replace(b'"p":"61800.30",', b""),  # missing price
        USDM_FIRST.replace(b'"p":"61800.30"', b'"p":"sixty"'),  # text where a number goes
        USDM_FIRST.replace(b'"t":5266583935', b'"t":"x1"'),  # bad id
        USDM_FIRST.replace(b'"p":"61800.30"', b'"p":{"v":1}'),  # wrong type
        USDM_FIRST.replace(b'"p":"61800.30"', b'"p":"NaN"'),  # not finite
        USDM_FIRST.replace(b'"q":"0.006"', b'"q":"-0.006"'),  # negative qty
        USDM_FIRST.replace(b'"m":false', b'"m":[]'),
        b'{"stream":"btcusdt@trade","data":{}}',  # empty data
        b'{"stream":"btcusdt@trade","data":null}',
        b'{"e":"trade"}',
        b'{"stream":"btcusdt@trade","data":{"e":"trade"',
    ],
)
def test_malformed_trade_frames_raise(frame: bytes) -> None:
    with pytest.raises(MalformedFrame):
        BinanceFuturesParser().parse_frame(frame, RECV)
    with pytest.raises(MalformedFrame):
        BinanceSpotParser().parse_frame(frame.decode(), RECV)


def _independent_trades(frames: list[bytes], futures: bool) -> list[dict[str, object]]:
    out = []
    for frame in frames:
        msg = json.loads(frame)
        data = msg.get("data", msg)
        if data.get("e") not in {"trade", "aggTrade"}:
            continue
        if futures and data.get("X", "MARKET") != "MARKET":
            continue
        out.append(data)
    return out


def _check_recording(parser: VenueParser, frames: list[bytes], futures: bool) -> int:
    expected = _independent_trades(frames, futures)
    got: list[Trade] = []
    for frame in frames:
        result = parser.parse_frame(frame, RECV)
        if result is not None:
            got.extend(result)
    assert len(got) == len(expected)
    for t, d in zip(got, expected, strict=True):
        assert t.symbol == d["s"]
        assert t.price == float(str(d["p"]))
        assert t.qty == float(str(d["q"]))
        assert t.ts_ms == d["T"]
        assert t.side == ("sell" if d["m"] else "buy")
        assert t.trade_id == str(d["a"] if d["e"] == "aggTrade" else d["t"])
    return len(got)


@pytest.mark.realdata
def test_hftbacktest_usdm_whole_file(realdata_dir: Path) -> None:
    frames = [
        f for _, f in hftbacktest_frames(realdata_dir / "hftbacktest/usdm/btcusdt_20240808.gz")
    ]
    assert _check_recording(BinanceFuturesParser(), frames, futures=True) == 21313


@pytest.mark.realdata
def test_hftbacktest_spot_whole_file(realdata_dir: Path) -> None:
    frames = [
        f for _, f in hftbacktest_frames(realdata_dir / "hftbacktest/spot/btcusdt_20240808.gz")
    ]
    n = _check_recording(BinanceSpotParser(), frames, futures=False)
    assert n == 9757
    # a specific spot frame: taker buy (m false) with 8-decimal text
    frame = next(f for f in frames if b'"t":3735683305' in f)
    [t] = BinanceSpotParser().parse_frame(frame, RECV) or []
    assert (t.price, t.qty, t.side, t.ts_ms) == (61828.02, 0.0081, "buy", 1723161255856)


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "cls", "count"),
    [
        ("BINANCE.ws.1.0.gz", BinanceSpotParser, 2),
        ("BINANCE_FUTURES.ws.1.0.gz", BinanceFuturesParser, 91),
    ],
)
def test_cryptofeed_aggtrade_recordings(
    realdata_dir: Path, name: str, cls: type[VenueParser], count: int
) -> None:
    frames = [f.encode() for _, f in cryptofeed_frames(realdata_dir / "cryptofeed" / name)]
    assert _check_recording(cls(), frames, futures=cls is BinanceFuturesParser) == count


@pytest.mark.realdata
def test_cryptofeed_spot_aggtrade_values(realdata_dir: Path) -> None:
    frames = [f for _, f in cryptofeed_frames(realdata_dir / "cryptofeed/BINANCE.ws.1.0.gz")]
    frame = next(f for f in frames if '"a":9213679' in f)
    [t] = BinanceSpotParser().parse_frame(frame, RECV) or []
    assert t == Trade(
        "binance",
        "spot",
        "LRCBTC",
        0.00000638,
        177.0,
        0.00000638 * 177.0,
        "buy",
        1633998534486,
        RECV,
        "9213679",
    )


# --- fast path: feed_frame → CandleBuilder.add_raw -----------------------------------------

Feed = Callable[[VenueParser, CandleBuilder, bytes | str, int], object]


def _normalised(p: VenueParser, b: CandleBuilder, frame: bytes | str, recv: int) -> None:
    trades = p.parse_frame(frame, recv)
    if trades:
        b.add_frame(trades)


def _checked(p: VenueParser, b: CandleBuilder, frame: bytes | str, recv: int) -> None:
    assert isinstance(p, BinanceSpotParser | BinanceFuturesParser)
    trades = p._parse_checked(frame, recv)  # the step-by-step path alone
    if trades:
        b.add_frame(trades)


def _fast(p: VenueParser, b: CandleBuilder, frame: bytes | str, recv: int) -> None:
    assert isinstance(p, BinanceSpotParser | BinanceFuturesParser)
    p.feed_frame(frame, recv, b)


def _build(
    cls: Callable[[], VenueParser],
    frames: list[tuple[int, bytes | str]],
    feed: Feed | list[Feed],
) -> tuple[list[Candle], dict[tuple[str, str, str], int]]:
    """Candles of a replay-like run: close_due before every frame, flush at the end."""
    feeds = feed if isinstance(feed, list) else [feed]
    out: list[Candle] = []
    parser = cls()
    b = CandleBuilder(on_candle=out.append)
    for k, (recv, frame) in enumerate(frames):
        b.close_due(recv)
        feeds[k % len(feeds)](parser, b, frame, recv)
    b.flush()
    return out, b.late_counts()


def _binance_recordings(realdata_dir: Path) -> list[tuple[type[VenueParser], list]]:
    usdm = list(hftbacktest_frames(realdata_dir / "hftbacktest/usdm/btcusdt_20240808.gz"))
    spot = list(hftbacktest_frames(realdata_dir / "hftbacktest/spot/btcusdt_20240808.gz"))
    spot_cf = realdata_dir / "cryptofeed/BINANCE.ws.1.0.gz"
    usdm_cf = realdata_dir / "cryptofeed/BINANCE_FUTURES.ws.1.0.gz"
    return [
        (BinanceFuturesParser, [(ns // 1_000_000, f) for ns, f in usdm]),  # bytes
        (BinanceFuturesParser, [(ns // 1_000_000, f.decode()) for ns, f in usdm]),  # str
        (BinanceSpotParser, [(ns // 1_000_000, f.decode()) for ns, f in spot]),
        (BinanceSpotParser, [(int(ts * 1000), f) for ts, f in cryptofeed_frames(spot_cf)]),
        (BinanceFuturesParser, [(int(ts * 1000), f) for ts, f in cryptofeed_frames(usdm_cf)]),
    ]


@pytest.mark.realdata
def test_fast_path_gives_identical_candles_on_real_recordings(realdata_dir: Path) -> None:
    """feed_frame → add_raw, parse_frame → add_frame, the checked path alone, and both paths
    alternating frame by frame on one builder: the same candles (every field, exact float
    equality, same order, same completeness) and the same late counts, on every Binance
    recording. Per frame, parse_frame equals the checked path."""
    totals = []
    for cls, frames in _binance_recordings(realdata_dir):
        parser = cls()
        for recv, frame in frames:
            assert parser.parse_frame(frame, recv) == parser._parse_checked(frame, recv)
        reference = _build(cls, frames, _checked)
        assert _build(cls, frames, _normalised) == reference
        assert _build(cls, frames, _fast) == reference
        assert _build(cls, frames, [_fast, _normalised]) == reference
        # As a live connector runs it: with a listing (symbols decoded as the listed strings),
        # which here leaves every other symbol of the recording out (those take the checked
        # path, as a symbol listed after the last refresh does).
        symbols = sorted({t.symbol for r, f in frames for t in parser.parse_frame(f, r) or []})
        listing = [_instrument(cls.market, s) for s in symbols[::2]]
        assert _build(lambda: cls(listing), frames, _fast) == reference  # noqa: B023
        totals.append((len(reference[0]), sum(c.trades for c in reference[0])))
    assert totals == [(344, 21313), (344, 21313), (345, 9757), (2, 2), (54, 91)]


def _instrument(market: str, symbol: str) -> Instrument:
    return Instrument("binance", market, symbol, symbol[:-4], symbol[-4:], True, "0.01")


@pytest.mark.parametrize("cls", [BinanceSpotParser, BinanceFuturesParser])
def test_listed_symbols_are_handed_over_as_the_listed_strings(cls: type[VenueParser]) -> None:
    """With a listing, the fast path hands the builder one string object per listed symbol
    (its hash is cached: no new string per frame); a symbol listed later takes the checked
    path until the next listing refresh, with the same values."""
    parser = cls([_instrument(cls.market, "BTCUSDT")])
    unlisted = cls()
    assert isinstance(parser, BinanceSpotParser | BinanceFuturesParser)
    assert isinstance(unlisted, BinanceSpotParser | BinanceFuturesParser)
    frame = USDM_FIRST.decode()
    sink = _Sink()
    parser.feed_frame(frame, RECV, sink)
    parser.feed_frame(frame, RECV, sink)
    assert sink.calls[0][1] == "BTCUSDT"
    assert sink.calls[0][1] is sink.calls[1][1]
    unlisted.feed_frame(frame, RECV, sink)
    unlisted.feed_frame(frame, RECV, sink)
    assert sink.calls[2] == sink.calls[0]
    assert sink.calls[2][1] is not sink.calls[3][1]  # a new string per frame
    other = frame.replace("BTCUSDT", "ETHUSDT")
    with pytest.raises(msgspec.ValidationError):
        parser._decode_fast(other)
    parser.feed_frame(other, RECV, sink)
    assert sink.calls[4][1:] == ("ETHUSDT", *sink.calls[0][2:])
    parser.set_instruments([_instrument(cls.market, s) for s in ("BTCUSDT", "ETHUSDT")])
    assert parser._decode_fast(other).data.s == "ETHUSDT"


@pytest.mark.parametrize("market", [SPOT, FUTURES])
@pytest.mark.parametrize("tag", ["trade", "aggTrade"])
def test_fast_decoder_reads_the_fields_in_any_order(market: str, tag: str) -> None:
    """The fields are declared in the order Binance sends them (speed only): any order of the
    keys decodes to the same values."""
    event = {"e": tag, "E": 1, "s": "BTCUSDT", "p": "61800.30", "q": "0.006", "T": 17, "m": True}
    event["t" if tag == "trade" else "a"] = 42
    decode = binance.fast_decoder(market, ["BTCUSDT"])
    got = set()
    for keys in (sorted(event), sorted(event, reverse=True), list(event)):
        frame = json.dumps({"stream": "btcusdt@x", "data": {k: event[k] for k in keys}})
        ev = decode(frame).data
        got.add((ev.s, ev.id, ev.p, ev.q, ev.T, ev.m))
    assert got == {("BTCUSDT", 42, 61800.30, 0.006, 17, True)}


class _Sink:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def add_raw(self, *args: object) -> None:
        self.calls.append(args)


@pytest.mark.parametrize(
    ("cls", "frame"),
    [
        (BinanceFuturesParser, USDM_FIRST),
        (BinanceFuturesParser, USDM_FIRST.decode()),
        (BinanceSpotParser, DOC_TRADE),  # raw /ws events take the checked path
        (BinanceSpotParser, DOC_AGG.encode()),
        (BinanceSpotParser, '{"stream":"bnbbtc@aggTrade","data":' + DOC_AGG + "}"),
    ],
)
def test_feed_frame_hands_over_the_parsed_trade(cls: type[VenueParser], frame: bytes | str) -> None:
    parser = cls()
    assert isinstance(parser, BinanceSpotParser | BinanceFuturesParser)
    [t] = parser.parse_frame(frame, RECV) or []
    sink = _Sink()
    assert parser.feed_frame(frame, RECV, sink) == 1
    assert sink.calls == [
        (
            (t.exchange, t.market),
            t.symbol,
            t.ts_ms,
            t.price,
            t.qty,
            t.side == "buy",
            RECV,
            int(t.trade_id),
        )
    ]
    assert sink.calls[0][0] is parser.venue


def test_feed_frame_non_trades_liquidations_and_damage() -> None:
    parser = BinanceFuturesParser()
    sink = _Sink()
    liquidation = USDM_FIRST.replace(b'"X":"MARKET"', b'"X":"INSURANCE_FUND"')
    assert parser.feed_frame(liquidation, RECV, sink) == 0
    depth = '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"b":[],"a":[]}}'
    assert parser.feed_frame(depth, RECV, sink) is None
    assert parser.feed_frame("", RECV, sink) is None
    for bad in (USDM_FIRST.replace(b'"q":"0.006"', b'"q":"-0.006"'), USDM_FIRST[:-2], 42):
        with pytest.raises(MalformedFrame):
            parser.feed_frame(bad, RECV, sink)  # type: ignore[arg-type]
    assert sink.calls == []


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_feed_frame_agrees_with_parse_frame_on_damaged_frames(data: st.DataObject) -> None:
    """Truncated or mutated trade frames: the fast path (and parse_frame's own fast path)
    answers exactly like the checked path — same trades, None, or MalformedFrame."""
    frame = bytearray(data.draw(st.sampled_from([USDM_FIRST, USDM_AGG])))
    if data.draw(st.booleans()):
        del frame[data.draw(st.integers(0, len(frame))) :]
    for _ in range(data.draw(st.integers(0, 3))):
        if frame:
            pos = data.draw(st.integers(0, len(frame) - 1))
            frame[pos] = data.draw(st.sampled_from(b'"{}[],:0123456789.-eE \\xtfnMARKET\xff'))
    raw = bytes(frame)
    for f in (raw, raw.decode("utf-8", "replace")):
        parser = BinanceFuturesParser()
        want = _outcome(parser._parse_checked, f, RECV)
        got = _outcome(parser.parse_frame, f, RECV)
        sink = _Sink()
        fed = _outcome(parser.feed_frame, f, RECV, sink)
        if got != want:
            # The only difference allowed (module docstring): the fast path reads a frame by
            # its event type, the checked one rejects a non-trade stream name unread.
            trade_stream = raw.startswith(b'{"stream"') and raw.find(b'rade","data":', 10, 96) > 0
            assert want is None and isinstance(got, list) and not trade_stream
        if isinstance(got, list):
            assert fed == len(got) and len(sink.calls) == len(got)
        else:
            assert fed == got and sink.calls == []


def _outcome(call: Callable[..., object], *args: object) -> object:
    try:
        return call(*args)
    except MalformedFrame:
        return MalformedFrame


# --- REST ---------------------------------------------------------------------------------


def test_rest_aggtrades_doc_sample() -> None:
    payload = [
        {"a": 26129, "p": "0.01633102", "q": "4.70443515", "f": 27781, "l": 27781,
         "T": 1498793709153, "m": True, "M": True},
        {"a": 26130, "p": "0.01633200", "q": "1", "f": 27782, "l": 27790,
         "T": 1498793709160, "m": False},
    ]  # fmt: skip
    a, b = BinanceSpotParser().parse_rest_trades("BNBBTC", payload, RECV)
    assert a == Trade(
        "binance",
        "spot",
        "BNBBTC",
        0.01633102,
        4.70443515,
        0.01633102 * 4.70443515,
        "sell",
        1498793709153,
        RECV,
        "26129",
    )
    assert (b.trade_id, b.side, b.qty) == ("26130", "buy", 1.0)


def test_rest_aggtrades_match_stream_ids() -> None:
    """A backfilled aggTrade equals the live one except for recv time."""
    live = json.loads(DOC_AGG)
    [ws] = BinanceSpotParser().parse_frame(DOC_AGG, RECV) or []
    rest_row = {k: live[k] for k in ("a", "p", "q", "f", "l", "T", "m", "M")}
    [rest] = BinanceSpotParser().parse_rest_trades("BNBBTC", [rest_row], RECV)
    assert rest == ws


def test_rest_trades_doc_sample_futures() -> None:
    payload = [
        {"id": 28457, "price": "4.00000100", "qty": "12.00000000", "quoteQty": "48.00",
         "time": 1499865549590, "isBuyerMaker": True}
    ]  # fmt: skip
    [t] = BinanceFuturesParser().parse_rest_trades("BTCUSDT", payload, RECV)
    assert (t.market, t.symbol, t.price, t.qty, t.side, t.ts_ms, t.trade_id) == (
        "futures",
        "BTCUSDT",
        4.000001,
        12.0,
        "sell",
        1499865549590,
        "28457",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"code": -1121, "msg": "Invalid symbol."},
        [{"a": 1, "p": "1", "q": "1", "T": 1}],  # no m
        [{"a": 1, "p": "x", "q": "1", "T": 1, "m": True}],
        [{"a": 1, "p": "1", "q": "1", "T": "soon", "m": True}],
        [{"a": 1, "p": "1", "q": "1", "T": 1, "m": "yes"}],
        ["row"],
    ],
)
def test_rest_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        BinanceSpotParser().parse_rest_trades("BTCUSDT", payload, RECV)


# --- instruments ----------------------------------------------------------------------------


def _sym(symbol: str, base: str, quote: str, status: str, tick: str, **extra: str) -> dict:
    return {
        "symbol": symbol, "status": status, "baseAsset": base, "quoteAsset": quote,
        "filters": [
            {"filterType": "LOT_SIZE", "stepSize": "0.001"},
            {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000",
             "tickSize": tick},
        ],
        **extra,
    }  # fmt: skip


def test_spot_instruments() -> None:
    payload = {
        "timezone": "UTC",
        "symbols": [
            _sym("ETHBTC", "ETH", "BTC", "TRADING", "0.00001000"),
            _sym("LUNAUSDT", "LUNA", "USDT", "BREAK", "0.00010000"),
            _sym("BTCTRY", "BTC", "TRY", "TRADING", "1.00000000"),
        ],
    }
    eth, luna, btctry = BinanceSpotParser().parse_instruments(payload)
    assert eth == Instrument(
        "binance", "spot", "ETHBTC", "ETH", "BTC", True, "0.00001", 1.0, "ethbtc"
    )
    assert luna.trading is False
    assert btctry.tick_size == "1"


def test_futures_instruments_perpetual_only() -> None:
    payload = {
        "symbols": [
            _sym("BTCUSDT", "BTC", "USDT", "TRADING", "0.10", contractType="PERPETUAL"),
            _sym("BTCUSDT_250328", "BTC", "USDT", "TRADING", "0.10",
                 contractType="CURRENT_QUARTER"),
            _sym("ETHUSDC", "ETH", "USDC", "SETTLING", "0.01", contractType="PERPETUAL"),
        ]
    }  # fmt: skip
    btc, eth = BinanceFuturesParser().parse_instruments(payload)
    assert (btc.symbol, btc.quote, btc.tick_size, btc.trading, btc.stream_symbol) == (
        "BTCUSDT",
        "USDT",
        "0.1",
        True,
        "btcusdt",
    )
    assert (eth.symbol, eth.quote, eth.trading) == ("ETHUSDC", "USDC", False)


@pytest.mark.parametrize(
    "payload",
    [[], {"symbols": None}, {"symbols": [{"symbol": "X", "status": "TRADING"}]}],
)
def test_instruments_malformed(payload: object) -> None:
    with pytest.raises(MalformedFrame):
        BinanceSpotParser().parse_instruments(payload)
