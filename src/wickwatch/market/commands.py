"""Market-data CLI commands (wired into ``wickwatch`` by :mod:`wickwatch.cli`).

``wickwatch replay FILE... [--exchange E --market M] [--candles-out CANDLES.csv] [--speed S]``

Consumers of the closed candles plug in through :func:`replay_files`'s ``on_candle`` handlers: a
new flag (e.g. detection settings) builds its handler and passes it along with the CSV writer.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from wickwatch.detection.replay import (
    AlertsOutOption,
    CooldownOption,
    MinDeltaOption,
    MinVolumeOption,
    MinWickOption,
    SettingsOption,
    WindowOption,
    open_detection,
)
from wickwatch.market.candles import CandleHandler
from wickwatch.market.replay import (
    CandleCsvWriter,
    Replay,
    ReplayStats,
    open_sources,
    parse_speed,
)

__all__ = ["replay", "replay_files"]


def replay_files(
    files: Iterable[Path],
    *,
    exchange: str | None = None,
    market: str | None = None,
    speed: float | None = None,
    on_candle: Iterable[CandleHandler] = (),
    console: Console | None = None,
    progress: bool = True,
) -> ReplayStats:
    """Replay ``files`` into ``on_candle`` handlers with a progress bar on ``console``.

    Files that are not frame recordings, or whose venue has no parser, are reported and skipped;
    :class:`typer.Exit` (code 1) if none is left.
    """
    err = console or Console(stderr=True)
    recordings, skipped = open_sources(files, exchange, market)
    for reason in skipped:
        err.print(f"[yellow]skipped[/] {reason}", highlight=False, soft_wrap=True)
    if not recordings:
        err.print("[bold red]error:[/] nothing to replay", highlight=False)
        raise typer.Exit(1)
    for rec in recordings:
        err.print(
            f"{rec.path.name}: {rec.format} recording, {rec.exchange} {rec.market}",
            highlight=False,
        )
    with _progress(err, enabled=progress) as bar:
        run = Replay(recordings, on_candle=on_candle, speed=speed)
        task = bar.add_task("replay", total=run.total_bytes)
        run.on_progress = lambda done: bar.update(task, completed=done)
        stats = run.run()
    return stats


@contextlib.contextmanager
def _progress(console: Console, *, enabled: bool) -> Iterator[Progress]:
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )
    with bar:
        yield bar


def replay(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Recordings: wickwatch (.jsonl.gz), hftbacktest or cryptofeed captures.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    exchange: Annotated[
        str | None,
        typer.Option("--exchange", help="Exchange of every file (default: detected)."),
    ] = None,
    market: Annotated[
        str | None,
        typer.Option("--market", help="spot or futures for every file (default: detected)."),
    ] = None,
    candles_out: Annotated[
        Path | None,
        typer.Option(
            "--candles-out",
            help="Write the 1-second candles to this CSV file ('-' for stdout).",
            dir_okay=False,
        ),
    ] = None,
    speed: Annotated[
        str,
        typer.Option("--speed", help="max (as fast as possible), 1x (real time) or Nx."),
    ] = "max",
    settings: SettingsOption = None,
    min_delta: MinDeltaOption = None,
    min_volume_usd: MinVolumeOption = 0.0,
    min_wick: MinWickOption = 0.0,
    window_s: WindowOption = 1,
    cooldown_s: CooldownOption = 60,
    alerts_out: AlertsOutOption = None,
) -> None:
    """Replay recorded WebSocket frames through the live parsers and candle builder."""
    err = Console(stderr=True)
    try:
        factor = parse_speed(speed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--speed") from None
    handlers: list[CandleHandler] = []
    with contextlib.ExitStack() as stack:
        if candles_out is not None:
            out: IO[str]
            if str(candles_out) == "-":
                out = sys.stdout
            else:
                out = stack.enter_context(candles_out.open("w", encoding="utf-8", newline=""))
            handlers.append(CandleCsvWriter(out))
        detection = stack.enter_context(
            open_detection(
                settings=settings,
                min_delta=min_delta,
                min_volume_usd=min_volume_usd,
                min_wick=min_wick,
                window_s=window_s,
                cooldown_s=cooldown_s,
                alerts_out=alerts_out,
            )
        )
        if detection is not None:
            handlers.append(detection)
        stats = replay_files(
            files,
            exchange=exchange,
            market=market,
            speed=factor,
            on_candle=handlers,
            console=err,
            progress=err.is_terminal,
        )
    err.print(stats.summary(), highlight=False, soft_wrap=True)
    if detection is not None:
        err.print(detection.summary(), highlight=False, soft_wrap=True)
