"""Market-data CLI commands (wired into ``wickwatch`` by :mod:`wickwatch.cli`).

``wickwatch replay FILE... [--exchange E --market M] [--candles-out CANDLES.csv] [--speed S]``

Consumers of the closed candles plug in through :func:`replay_files`'s ``on_candle`` handlers: a
new flag (e.g. detection settings) builds its handler and passes it along with the CSV writer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

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
    ReplayDetection,
    SettingsOption,
    WindowOption,
    detection_users,
    open_output,
)
from wickwatch.market.candles import CandleHandler
from wickwatch.market.recording import Recording
from wickwatch.market.replay import (
    CandleCsvWriter,
    Replay,
    ReplayStats,
    open_sources,
    parse_speed,
)

__all__ = ["open_recordings", "replay", "replay_files", "replay_recordings"]


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
    recordings = open_recordings(files, exchange=exchange, market=market, console=err)
    return replay_recordings(
        recordings, speed=speed, on_candle=on_candle, console=err, progress=progress
    )


def open_recordings(
    files: Iterable[Path],
    *,
    exchange: str | None = None,
    market: str | None = None,
    console: Console | None = None,
) -> list[Recording]:
    """The recordings among ``files``, the others reported as skipped on ``console``;
    :class:`typer.Exit` (code 1) if none is left."""
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
    return recordings


def replay_recordings(
    recordings: list[Recording],
    *,
    speed: float | None = None,
    on_candle: Iterable[CandleHandler] = (),
    console: Console | None = None,
    progress: bool = True,
) -> ReplayStats:
    """Replay opened ``recordings`` into ``on_candle`` handlers with a progress bar."""
    err = console or Console(stderr=True)
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
    min_volume_usd: MinVolumeOption = None,
    min_wick: MinWickOption = None,
    window_s: WindowOption = None,
    cooldown_s: CooldownOption = None,
    alerts_out: AlertsOutOption = None,
) -> None:
    """Replay recorded WebSocket frames through the live parsers and candle builder."""
    err = Console(stderr=True)
    # Every option and input is checked before an output file is created or truncated: a
    # mistyped flag must not empty yesterday's results.
    try:
        factor = parse_speed(speed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--speed") from None
    users = detection_users(
        settings=settings,
        min_delta=min_delta,
        min_volume_usd=min_volume_usd,
        min_wick=min_wick,
        window_s=window_s,
        cooldown_s=cooldown_s,
        alerts_out=alerts_out,
    )
    recordings = open_recordings(files, exchange=exchange, market=market, console=err)
    handlers: list[CandleHandler] = []
    detection: ReplayDetection | None = None
    with contextlib.ExitStack() as stack:
        if candles_out is not None:
            handlers.append(
                CandleCsvWriter(open_output(stack, candles_out, "--candles-out", newline=""))
            )
        if users is not None:
            alerts = (
                open_output(stack, alerts_out, "--alerts-out") if alerts_out is not None else None
            )
            detection = ReplayDetection(users, out=alerts)
            handlers.append(detection)
        stats = replay_recordings(
            recordings, speed=factor, on_candle=handlers, console=err, progress=err.is_terminal
        )
    err.print(stats.summary(), highlight=False, soft_wrap=True)
    if detection is not None:
        err.print(detection.summary(), highlight=False, soft_wrap=True)
