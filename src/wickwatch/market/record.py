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


class _RecordingSink:
    """Counts the trades and writes the feed's recovery steps as event lines."""

    def __init__(self, summary: RecordSummary, writer: RecordingWriter) -> None:
        self.summary = summary
        self.writer = writer

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
) -> RecordSummary:
    """Record until ``seconds`` have passed (``None``: until cancelled)."""
    venue = connector_class(exchange, market)
    endpoints = endpoints or venue.default_endpoints
    summary = RecordSummary()
    meta = {"url": endpoints.ws_url, "recorder": "wickwatch record"}
    async with RecordingWriter(out, exchange, market, meta=meta) as writer:

        def tap(conn_id: str, kind: str, data: str | bytes, ts_ms: int) -> None:
            conn = int(conn_id.rsplit(".", 1)[-1])
            if kind == "received":
                writer.write(data, time.time_ns(), conn=conn)
                summary.frames += 1
            elif kind in ("connect", "closed"):  # what happened to the connection, for readers
                writer.event(kind, str(data), time.time_ns(), conn=conn)

        sink = _RecordingSink(summary, writer)
        feed = Feed(
            venue,
            sink,
            endpoints=endpoints,
            config=config,
            tap=tap,
            symbols=symbols,
        )
        await feed.start()
        summary.connections = len(feed.connections)
        try:
            if seconds is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(seconds)
        finally:
            await feed.stop()
    return summary


def record(
    out: Annotated[Path, typer.Option("--out", "-o", help="Recording file (.jsonl.gz).")],
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
    summary = RecordSummary()
    with contextlib.suppress(KeyboardInterrupt):
        summary = asyncio.run(
            record_frames(
                exchange,
                market,
                out,
                symbols=wanted or None,
                seconds=seconds,
                endpoints=endpoints,
            )
        )
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
