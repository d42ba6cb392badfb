"""Recording format: writer/reader round trip, crash safety, format and venue detection."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path

import pytest

from wickwatch.market.recording import (
    CRYPTOFEED,
    FREQTRADE,
    HFTBACKTEST,
    WICKWATCH,
    RecordingFormatError,
    RecordingWriter,
    detect_format,
    open_recording,
    venue_from_cryptofeed_name,
    venue_from_url,
)

FRAMES: list[str | bytes] = [
    '{"stream":"btcusdt@trade","data":{"e":"trade","p":"61800.30"}}',
    '{"text":"quotes \\" and \\\\ and unicode é 中","n":1}',
    "pong",
    '  {"spaces": "kept exactly"}  ',
    b'{"bytes":"utf-8 \xc3\xa9"}',
]


def test_round_trip_exact(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl.gz"
    with RecordingWriter(path, "okx", "spot", started_ms=123, meta={"url": "wss://x"}) as w:
        for i, f in enumerate(FRAMES):
            w.write(f, 1_700_000_000_000_000_000 + i, conn=1 + i % 2)
        w.write(b"\xff\xfe binary", 1_700_000_000_000_000_099)
        w.event("closed", "server going away", 1_700_000_000_000_000_100, conn="okx.ws.2")
    rec = open_recording(path)
    assert (rec.format, rec.exchange, rec.market, rec.url) == (WICKWATCH, "okx", "spot", "wss://x")
    assert rec.header == {
        "wickwatch_recording": 1,
        "exchange": "okx",
        "market": "spot",
        "started_ms": 123,
        "url": "wss://x",
    }
    got = list(rec)
    want = [f if isinstance(f, str) else f.decode() for f in FRAMES]
    assert [f for _, f in got] == [*want, b"\xff\xfe binary"]
    assert [ns for ns, _ in got][:2] == [1_700_000_000_000_000_000, 1_700_000_000_000_000_001]
    with gzip.open(path, "rt") as fh:
        lines = [json.loads(line) for line in fh]
    assert lines[1] == {"recv_ns": 1_700_000_000_000_000_000, "frame": FRAMES[0], "conn": 1}
    assert "frame_b64" in lines[-2]
    assert lines[-1] == {
        "recv_ns": 1_700_000_000_000_000_100,
        "event": "closed",
        "data": "server going away",
        "conn": "okx.ws.2",
    }


def test_cut_short_recording_is_readable_up_to_the_last_flush(tmp_path: Path) -> None:
    path = tmp_path / "crash.jsonl.gz"
    w = RecordingWriter(path, "binance", "spot", flush_bytes=1 << 30)
    w.write("one", 1)
    w.write("two", 2)
    w.flush()
    w.write("three (never flushed)", 3)
    # The recorder dies here: the gzip stream has no end marker.
    rec = open_recording(path)
    assert list(rec) == [(1, "one"), (2, "two")]
    assert rec.truncated
    w.close()
    assert [f for _, f in open_recording(path)] == ["one", "two", "three (never flushed)"]


def test_damaged_gzip_is_read_up_to_the_damage(tmp_path: Path) -> None:
    """A damaged block (bad sector, broken copy): the frames before it come out as recorded,
    then the reading stops and says why (the damaged rest decompresses to garbage up to the
    checksum, which only some lines survive as JSON)."""
    path = tmp_path / "damaged.jsonl.gz"
    frames = [f'{{"n":{k},"pad":"{k * 7919 % 10007:x}"}}' for k in range(3000)]
    with RecordingWriter(path, "okx", "spot") as w:
        for k, frame in enumerate(frames):
            w.write(frame, k)
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    rec = open_recording(path)
    got = list(rec)
    good = 0
    while good < len(got) and got[good] == (good, frames[good]):
        good += 1
    assert 1000 < good < 3000
    assert rec.cut is not None and "damaged compressed data" in rec.cut


def test_zero_padding_after_the_gzip_data_is_ignored(tmp_path: Path) -> None:
    """As `zcat` does: a file padded with zeros by a crash (ext4) or a partial copy."""
    path = tmp_path / "padded.jsonl.gz"
    with RecordingWriter(path, "okx", "spot") as w:
        w.write("one", 1)
    path.write_bytes(path.read_bytes() + b"\0" * 100_000)
    rec = open_recording(path)
    assert list(rec) == [(1, "one")]
    assert rec.cut is None


def test_half_written_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "half.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write('{"wickwatch_recording":1,"exchange":"gate","market":"spot","started_ms":1}\n')
        fh.write('{"recv_ns":5,"frame":"ok"}\n{"recv_ns":6,"fra')
    assert list(open_recording(path)) == [(5, "ok")]


async def test_async_writer_flushes_in_background(tmp_path: Path) -> None:
    path = tmp_path / "async.jsonl.gz"
    async with RecordingWriter(path, "bybit", "futures", flush_interval_s=0.01) as w:
        for i in range(1000):
            w.write(f'{{"i":{i}}}', i)
        await asyncio.sleep(0.1)
        assert [ns for ns, _ in open_recording(path)] == list(range(1000))  # flushed while open
        w.write("last", 1000)
    assert len(list(open_recording(path))) == 1001
    with pytest.raises(RuntimeError):
        w.write("after close", 1)


async def test_async_writer_flushes_when_buffer_is_full(tmp_path: Path) -> None:
    path = tmp_path / "full.jsonl.gz"
    async with RecordingWriter(path, "bybit", "futures", flush_bytes=100, flush_interval_s=60) as w:
        for i in range(50):
            w.write("x" * 50, i)
        await asyncio.sleep(0.05)
        assert len(list(open_recording(path))) >= 40


def test_wrong_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v2.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write('{"wickwatch_recording":2,"exchange":"gate","market":"spot","started_ms":1}\n')
    with pytest.raises(RecordingFormatError, match="version 2"):
        open_recording(path)


# ------------------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("line", "fmt"),
    [
        (b'{"wickwatch_recording": 1, "exchange": "okx"}', WICKWATCH),
        (b'1723161255030314667 {"stream":"btcusdt@depth@0ms","data":{}}', HFTBACKTEST),
        (b"wss://stream.binance.com:9443/stream?streams=a/b <-> 1633998511.159679", CRYPTOFEED),
        (b'1633998512.0633569: {"stream":"x"}', CRYPTOFEED),
        (b"[[1570752011620, 13519807, null, 'sell']]", FREQTRADE),
        (b",timestamp,id,type,side,price,amount,cost,date", FREQTRADE),
    ],
)
def test_detect_format(line: bytes, fmt: str) -> None:
    assert detect_format(line) == fmt


def test_unknown_format() -> None:
    with pytest.raises(RecordingFormatError):
        detect_format(b"hello world")


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "fmt", "exchange", "market", "frames"),
    [
        ("hftbacktest/usdm/btcusdt_20240808.gz", HFTBACKTEST, "binance", "futures", 93954),
        ("hftbacktest/spot/btcusdt_20240808.gz", HFTBACKTEST, "binance", "spot", 41249),
        ("cryptofeed/BINANCE.ws.1.0.gz", CRYPTOFEED, "binance", "spot", 265),
        ("cryptofeed/BINANCE_FUTURES.ws.1.0.gz", CRYPTOFEED, "binance", "futures", 1535),
        ("cryptofeed/BINANCE_DELIVERY.ws.1.0.gz", CRYPTOFEED, "binance", "delivery", 4371),
        ("cryptofeed/BYBIT.ws.25.0.gz", CRYPTOFEED, "bybit", "futures", 3342),
        ("cryptofeed/BYBIT.ws.26.0.gz", CRYPTOFEED, "bybit", "futures", 1098),
        ("cryptofeed/BITGET.ws.1.0.gz", CRYPTOFEED, "bitget", "spot", 684),
        ("cryptofeed/BITGET.ws.2.0.gz", CRYPTOFEED, "bitget", "futures", 473),
        ("cryptofeed/GATEIO.ws.1.0.gz", CRYPTOFEED, "gate", "spot", 239),
        ("cryptofeed/GATEIO_FUTURES.ws.1.0.gz", CRYPTOFEED, "gate", "futures", 450),
    ],
)
def test_real_recordings_detected(
    realdata_dir: Path, name: str, fmt: str, exchange: str, market: str, frames: int
) -> None:
    rec = open_recording(realdata_dir / name)
    assert (rec.format, rec.exchange, rec.market) == (fmt, exchange, market)
    got = list(rec)
    assert len(got) == frames  # the README's received-message counts
    assert all(isinstance(f, str) and f[:1] in "{[" for _, f in got[:50])
    ns = [n for n, _ in got]
    assert ns[0] > 1_600_000_000 * 10**9


@pytest.mark.realdata
def test_cryptofeed_times_are_exact_ns(realdata_dir: Path) -> None:
    (ns, frame), *_ = open_recording(realdata_dir / "cryptofeed/BINANCE.ws.1.0.gz")
    assert ns == 1633998512_063356900  # "1633998512.0633569: ..."
    assert isinstance(frame, str) and frame.startswith('{"stream":"nknusdt@depth@100ms"')


@pytest.mark.realdata
def test_freqtrade_lists_are_not_frame_recordings(realdata_dir: Path) -> None:
    for name in ("freqtrade/XRP_ETH-trades.json.gz", "freqtrade/public_trades_list.csv"):
        with pytest.raises(RecordingFormatError, match="freqtrade"):
            open_recording(realdata_dir / name)


def _hft(path: Path, frames: list[str]) -> Path:
    with gzip.open(path, "wt") as fh:
        for i, f in enumerate(frames):
            fh.write(f"{1723161255030314667 + i} {f}\n")
    return path


SPOT_TRADE = (
    '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1",'
    '"T":1,"m":true,"M":true}}'
)
USDM_TRADE = (
    '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"T":1,"s":"BTCUSDT","t":1,"p":"1",'
    '"q":"1","X":"MARKET","m":false}}'
)
USDM_DEPTH = (
    '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,'
    '"u":2,"pu":0,"b":[],"a":[]}}'
)
SPOT_BOOK = (
    '{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2","A":"1"}}'
)
SNAPSHOT = '{"lastUpdateId":1,"bids":[],"asks":[]}'


@pytest.mark.parametrize(
    ("frames", "market"),
    [
        ([SNAPSHOT, SPOT_TRADE], "spot"),
        ([SNAPSHOT, USDM_TRADE], "futures"),
        ([USDM_DEPTH], "futures"),
        ([SPOT_BOOK], "spot"),
    ],
)
def test_hftbacktest_market_from_frames(tmp_path: Path, frames: list[str], market: str) -> None:
    rec = open_recording(_hft(tmp_path / "btcusdt.gz", frames))
    assert (rec.exchange, rec.market) == ("binance", market)


def test_hftbacktest_market_from_path_or_override(tmp_path: Path) -> None:
    (tmp_path / "usdm").mkdir()
    assert open_recording(_hft(tmp_path / "usdm" / "x.gz", [SNAPSHOT])).market == "futures"
    undecided = _hft(tmp_path / "x.gz", [SNAPSHOT])
    with pytest.raises(RecordingFormatError, match="--market"):
        open_recording(undecided)
    assert open_recording(undecided, market="spot").market == "spot"
    assert open_recording(_hft(tmp_path / "y.gz", [USDM_TRADE]), market="spot").market == "spot"


@pytest.mark.parametrize(
    ("url", "venue"),
    [
        ("wss://stream.binance.com:9443/stream?streams=a@trade", ("binance", "spot")),
        ("wss://fstream.binance.com/stream?streams=a@trade", ("binance", "futures")),
        ("wss://stream.bybit.com/realtime_public", ("bybit", "futures")),
        ("wss://stream.bybit.com/v5/public/spot", ("bybit", "spot")),
        ("wss://stream.bybit.com/v5/public/linear", ("bybit", "futures")),
        ("wss://ws.bitget.com/spot/v1/stream", ("bitget", "spot")),
        ("wss://ws.bitget.com/mix/v1/stream", ("bitget", "futures")),
        ("wss://fx-ws.gateio.ws/v4/ws/usdt", ("gate", "futures")),
        ("wss://api.gateio.ws/ws/v4/", ("gate", "spot")),
    ],
)
def test_venue_from_url(url: str, venue: tuple[str, str]) -> None:
    assert venue_from_url(url) == venue


def test_venue_from_cryptofeed_name() -> None:
    assert venue_from_cryptofeed_name("BINANCE_FUTURES.ws.1.0.gz") == ("binance", "futures")
    assert venue_from_cryptofeed_name("GATEIO.ws.3.0") == ("gate", "spot")
    assert venue_from_cryptofeed_name("KRAKEN.ws.1.0") is None


def test_cryptofeed_capture_without_url_uses_file_name(tmp_path: Path) -> None:
    path = tmp_path / "BINANCE_FUTURES.ws.7.0"
    path.write_text(
        '1626992741.06217: {"a":1}\nwss://x <- 1626992741.1: {"op":"sub"}\n1626992742.5: pong\n'
    )
    rec = open_recording(path)  # plain text, not gzip
    assert (rec.format, rec.exchange, rec.market) == (CRYPTOFEED, "binance", "futures")
    assert list(rec) == [(1626992741_062170000, '{"a":1}'), (1626992742_500000000, "pong")]
