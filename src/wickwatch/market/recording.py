"""Recordings of raw WebSocket frames: our own format (writer and reader) and two third-party ones.

Our format (``*.jsonl.gz``): gzip, one JSON object per line. The first line is the header::

    {"wickwatch_recording": 1, "exchange": "binance", "market": "futures",
     "started_ms": 1723161255030}

(plus optional extra keys, e.g. ``"url"``), then one line per received frame::

    {"recv_ns": 1723161255088176367, "frame": "<frame text exactly as received>", "conn": 1}

``conn`` (optional, int or text) names the connection the frame came from, so that frames of
parallel or successive connections of one venue can be told apart. A binary frame that is not
UTF-8 is stored as ``"frame_b64"`` instead of ``"frame"``. Optional event lines record what
happened around the frames (like cryptofeed's connect / sent lines); iterating a recording skips
them::

    {"recv_ns": 1723161255030000000, "event": "connect", "data": "wss://...", "conn": 1}
    {"recv_ns": 1723161255031000000, "event": "sent", "data": "{\"method\":\"SUBSCRIBE\"...}"}

The feed's recovery after a dropped connection is recorded too (:data:`FEED_EVENTS`), so that a
replay builds what the live feed built — :meth:`Recording.with_events` yields these as
:class:`FeedEvent`::

    {"recv_ns": …, "event": "hold", "data": {"symbol": "BTC-USDT", "from_ms": 1723161255000}}
    {"recv_ns": …, "event": "trades", "data": [{"exchange": "okx", …, "trade_id": "42"}, …]}
    {"recv_ns": …, "event": "gap", "data": {"symbol": "BTC-USDT", "from_ms": …, "to_ms": …}}
    {"recv_ns": …, "event": "release", "data": {"symbol": "BTC-USDT"}}

``hold``: the symbol's seconds from ``from_ms`` (exchange ms) wait for its recovery; ``trades``:
trades recovered over REST (they are in no frame); ``gap``: ``[from_ms, to_ms)`` could not be
recovered; ``release``: the recovery is over.
 The writer gzip-flushes (``Z_SYNC_FLUSH``) on every
flush, so a recording cut short by a crash is readable up to its last flush. Every reader reads
a damaged gzip file up to the damage (with a warning), ignores zeros padding the end of the data
(as ``zcat``) and a UTF-8 byte order mark at the start.

Readers (:func:`open_recording` detects the format from the first line):

* ``wickwatch`` — ours; exchange and market from the header.
* ``hftbacktest`` — nkaz001/hftbacktest collector files, ``<recv ns> <raw JSON frame>`` per line.
  Binance only (its collector's other venues are not supported here); spot vs USD-M futures is
  decided from the frames: futures ``trade`` carries ``X``, ``depthUpdate`` carries ``pu``,
  ``bookTicker`` carries ``e``; spot ``trade``/``aggTrade`` carry ``M``. Falls back to path words
  (``usdm``, ``futures``, ``spot``) and finally asks for ``--market``.
* ``cryptofeed`` — bmoscon/cryptofeed raw captures: ``<url> <-> <ts>`` per connect,
  ``<url> <- <ts>: <sent>`` per sent frame (skipped), ``<ts>: <received>`` per received frame.
  Exchange and market from the connection URL, else from the file name (``BINANCE_FUTURES.ws.1.0``).

Explicit ``exchange`` / ``market`` arguments always win. Every reader yields
``(recv_ns, frame)``: the frame's text (``bytes`` only for a binary frame of our format).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import logging
import re
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, cast

import orjson

from wickwatch.market.types import FUTURES, SPOT

__all__ = [
    "FEED_EVENTS",
    "FORMAT_VERSION",
    "FeedEvent",
    "Recording",
    "RecordingFormatError",
    "RecordingWriter",
    "detect_format",
    "open_recording",
]

log = logging.getLogger(__name__)

FORMAT_VERSION: Final = 1
WICKWATCH: Final = "wickwatch"
HFTBACKTEST: Final = "hftbacktest"
CRYPTOFEED: Final = "cryptofeed"
FREQTRADE: Final = "freqtrade"

#: Unreadable lines of a recording logged as samples (the others are only counted).
UNREADABLE_SAMPLES: Final = 3

#: Event kinds that change what a replay builds (see the module docstring).
FEED_EVENTS: Final = frozenset({"hold", "release", "gap", "trades"})


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """A recorded step of the feed's recovery (``kind`` one of :data:`FEED_EVENTS`)."""

    kind: str
    data: Any


_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_HFT_LINE = re.compile(rb"^\d{16,20} [{\[]")
_CF_CONNECT = re.compile(rb"^\S+://\S+ <-> \d+(\.\d+)?\s*$")
_CF_RECEIVED = re.compile(rb"^\d+(\.\d+)?: ")

#: cryptofeed connection URL (host + path prefix) -> (exchange, market)
_URL_VENUES: tuple[tuple[str, str, str], ...] = (
    ("stream.binance.com", SPOT, "binance"),
    ("fstream.binance.com", FUTURES, "binance"),
    ("dstream.binance.com", "delivery", "binance"),
    ("stream.bybit.com/realtime_public", FUTURES, "bybit"),  # old v2 USDT perpetuals
    ("stream.bybit.com/realtime", FUTURES, "bybit"),  # old inverse API
    ("stream.bybit.com/v5/public/spot", SPOT, "bybit"),
    ("stream.bybit.com/v5/public/linear", FUTURES, "bybit"),
    ("stream.bybit.com/spot", SPOT, "bybit"),
    ("ws.bitget.com/spot/", SPOT, "bitget"),  # v1
    ("ws.bitget.com/mix/", FUTURES, "bitget"),  # v1
    ("api.gateio.ws/ws/v4", SPOT, "gate"),
    ("ws.gate.io/v4", SPOT, "gate"),
    ("fx-ws.gateio.ws/v4/ws/usdt", FUTURES, "gate"),
    ("fx-ws.gateio.ws/v4/ws/btc", "delivery", "gate"),
)

#: cryptofeed exchange id (file name prefix) -> (exchange, market)
_CF_NAMES: dict[str, tuple[str, str]] = {
    "BINANCE": ("binance", SPOT),
    "BINANCE_FUTURES": ("binance", FUTURES),
    "BINANCE_DELIVERY": ("binance", "delivery"),
    "BYBIT": ("bybit", FUTURES),
    "BITGET": ("bitget", SPOT),
    "GATEIO": ("gate", SPOT),
    "GATEIO_FUTURES": ("gate", FUTURES),
    "OKX": ("okx", SPOT),
    "HYPERLIQUID": ("hyperliquid", FUTURES),
}


class RecordingFormatError(ValueError):
    """The file is not a frame recording we can read, or its venue cannot be decided."""


# ---------------------------------------------------------------------------------------- writer


class RecordingWriter:
    """Buffered writer of our format. ``write`` only appends to memory; I/O happens on flush.

    Synchronous use::

        with RecordingWriter(path, "binance", "futures") as rec:
            rec.write(frame, time.time_ns())

    In an event loop, ``async with`` starts a background task that flushes every
    ``flush_interval_s`` (or sooner when ``flush_bytes`` are buffered) in a worker thread, so
    compression and disk writes never block the loop::

        async with RecordingWriter(path, "okx", "spot", meta={"url": url}) as rec:
            rec.write(frame, time.time_ns(), conn=1)
    """

    def __init__(
        self,
        path: str | Path,
        exchange: str,
        market: str,
        *,
        started_ms: int | None = None,
        meta: dict[str, Any] | None = None,
        flush_bytes: int = 1 << 20,
        flush_interval_s: float = 1.0,
        compresslevel: int = 6,
    ) -> None:
        self.path = Path(path)
        self.exchange = exchange
        self.market = market
        self.started_ms = time.time_ns() // 1_000_000 if started_ms is None else started_ms
        self.flush_bytes = flush_bytes
        self.flush_interval_s = flush_interval_s
        self.frames = 0
        self._buf: list[bytes] = []
        self._buffered = 0
        self._closed = False
        self._file = gzip.GzipFile(self.path, "wb", compresslevel=compresslevel)
        # One worker thread: chunks reach the file in the order they were flushed.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recording")
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        header: dict[str, Any] = {
            "wickwatch_recording": FORMAT_VERSION,
            "exchange": exchange,
            "market": market,
            "started_ms": self.started_ms,
        }
        if meta:
            header.update({k: v for k, v in meta.items() if k not in header})
        self._append(orjson.dumps(header) + b"\n")

    def write(self, frame: str | bytes, recv_ns: int, conn: int | str | None = None) -> None:
        """Buffer one received frame with its local receive time (ns since the epoch)."""
        if self._closed:
            raise RuntimeError(f"recording {self.path} is closed")
        record: dict[str, Any] = {"recv_ns": recv_ns}
        if isinstance(frame, bytes | bytearray | memoryview):
            raw = bytes(frame)
            try:
                record["frame"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                record["frame_b64"] = base64.b64encode(raw).decode("ascii")
        else:
            record["frame"] = frame
        if conn is not None:
            record["conn"] = conn
        self._append(orjson.dumps(record) + b"\n")
        self.frames += 1

    def event(self, kind: str, data: Any, recv_ns: int, conn: int | str | None = None) -> None:
        """Buffer an event line: ``connect`` with the URL, ``sent`` with the frame, ``closed``
        with the reason (they document the session), or one of :data:`FEED_EVENTS` with its
        JSON data (a replay acts on these)."""
        if self._closed:
            raise RuntimeError(f"recording {self.path} is closed")
        record: dict[str, Any] = {"recv_ns": recv_ns, "event": kind, "data": data}
        if conn is not None:
            record["conn"] = conn
        self._append(orjson.dumps(record) + b"\n")

    def _append(self, line: bytes) -> None:
        self._buf.append(line)
        self._buffered += len(line)
        if self._buffered >= self.flush_bytes:
            if self._wake is not None:
                self._wake.set()
            else:
                self.flush()

    def _take(self) -> bytes:
        data = b"".join(self._buf)
        self._buf.clear()
        self._buffered = 0
        return data

    def _write_chunk(self, data: bytes) -> None:
        if data:
            self._file.write(data)
        self._file.flush()  # Z_SYNC_FLUSH: everything so far is decodable on disk

    def flush(self) -> None:
        """Compress and write what is buffered (blocking)."""
        self._io.submit(self._write_chunk, self._take()).result()

    async def aflush(self) -> None:
        """Compress and write what is buffered, in the worker thread."""
        fut = self._io.submit(self._write_chunk, self._take())
        await asyncio.wrap_future(fut)

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._io.submit(self._file.close).result()
        self._io.shutdown()

    async def aclose(self) -> None:
        if self._closed:
            return
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.aflush()
        self._closed = True
        await asyncio.wrap_future(self._io.submit(self._file.close))
        self._io.shutdown()

    async def _flusher(self) -> None:
        assert self._wake is not None
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_interval_s)
            self._wake.clear()
            if self._buf:
                await self.aflush()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> RecordingWriter:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._flusher(), name=f"recording-flush {self.path}")
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


# ---------------------------------------------------------------------------------------- readers


_CHUNK = 1 << 16


def _read_lines(raw: IO[bytes], on_cut: Callable[[str], None]) -> Iterator[bytes]:
    """Lines of ``raw``, gunzipped if it is gzip (:func:`_gunzip`), without the UTF-8 byte order
    mark an editor may have put at the start (every reader, and the format detection, sees the
    same first line). Damaged gzip data ends the lines where it starts (``on_cut`` is told)."""
    head = raw.read(2)
    raw.seek(0)
    blocks = _gunzip(raw, on_cut) if head == _GZIP_MAGIC else iter(lambda: raw.read(_CHUNK), b"")
    pending = b""
    first = True
    for data in blocks:
        if pending:
            data = pending + data
        lines = data.split(b"\n")
        pending = lines.pop()
        if first and lines:
            lines[0] = lines[0].removeprefix(_BOM)
            first = False
        yield from lines
    if pending:
        yield pending.removeprefix(_BOM) if first else pending


def _gunzip(raw: IO[bytes], on_cut: Callable[[str], None]) -> Iterator[bytes]:
    """The decompressed data of a gzip file of one or more members, as ``gzip -d`` reads it:
    zero bytes after a member (a file padded by a crash, a partial copy) are ignored. Where the
    data is damaged or cut short (recorder killed), everything before is yielded, then
    ``on_cut`` is called with the reason: a damaged recording replays up to the damage."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    rest = b""
    while chunk := raw.read(_CHUNK):
        data = rest + chunk
        rest = b""
        while data:
            if inflate.eof:  # after a member: zero padding, or the next member
                data = data.lstrip(b"\0")
                if len(data) < len(_GZIP_MAGIC) and _GZIP_MAGIC.startswith(data):
                    rest = data  # the next chunk tells
                    break
                if not data.startswith(_GZIP_MAGIC):
                    on_cut("data after the last gzip member is not gzip")
                    return
                inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            before = inflate.copy()
            try:
                out = inflate.decompress(data)
            except zlib.error as exc:
                yield from _salvage(before, data)
                on_cut(f"damaged compressed data ({exc})")
                return
            yield out
            data = inflate.unused_data if inflate.eof else b""
    if not inflate.eof:
        on_cut("compressed stream ends early")


def _salvage(inflate: zlib._Decompress, data: bytes) -> Iterator[bytes]:
    """What ``inflate`` (a decompressor) makes of ``data`` before the damage in it: fed in
    small pieces, as a failing call returns nothing of what it had decompressed."""
    for i in range(0, len(data), 256):
        try:
            out = inflate.decompress(data[i : i + 256])
        except zlib.error:
            return
        yield out
        if inflate.eof:
            return


def detect_format(first_line: bytes) -> str:
    """Name of the recording format whose first line this is (see the module docstring)."""
    line = first_line.removeprefix(_BOM)
    if line.startswith(b"{"):
        try:
            head = orjson.loads(line)
        except orjson.JSONDecodeError:
            head = None
        if isinstance(head, dict) and "wickwatch_recording" in head:
            return WICKWATCH
    if _HFT_LINE.match(line):
        return HFTBACKTEST
    if _CF_CONNECT.match(line) or _CF_RECEIVED.match(line):
        return CRYPTOFEED
    if line.startswith(b"[") or line.startswith(b",timestamp,id,"):
        return FREQTRADE
    raise RecordingFormatError(f"unknown recording format (first line starts {line[:60]!r})")


def _unix_text_to_ns(text: bytes) -> int:
    """``b"1633998512.0633569"`` -> ns, exactly (no float rounding)."""
    whole, _, frac = text.partition(b".")
    return int(whole) * 1_000_000_000 + int((frac + b"000000000")[:9])


class Recording:
    """One recording file; iterate it for ``(recv_ns, frame_text)`` of every received frame.

    ``exchange`` / ``market`` are known after construction (detected, or as given).
    ``position()`` is how many bytes of the file (compressed) have been consumed.
    """

    def __init__(self, path: str | Path, exchange: str | None = None, market: str | None = None):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.header: dict[str, Any] = {}
        self.url: str | None = None
        #: why the last reading stopped before the end of the file (None: it did not)
        self.cut: str | None = None
        self._raw: IO[bytes] | None = None
        with self._lines(report=False) as lines:
            first = next(lines, b"")
            if self.cut is not None and not first:
                raise RecordingFormatError(f"{self.path.name}: {self.cut}")
            self.format = detect_format(first)
            if self.format == FREQTRADE:
                raise RecordingFormatError(
                    f"{self.path.name}: a normalised trade list (freqtrade), not WebSocket frames"
                )
            found = self._venue(first, lines)
        ex = exchange or found[0]
        mk = market or found[1]
        if not ex or not mk:
            raise RecordingFormatError(
                f"{self.path.name}: cannot tell the {'exchange' if not ex else 'market'} "
                f"of this {self.format} recording; pass --exchange and --market"
            )
        self.exchange: str = ex
        self.market: str = mk

    @contextmanager
    def _lines(self, report: bool = True) -> Iterator[Iterator[bytes]]:
        """The file's lines; where they stop early, :attr:`cut` says why (and a warning, if
        ``report``: the venue detection's reading leaves it to the replay's)."""
        self.cut = None
        with open(self.path, "rb") as raw:
            self._raw = raw
            yield _read_lines(raw, self._cut if report else self._cut_quietly)

    def _cut_quietly(self, reason: str) -> None:
        self.cut = reason

    def _cut(self, reason: str) -> None:
        self.cut = reason
        log.warning("%s: %s; read up to there", self.path.name, reason)

    @property
    def truncated(self) -> bool:
        """The file could not be read to its end (cut short, damaged): see :attr:`cut`."""
        return self.cut is not None

    def position(self) -> int:
        raw = self._raw
        if raw is None or raw.closed:
            return self.size
        return raw.tell()

    # ----------------------------------------------------------------- venue detection

    def _venue(self, first: bytes, lines: Iterator[bytes]) -> tuple[str | None, str | None]:
        if self.format == WICKWATCH:
            self.header = orjson.loads(first)
            if self.header.get("wickwatch_recording") != FORMAT_VERSION:
                raise RecordingFormatError(
                    f"{self.path.name}: wickwatch recording version "
                    f"{self.header.get('wickwatch_recording')!r}, expected {FORMAT_VERSION}"
                )
            self.url = self.header.get("url")
            return self.header.get("exchange"), self.header.get("market")
        if self.format == CRYPTOFEED:
            url = first.split(b" ", 1)[0].decode() if _CF_CONNECT.match(first) else None
            self.url = url
            if url:
                found = venue_from_url(url)
                if found:
                    return found
            return venue_from_cryptofeed_name(self.path.name) or (None, None)
        # hftbacktest: Binance's collector; decide spot vs futures from the frames.
        market = None
        for i, line in enumerate(_chain_first(first, lines)):
            market = binance_market_of_frame(line)
            if market or i > 5000:
                break
        if market is None:
            market = market_from_path(self.path)
        return "binance", market

    # ----------------------------------------------------------------- iteration

    def __iter__(self) -> Iterator[tuple[int, str | bytes]]:
        if self.format == WICKWATCH:
            # without events, only frames come out
            return cast(Iterator[tuple[int, str | bytes]], self._iter_wickwatch())
        if self.format == HFTBACKTEST:
            return self._iter_hftbacktest()
        return self._iter_cryptofeed()

    def with_events(self) -> Iterator[tuple[int, str | bytes | FeedEvent]]:
        """Like iterating, with the recorded :data:`FEED_EVENTS` in their place (only our own
        format has them)."""
        if self.format == WICKWATCH:
            return self._iter_wickwatch(events=True)
        return iter(self)

    def _iter_wickwatch(
        self, events: bool = False
    ) -> Iterator[tuple[int, str | bytes | FeedEvent]]:
        loads = orjson.loads
        unreadable = 0
        with self._lines() as lines:
            next(lines, None)
            for line in lines:
                if not line.strip():
                    continue
                try:
                    rec = loads(line)
                    frame: str | bytes | None = rec.get("frame")
                    if frame is None:
                        if "event" in rec:
                            if events and rec["event"] in FEED_EVENTS:
                                yield rec["recv_ns"], FeedEvent(rec["event"], rec["data"])
                            continue
                        frame = base64.b64decode(rec["frame_b64"])
                    yield rec["recv_ns"], frame
                except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError):
                    # A line half-written when the recorder died; many after damaged gzip
                    # data (decompressed into garbage up to the checksum at the end): a few
                    # samples, then the count.
                    unreadable += 1
                    if unreadable <= UNREADABLE_SAMPLES:
                        log.warning("%s: unreadable line skipped: %.80r", self.path.name, line)
        if unreadable > UNREADABLE_SAMPLES:
            log.warning("%s: %d unreadable lines skipped in all", self.path.name, unreadable)

    def _iter_hftbacktest(self) -> Iterator[tuple[int, str | bytes]]:
        with self._lines() as lines:
            for line in lines:
                ns, sep, frame = line.partition(b" ")
                if not sep or not ns.isdigit():
                    continue
                yield int(ns), frame.rstrip(b"\r").decode("utf-8", "replace")

    def _iter_cryptofeed(self) -> Iterator[tuple[int, str | bytes]]:
        with self._lines() as lines:
            for line in lines:
                if not line[:1].isdigit():
                    continue  # connect (`<url> <-> ts`) and sent (`<url> <- ts: ...`) lines
                ts, sep, frame = line.partition(b": ")
                if not sep:
                    continue
                try:
                    ns = _unix_text_to_ns(ts)
                except ValueError:
                    continue
                yield ns, frame.rstrip(b"\r").decode("utf-8", "replace")


def _chain_first(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def venue_from_url(url: str) -> tuple[str, str] | None:
    """(exchange, market) of a WebSocket URL we know, else None."""
    bare = url.split("://", 1)[-1]
    host_path = bare.split("?", 1)[0]
    host, _, path = host_path.partition("/")
    host = host.split(":", 1)[0]
    target = f"{host}/{path}"
    for prefix, market, exchange in _URL_VENUES:
        if target.startswith(prefix):
            return exchange, market
    return None


def venue_from_cryptofeed_name(name: str) -> tuple[str, str] | None:
    """``BINANCE_FUTURES.ws.1.0.gz`` -> ("binance", "futures")."""
    stem = name.split(".ws.", 1)[0] if ".ws." in name else name.split(".", 1)[0]
    return _CF_NAMES.get(stem.upper())


def binance_market_of_frame(frame: bytes) -> str | None:
    """spot / futures from one Binance frame's fields, or None if this frame does not tell."""
    try:
        msg = orjson.loads(frame.partition(b" ")[2] if _HFT_LINE.match(frame) else frame)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(msg, dict):
        return None
    data = msg.get("data", msg)
    if not isinstance(data, dict):
        return None
    kind = data.get("e")
    if kind in ("trade", "aggTrade"):
        if "X" in data:
            return FUTURES
        if "M" in data:
            return SPOT
        return FUTURES if kind == "aggTrade" else None
    if kind == "depthUpdate":
        return FUTURES if "pu" in data else SPOT
    if kind == "bookTicker":
        return FUTURES  # spot bookTicker events have no "e"
    if kind is None and {"u", "s", "b", "B", "a", "A"} <= data.keys():
        return SPOT
    return None


def market_from_path(path: Path) -> str | None:
    words = {w for part in path.parts for w in re.split(r"[^a-z0-9]+", part.lower()) if w}
    if words & {"usdm", "futures", "future", "fapi", "perp", "perpetual", "swap", "linear"}:
        return FUTURES
    if "spot" in words:
        return SPOT
    return None


def open_recording(
    path: str | Path, exchange: str | None = None, market: str | None = None
) -> Recording:
    """Open a recording of any supported format (explicit exchange/market override detection)."""
    return Recording(path, exchange, market)
