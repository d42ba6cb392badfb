"""Stopping a collector right after a spike: the second in progress is finished (read to its end,
closed complete, detected) before the feeds close, so the spike is not lost. A restarted collector
does not backfill what came before it, so this is the only chance to see that spike."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import count, spike_rules
from tests.roles.test_pipeline import CHAT, pipeline
from wickwatch.storage.models import Alert


async def test_a_spike_just_before_the_stop_is_alerted(
    database_url: str, tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    users = [{"email": "late-spike@example.com", "rules": spike_rules(), "telegram_chat": CHAT}]
    async with pipeline(database_url, tmp_path, sessionmaker, users=users) as p:
        # a few closed seconds of every symbol before the wick (the first, incomplete one
        # out of the rules' 2-second windows)
        await asyncio.sleep(3.0)
        _, symbol = await p.injector.inject("okx_spot")
        await p.collector.stop()  # at once: the wick's second is still open
        assert await count(p.sessionmaker, Alert, Alert.symbol == symbol) == 1
        assert p.collector.detector.stale_candles == 0
