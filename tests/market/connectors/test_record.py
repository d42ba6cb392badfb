"""``wickwatch record`` against the OKX simulator: every received frame lands in the recording."""

from __future__ import annotations

from pathlib import Path

from tests.market.connectors.scenarios import fast_config
from wickwatch.market.connectors import OkxSpot
from wickwatch.market.record import record_frames
from wickwatch.market.recording import open_recording
from wickwatch.market.simulators import OkxSimulator, SimConfig
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
