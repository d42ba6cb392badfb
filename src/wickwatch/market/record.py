"""``wickwatch record``: connect to a venue with the live connector and write every received frame,
with its receive time, to a recording (:class:`~wickwatch.market.recording.RecordingWriter`).

The recording replays through the same parsers (``wickwatch replay``), so a capture of a real
session is test input for parsers, candles and detection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from wickwatch.market.connectors import Endpoints, Feed, FeedConfig, connector_class
from wickwatch.market.recording import RecordingWriter
from wickwatch.market.types import Trade


@dataclass
class RecordSummary:
    frames: int = 0
    trades: int = 0
    connections: int = 0


class _CountingSink:
    def __init__(self, summary: RecordSummary) -> None:
        self.summary = summary

    def add(self, trade: Trade) -> None:
        self.summary.trades += 1

    def mark_gap(self, exchange: str, market: str, symbol: str, from_ms: int, to_ms: int) -> None:
        return None


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
            if kind == "received":
                writer.write(data, time.time_ns(), conn=int(conn_id.rsplit(".", 1)[-1]))
                summary.frames += 1

        feed = Feed(
            venue,
            _CountingSink(summary),
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
    exchange: Annotated[
        str, typer.Argument(help="binance, bybit, okx, bitget, gate or hyperliquid.")
    ],
    market: Annotated[str, typer.Argument(help="spot or futures.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Recording file (.jsonl.gz).")],
    symbols: Annotated[
        list[str] | None,
        typer.Option("--symbol", "-s", help="Only this symbol (repeatable); default: all."),
    ] = None,
    seconds: Annotated[
        float | None, typer.Option("--seconds", help="Stop after this long (default: Ctrl-C).")
    ] = None,
    rest_url: Annotated[str | None, typer.Option(help="Override the REST base URL.")] = None,
    ws_url: Annotated[str | None, typer.Option(help="Override the WebSocket URL.")] = None,
) -> None:
    """Record every frame of a venue's public trade streams, with receive times."""
    try:
        venue = connector_class(exchange, market)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    endpoints = venue.default_endpoints
    if rest_url or ws_url:
        endpoints = Endpoints(rest_url or endpoints.rest_url, ws_url or endpoints.ws_url)
    summary = RecordSummary()
    with contextlib.suppress(KeyboardInterrupt):
        summary = asyncio.run(
            record_frames(
                exchange, market, out, symbols=symbols, seconds=seconds, endpoints=endpoints
            )
        )
    typer.echo(
        f"{out}: {summary.frames} frames, {summary.trades} trades "
        f"over {summary.connections} connections"
    )
