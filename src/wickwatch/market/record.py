"""``wickwatch record``: connect to a venue with the live connector and write every received frame,
with its receive time, to a recording (:class:`~wickwatch.market.recording.RecordingWriter`).

The recording replays through the same parsers (``wickwatch replay``), so a capture of a real
session is test input for parsers, candles and detection. The feed's recovery after a dropped
connection is recorded with the frames (which symbols waited, the trades recovered over REST,
what could not be recovered: :data:`~wickwatch.market.recording.FEED_EVENTS`), so that the replay
of a session with outages builds the candles the live feed built — complete where the backfill
filled the outage, incomplete where it could not.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import msgspec
import typer

from wickwatch.market.connectors import Endpoints, Feed, FeedConfig, connector_class
from wickwatch.market.recording import RecordingWriter
from wickwatch.market.types import Trade


@dataclass
class RecordSummary:
    frames: int = 0
    trades: int = 0
    connections: int = 0
    #: the recording file was created (the feed got its instrument list)
    created: bool = False


class UnlistedSymbols(ValueError):
    """Symbols asked for that the venue does not list (or does not trade)."""


class _Recorder:
    """The feed's tap and sink: writes every received frame and the feed's recovery steps
    (event lines), counts frames and trades in ``summary``.

    ``writer`` is set once the feed has started (its symbols checked): the connections only
    run, and call in here, at the recorder's next ``await``, which comes after that."""

    writer: RecordingWriter

    def __init__(self, summary: RecordSummary) -> None:
        self.summary = summary

    def tap(self, conn_id: str, kind: str, data: str | bytes, ts_ms: int) -> None:
        conn = int(conn_id.rsplit(".", 1)[-1])
        if kind == "received":
            self.writer.write(data, time.time_ns(), conn=conn)
            self.summary.frames += 1
        elif kind in ("connect", "closed"):  # what happened to the connection, for readers
            self.writer.event(kind, str(data), time.time_ns(), conn=conn)

    def add(self, trade: Trade) -> None:
        self.summary.trades += 1

    def hold(self, exchange: str, market: str, symbol: str, from_ms: int) -> None:
        self.writer.event("hold", {"symbol": symbol, "from_ms": from_ms}, time.time_ns())

    def release(self, exchange: str, market: str, symbol: str) -> None:
        self.writer.event("release", {"symbol": symbol}, time.time_ns())

    def mark_gap(self, exchange: str, market: str, symbol: str, from_ms: int, to_ms: int) -> None:
        data = {"symbol": symbol, "from_ms": from_ms, "to_ms": to_ms}
        self.writer.event("gap", data, time.time_ns())

    def recovered(self, trades: list[Trade]) -> None:
        self.writer.event("trades", msgspec.to_builtins(trades), time.time_ns())


async def record_frames(
    exchange: str,
    market: str,
    out: Path,
    *,
    symbols: list[str] | None = None,
    seconds: float | None = None,
    endpoints: Endpoints | None = None,
    config: FeedConfig | None = None,
    summary: RecordSummary | None = None,
) -> RecordSummary:
    """Record until ``seconds`` have passed since the call (``None``: until cancelled), however
    far the start got (an unreachable exchange: its instrument list retried until then).

    ``out`` is only created once the venue's instrument list has come and lists every symbol
    asked for (else :class:`UnlistedSymbols`): a mistyped symbol leaves an earlier file alone.
    The counts go to ``summary`` as they come (pass one to read them after a Ctrl-C)."""
    venue = connector_class(exchange, market)
    endpoints = endpoints or venue.default_endpoints
    summary = summary if summary is not None else RecordSummary()
    meta = {"url": endpoints.ws_url, "recorder": "wickwatch record"}
    recorder = _Recorder(summary)
    feed = Feed(
        venue, recorder, endpoints=endpoints, config=config, tap=recorder.tap, symbols=symbols
    )
    deadline = asyncio.timeout(seconds)
    try:
        async with deadline:
            await feed.start()
            _check_listed(feed, symbols or [])
            async with RecordingWriter(out, exchange, market, meta=meta) as recorder.writer:
                summary.created = True
                summary.connections = len(feed.connections)
                try:
                    await asyncio.Event().wait()
                finally:
                    await feed.stop()  # inside: its last recovery steps are recorded
    except TimeoutError:
        if not deadline.expired():
            raise
    finally:
        await feed.stop()  # when it did not get that far
    return summary


def _check_listed(feed: Feed, symbols: list[str]) -> None:
    """Raise :class:`UnlistedSymbols` naming the symbols the feed's venue does not trade, with
    the listed ones they may have meant (another case, other separators)."""

    def key(symbol: str) -> str:
        return "".join(ch for ch in symbol.lower() if ch.isalnum())

    listed = {s for s, inst in feed.instruments.items() if inst.trading}
    unknown = [s for s in symbols if s not in listed]
    if not unknown:
        return
    by_key: dict[str, list[str]] = {}
    for s in sorted(listed):
        by_key.setdefault(key(s), []).append(s)
    names = []
    for s in unknown:
        near = by_key.get(key(s))
        names.append(f"{s} (did you mean {' or '.join(near)}?)" if near else s)
    venue = feed.venue
    raise UnlistedSymbols(f"not traded on {venue.exchange} {venue.market}: {', '.join(names)}")


def record(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Recording file (.jsonl.gz).", dir_okay=False)
    ],
    exchange: Annotated[
        str | None,
        typer.Option("--exchange", "-e", help="binance, bybit, okx, bitget, gate or hyperliquid."),
    ] = None,
    market: Annotated[str | None, typer.Option("--market", "-m", help="spot or futures.")] = None,
    symbols: Annotated[
        list[str] | None,
        typer.Option(
            "--symbols",
            "--symbol",
            "-s",
            help="Only these symbols, comma-separated or the option repeated; default: all.",
        ),
    ] = None,
    seconds: Annotated[
        float | None, typer.Option("--seconds", help="Stop after this long (default: Ctrl-C).")
    ] = None,
    rest_url: Annotated[str | None, typer.Option(help="Override the REST base URL.")] = None,
    ws_url: Annotated[str | None, typer.Option(help="Override the WebSocket URL.")] = None,
    exchange_arg: Annotated[
        str | None, typer.Argument(metavar="[EXCHANGE", hidden=True, show_default=False)
    ] = None,
    market_arg: Annotated[
        str | None, typer.Argument(metavar="MARKET]", hidden=True, show_default=False)
    ] = None,
) -> None:
    """Record every frame of a venue's public trade streams, with receive times."""
    exchange = _given_once(exchange, exchange_arg, "--exchange")
    market = _given_once(market, market_arg, "--market")
    try:
        venue = connector_class(exchange, market)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    if not out.parent.is_dir():
        raise typer.BadParameter(f"{out.parent}: no such directory", param_hint="--out")
    endpoints = venue.default_endpoints
    if rest_url or ws_url:
        endpoints = Endpoints(rest_url or endpoints.rest_url, ws_url or endpoints.ws_url)
    wanted = [s.strip() for text in symbols or () for s in text.split(",") if s.strip()]
    # Filled as frames come: after a Ctrl-C (the documented way to stop) asyncio.run returns
    # nothing, the counts are still here.
    summary = RecordSummary()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(
                record_frames(
                    exchange,
                    market,
                    out,
                    symbols=wanted or None,
                    seconds=seconds,
                    endpoints=endpoints,
                    summary=summary,
                )
            )
    except UnlistedSymbols as exc:
        raise typer.BadParameter(str(exc), param_hint="--symbols") from None
    if not summary.created:
        typer.echo(f"{out}: not created: stopped before {exchange} {market} listed its instruments")
        raise typer.Exit(1)
    typer.echo(
        f"{out}: {summary.frames} frames, {summary.trades} trades "
        f"over {summary.connections} connections"
    )


def _given_once(option: str | None, positional: str | None, name: str) -> str:
    """The value of ``--exchange`` / ``--market``, or of the older positional form
    (``record okx spot``: scripts written for it keep working)."""
    if option and positional and option != positional:
        raise typer.BadParameter(f"given twice: {positional!r} and {option!r}", param_hint=name)
    value = option or positional
    if not value:
        raise typer.BadParameter(
            "required (wickwatch record --exchange E --market M --out FILE)", param_hint=name
        )
    return value
