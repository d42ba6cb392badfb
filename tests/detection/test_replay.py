"""Detection over replayed recordings: library use, settings files, and the replay CLI options."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import orjson
import pytest
import typer
from typer.testing import CliRunner

from tests.detection.helpers import candle, flat
from wickwatch.detection import UserSettings
from wickwatch.detection.replay import (
    ReplayDetection,
    detect,
    detection_users,
    load_settings,
    quick_settings,
)
from wickwatch.market.commands import replay as replay_command
from wickwatch.market.commands import replay_files

REQUIRED_FIELDS = {"ts_ms", "exchange", "market", "symbol", "direction", "delta_pct", "wick_pct",
                   "volume_usd", "price", "rule"}  # fmt: skip


def test_detect_over_an_iterable_of_candles() -> None:
    candles = [*flat(0, 5), candle(5, 100.0, 103.0, 100.0, 100.5), *flat(6, 10)]
    [a] = detect(candles, quick_settings(2.0, window_s=3))
    assert (a.ts_ms, a.rule, a.window_s) == (5000, "quick", 3)
    assert list(detect(candles, {7: quick_settings(5.0)})) == []


def test_load_settings_shapes_and_errors(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"cooldown_s": 0}))
    assert load_settings(one)[1].cooldown_s == 0
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{}, {"cooldown_s": 5}]))
    assert sorted(load_settings(many)) == [1, 2]
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": {"42": {"timezone": "Europe/Berlin"}}}))
    assert load_settings(users)[42].timezone == "Europe/Berlin"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{}, {"thresholds": [{"window_s": 90}]}]))
    with pytest.raises(ValueError, match=r"user 2: thresholds\.0\.window_s: .*60"):
        load_settings(bad)
    # saved from GET /api/v1/settings: the document inside is taken
    saved = tmp_path / "saved.json"
    answer = {"version": 3, "updated_at": "2026-12-07T12:00:00Z", "document": {"cooldown_s": 7}}
    saved.write_text(json.dumps(answer))
    assert load_settings(saved)[1].cooldown_s == 7


@pytest.mark.realdata
def test_replay_pipeline_with_detection_handler(realdata_dir: Path) -> None:
    """The real Binance USD-M recording through the live parser/candle builder into detection:
    a calm tape, so a 0.05 % rule fires and a 1 % rule does not."""
    rec = realdata_dir / "hftbacktest" / "usdm" / "btcusdt_20240808.gz"
    low = ReplayDetection(quick_settings(0.05, window_s=5, cooldown_s=0), keep=True)
    high = ReplayDetection(quick_settings(1.0, window_s=5, cooldown_s=0), keep=True)
    stats = replay_files([rec], on_candle=[low, high], progress=False)
    assert stats.candles > 300
    assert low.detector.candles == stats.candles == high.detector.candles
    assert high.count == 0
    assert low.alerts and all(a.symbol == "BTCUSDT" and a.market == "futures" for a in low.alerts)
    # de-duplication: alerts of a 5 s rule never have overlapping windows
    ts = [a.ts_ms for a in low.alerts]
    assert all(b - a >= 5000 for a, b in itertools.pairwise(ts))


# ``wickwatch replay`` itself, as the only command of an app (invoked without its name).
app = typer.Typer()
app.command()(replay_command)


@pytest.mark.realdata
def test_cli_quick_flags_write_alerts_jsonl(realdata_dir: Path, tmp_path: Path) -> None:
    rec = realdata_dir / "hftbacktest" / "spot" / "btcusdt_20240808.gz"
    out = tmp_path / "alerts.jsonl"
    result = CliRunner().invoke(
        app,
        [str(rec), "--min-delta", "0.05", "--window-s", "10", "--min-volume-usd", "10000",
         "--cooldown-s", "0", "--alerts-out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in out.read_text().splitlines()]
    assert lines and "alerts" in result.output
    for rec_ in lines:
        assert set(rec_) >= REQUIRED_FIELDS
        assert rec_["delta_pct"] >= 0.05 - 1e-9 and rec_["volume_usd"] >= 10000 - 1e-6
        assert rec_["window_s"] == 10 and rec_["rule"] == "quick"
        assert rec_["message"].startswith("BN-S BTCUSDT ")


@pytest.mark.realdata
def test_cli_settings_file(realdata_dir: Path, tmp_path: Path) -> None:
    rec = realdata_dir / "hftbacktest" / "spot" / "btcusdt_20240808.gz"
    settings = tmp_path / "settings.json"
    doc = UserSettings(cooldown_s=0, blacklist=["BTC"], thresholds=[{"min_delta_pct": 0.05}])
    settings.write_text(doc.model_dump_json())
    out = tmp_path / "alerts.jsonl"
    result = CliRunner().invoke(
        app, [str(rec), "--settings", str(settings), "--alerts-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text() == ""  # BTC blacklisted


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--alerts-out", "x.jsonl"], "--settings FILE or --min-delta"),
        (["--window-s", "5"], "needs --min-delta"),
        (["--min-delta", "1", "--window-s", "61"], "--window-s"),
        (["--min-delta", "0"], "--min-delta"),
    ],
)
def test_cli_option_errors(tmp_path: Path, args: list[str], text: str) -> None:
    dummy = tmp_path / "x.gz"
    dummy.write_bytes(b"")
    result = CliRunner().invoke(app, [str(dummy), *args])
    assert result.exit_code == 2
    assert text in result.output.replace("\n", " ") or text in " ".join(result.output.split())


def test_cli_settings_and_quick_flags_conflict(tmp_path: Path) -> None:
    settings = tmp_path / "s.json"
    settings.write_text("{}")
    with pytest.raises(typer.BadParameter, match="not both"):
        detection_users(settings=settings, min_delta=1.0)
    # a quick flag given at its default value is still given (it was ignored silently)
    result = CliRunner().invoke(
        app, [str(settings), "--settings", str(settings), "--cooldown-s", "60"]
    )
    assert result.exit_code == 2 and "not both" in " ".join(result.output.split())
    bad = tmp_path / "bad.json"
    bad.write_text('{"timezone": "Nowhere/Land"}')
    with pytest.raises(typer.BadParameter, match="user 1: timezone"):
        detection_users(settings=bad)


@pytest.mark.realdata
def test_cli_summary_counts_every_repeat_the_cooldown_folded(realdata_dir: Path) -> None:
    """ "How many alerts would these settings have given me?" comes with how many repeats the
    cooldown held back — those after the tape's last alert included."""
    rec = realdata_dir / "hftbacktest" / "usdm" / "btcusdt_20240808.gz"
    every = ReplayDetection(quick_settings(0.05, cooldown_s=0), keep=True)
    cooled = ReplayDetection(quick_settings(0.05, cooldown_s=60), keep=True)
    replay_files([rec], on_candle=[every, cooled], progress=False)
    assert every.alerts is not None and cooled.alerts is not None
    assert cooled.count < every.count
    assert cooled.folded_total() == every.count - cooled.count
    assert f"{cooled.folded_total()} repeats folded by the cooldown" in cooled.summary()
