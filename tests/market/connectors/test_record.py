"""``wickwatch record`` against the OKX simulator: every received frame lands in the recording,
and with it the feed's recovery after dropped connections, so that a replay builds what the live
feed built."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.market.connectors.scenarios import candles_of, fast_config, slow_reconnect
from wickwatch.cli import app
from wickwatch.market.connectors import Endpoints, OkxSpot
from wickwatch.market.record import UnlistedSymbols, record, record_frames
from wickwatch.market.recording import FeedEvent, open_recording
from wickwatch.market.replay import Replay
from wickwatch.market.simulators import OkxSimulator, SimConfig
from wickwatch.market.types import Candle, Trade
from wickwatch.market.venues import parser_class


async def test_record_writes_every_frame(tmp_path: Path) -> None:
    out = tmp_path / "okx_spot.jsonl.gz"
    async with OkxSimulator("spot", SimConfig(symbols=4, trades_per_s=10.0)) as sim:
        symbols = sim.symbols()[:3]
        summary = await record_frames(
            "okx",
            "spot",
            out,
            symbols=symbols,
            seconds=1.0,
            endpoints=sim.endpoints,
            config=fast_config(OkxSpot),
        )
    rec = open_recording(out)
    assert (rec.exchange, rec.market) == ("okx", "spot")
    frames = list(rec)
    assert len(frames) == summary.frames > 0
    parser = parser_class("okx", "spot")()
    trades = [t for _, frame in frames for t in parser.parse_frame(frame, 0) or []]
    assert len(trades) == summary.trades > 0
    assert {t.symbol for t in trades} <= set(symbols)


async def _record_with_drops(
    tmp_path: Path, *, rest_down: bool = False
) -> tuple[Path, OkxSimulator]:
    """Record OKX spot for ~3 s while every connection is dropped twice (REST history down
    during the drops when ``rest_down``); the generator is paused before the end, so every
    trade streamed has been recovered or given up by then."""
    out = tmp_path / "okx_spot.jsonl.gz"
    sim = OkxSimulator("spot", SimConfig(symbols=4, seed=11, trades_per_s=12.0))
    async with sim:
        recording = asyncio.create_task(
            record_frames(
                "okx",
                "spot",
                out,
                seconds=3.6,
                endpoints=sim.endpoints,
                config=slow_reconnect(OkxSpot, 0.4),
            )
        )
        await asyncio.sleep(1.0)
        sim.rest_down = rest_down
        for _ in range(2):
            await sim.drop_all()
            await asyncio.sleep(0.8)
        sim.rest_down = False
        await asyncio.sleep(0.4)
        sim.pause()
        await recording
    return out, sim


def _replayed(out: Path) -> list[Candle]:
    candles: list[Candle] = []
    Replay([open_recording(out)], on_candle=[candles.append], mark_edges=False).run()
    return sorted(candles, key=lambda c: (c.symbol, c.ts_ms))


async def test_a_recording_across_drops_replays_to_the_live_candles(tmp_path: Path) -> None:
    """The trades the recorder's feed recovered over REST after each drop are in the
    recording: its replay gives the candles of the venue's complete trade log, not candles
    with the outages' trades missing."""
    out, sim = await _record_with_drops(tmp_path)
    parser = parser_class("okx", "spot")()
    frames = [frame for _, frame in open_recording(out)]
    streamed = [t for frame in frames for t in parser.parse_frame(frame, 0) or []]
    first_id: dict[str, str] = {}
    for t in streamed:
        first_id.setdefault(t.symbol, t.trade_id)
    want: list[Trade] = []
    for symbol, first in first_id.items():
        log = sim.log.all(symbol)
        start = [t.trade_id for t in log].index(first)
        rest = parser.parse_rest_trades(symbol, sim.history_payload(symbol, log[start:]), 0)
        order = {t.trade_id: n for n, t in enumerate(log)}
        # the venue's order (REST answers newest first): trades of one millisecond keep
        # their order, so the candle's open and close are the venue's
        want += sorted(rest, key=lambda t: order[t.trade_id])
    lost = {(t.symbol, t.trade_id) for t in want} - {(t.symbol, t.trade_id) for t in streamed}
    assert lost, "the drops lost no trade: nothing to test"

    got = _replayed(out)

    assert got == candles_of(want)
    assert all(c.complete for c in got)


async def test_an_outage_the_recorder_could_not_recover_replays_incomplete(
    tmp_path: Path,
) -> None:
    """REST history down during the drops: the gaps the live feed reported are in the
    recording, and the replay marks exactly those symbols' candles inside them incomplete."""
    out, _sim = await _record_with_drops(tmp_path, rest_down=True)
    gaps = [
        event.data
        for _, event in open_recording(out).with_events()
        if isinstance(event, FeedEvent) and event.kind == "gap"
    ]
    assert gaps, "no gap was recorded"

    got = _replayed(out)

    def in_gap(c: Candle) -> bool:
        return any(
            g["symbol"] == c.symbol and c.ts_ms + 1000 > g["from_ms"] and c.ts_ms < g["to_ms"]
            for g in gaps
        )

    assert any(in_gap(c) for c in got)
    assert all(not c.complete for c in got if in_gap(c))
    assert all(c.complete for c in got if not in_gap(c))


def test_record_into_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "no-such-dir" / "x.jsonl.gz"
    result = CliRunner().invoke(app, ["record", "okx", "spot", "--out", str(out), "--seconds", "1"])
    assert result.exit_code == 2
    # The error box wraps long paths at any word: read it as one line.
    text = " ".join(result.output.replace("│", " ").split())
    assert "--out" in text and "no such directory" in text


@contextlib.contextmanager
def _simulator_in_a_thread() -> Iterator[tuple[Endpoints, list[str]]]:
    """An OKX spot simulator on its own event loop, for the command (which runs its own):
    its endpoints and symbols."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        async with OkxSimulator("spot", SimConfig(symbols=3, trades_per_s=20.0)) as sim:
            box.update(sim=(sim.endpoints, sim.symbols()), stop=stop)
            box["loop"] = asyncio.get_running_loop()
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield box["sim"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)


def test_record_command_takes_exchange_market_and_symbols_options(tmp_path: Path) -> None:
    """`wickwatch record --exchange E --market M --symbols A,B --out FILE` (the documented
    form) records those symbols only."""
    out = tmp_path / "okx.jsonl.gz"
    with _simulator_in_a_thread() as (endpoints, symbols):
        args = ["--exchange", "okx", "--market", "spot", "--symbols", ",".join(symbols[:2])]
        args += ["--out", str(out), "--seconds", "1.5"]
        args += ["--rest-url", endpoints.rest_url, "--ws-url", endpoints.ws_url]
        result = CliRunner().invoke(app, ["record", *args])
    assert result.exit_code == 0, result.output
    rec = open_recording(out)
    parser = parser_class("okx", "spot")()
    trades = [t for _, frame in rec for t in parser.parse_frame(frame, 0) or []]
    assert {t.symbol for t in trades} == set(symbols[:2])
    assert f"{out}: " in result.stdout


def test_ctrl_c_summary_counts_what_was_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --seconds, Ctrl-C is the way to stop: the summary line then counts the frames
    written (it said "0 frames"), and the recording is complete."""
    out = tmp_path / "okx.jsonl.gz"
    with _simulator_in_a_thread() as (endpoints, _symbols):
        timer = threading.Timer(2.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        try:
            record(
                out=out,
                exchange="okx",
                market="spot",
                rest_url=endpoints.rest_url,
                ws_url=endpoints.ws_url,
            )
        finally:
            timer.cancel()
    frames = len(list(open_recording(out)))
    assert frames > 0
    assert not open_recording(out).truncated
    assert f"{out}: {frames} frames" in capsys.readouterr().out


async def test_seconds_limit_holds_while_the_exchange_is_unreachable(tmp_path: Path) -> None:
    """`--seconds 0.5` ends the recording after 0.5 s even when the venue's REST API never
    answers (network down): the start retried the instrument list for ever."""
    dead = Endpoints(rest_url="http://127.0.0.1:9", ws_url="ws://127.0.0.1:9/ws/v5/business")
    summary = await asyncio.wait_for(
        record_frames(
            "okx",
            "spot",
            tmp_path / "x.jsonl.gz",
            seconds=0.5,
            endpoints=dead,
            config=fast_config(OkxSpot),
        ),
        timeout=10,
    )
    assert not summary.created and not (tmp_path / "x.jsonl.gz").exists()


async def test_a_symbol_the_venue_does_not_trade_is_named_and_nothing_is_overwritten(
    tmp_path: Path,
) -> None:
    """`-s btc-usdt -s NOPE-USDT`: nothing matched, the recorder wrote a header only, silently
    (for ever without --seconds). It fails naming them, with the listed spelling."""
    out = tmp_path / "x.jsonl.gz"
    out.write_text("yesterday's recording")
    async with OkxSimulator("spot", SimConfig(symbols=3, trades_per_s=20.0)) as sim:
        listed = sim.symbols()[0]
        with pytest.raises(UnlistedSymbols) as failure:
            await record_frames(
                "okx",
                "spot",
                out,
                symbols=[listed.lower(), "NOPE-USDT", listed],
                seconds=5.0,
                endpoints=sim.endpoints,
                config=fast_config(OkxSpot),
            )
    assert str(failure.value) == (
        f"not traded on okx spot: {listed.lower()} (did you mean {listed}?), NOPE-USDT"
    )
    assert out.read_text() == "yesterday's recording"


def test_record_into_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["record", "--exchange", "okx", "--market", "spot", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.replace("│", " ").split())
    assert "--out" in text and "is a directory" in text
