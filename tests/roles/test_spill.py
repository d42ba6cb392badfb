"""The alert spill: alerts a collector could not store while the database was away — or had
detected and not yet stored when it died with the database up — survive the collector's death
and are stored (once) by the next collector that starts on the host."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import add_user, count, eventually, spike_rules
from tests.roles.test_dedup import draft
from wickwatch.roles.history import DbSpikeHistory
from wickwatch.roles.persist import AlertWriter
from wickwatch.roles.pricebands import BandRow, BandState
from wickwatch.roles.spill import AlertSpill, _read_journal
from wickwatch.storage.models import Alert, AlertDelivery, PriceAlert, SpikeRecord

BAND = BandRow(
    id=7, user_id=1, coin="BTC", exchange="binance", market="spot", symbol="BTCUSDT",
    min_price=Decimal("60000.5"), max_price=None, hysteresis_pct=0.5,
)  # fmt: skip


def test_a_slot_keeps_every_kind_of_item_in_order_and_a_dead_slot_is_adopted(
    tmp_path: Path,
) -> None:
    first, second = AlertSpill(tmp_path), AlertSpill(tmp_path)
    assert first.open() == ([], []) and second.open() == ([], [])
    assert first.path != second.path  # a live collector's slot is never shared
    items = [draft(1), BandState(BAND, "below"), draft(2, symbol="ÉTHUSDT", volume_usd=None)]
    records = [((1, "Ряд", "binance", "spot", "BTCUSDT"), 1_767_225_600_000)]
    first.write(items, records)
    second.write([draft(3)], [])
    first.close()  # what the kernel does when the collector dies (the flock goes)

    third = AlertSpill(tmp_path)
    got_items, got_records = third.open()
    assert got_items == items and got_records == records  # the dead slot's, adopted
    assert third.path == first.path
    second.close()
    fourth = AlertSpill(tmp_path)
    assert fourth.open() == ([draft(3)], [])
    # adopted rows move into the adopter's own slot; the dead slot's file is gone
    assert sorted(p.name for p in tmp_path.glob("spill-*.sqlite3")) == [
        "spill-0.sqlite3",
        "spill-1.sqlite3",
    ]
    third.close()
    fourth.close()


def test_alerts_spilled_by_the_previous_version_are_still_read(tmp_path: Path) -> None:
    """Drafts were encoded as field → value maps before they became arrays: a spill a
    collector left before the upgrade is stored after it."""
    old = draft(1, symbol="ÉTHUSDT", destinations=("telegram",))
    fields = {name: getattr(old, name) for name in old.__struct_fields__}
    left = AlertSpill(tmp_path)
    left.open()
    assert left._db is not None
    with left._db:
        left._db.execute(
            "INSERT INTO items (pos, kind, body) VALUES (0, 'alert', ?)",
            (msgspec.msgpack.encode(fields),),
        )
    left.close()
    successor = AlertSpill(tmp_path)
    assert successor.open() == ([old], [])
    successor.close()


def test_a_slot_being_adopted_is_not_taken_by_a_collector_starting_meanwhile(
    tmp_path: Path,
) -> None:
    """Its lock was let go before its files were deleted: a collector starting in between took
    it as its own, and the adopter then deleted that live collector's files (its next alerts
    journaled into a deleted file were lost with it)."""
    first, second = AlertSpill(tmp_path), AlertSpill(tmp_path)  # two collectors that died
    first.open()
    second.open()
    second.write([draft(1)], [])
    first.close()
    second.close()
    adopter, starter = AlertSpill(tmp_path), AlertSpill(tmp_path)  # slot 0, adopting slot 1
    started: list[tuple[list[Any], list[Any]]] = []
    rewrite = adopter.journal_rewrite

    def another_collector_starts(items: Any, records: Any) -> None:
        started.append(starter.open())  # while the adopter has read the dead slot
        rewrite(items, records)

    adopter.journal_rewrite = another_collector_starts  # type: ignore[method-assign]
    assert adopter.open() == ([draft(1)], [])
    assert started == [([], [])]  # the dead slot's alert is the adopter's alone
    assert starter.path is not None and starter.path.name == "spill-2.sqlite3"
    assert starter.path.exists()
    assert Path(f"{starter.path}.journal").exists()
    adopter.close()
    starter.close()


def test_a_journal_that_cannot_be_written_is_removed_not_left_stale(tmp_path: Path) -> None:
    """A journal that stopped learning what is stored would replay it at the next start."""
    spill = AlertSpill(tmp_path)
    spill.open()
    spill.journal([draft(1)], [])
    assert spill.path is not None and spill._journal_fd is not None
    os.close(spill._journal_fd)  # the next write fails (as on a full disk)
    spill.journal([draft(2)], [])
    assert not spill.journaling
    assert not Path(f"{spill.path}.journal").exists()
    spill._journal_fd = None
    spill.close()
    assert AlertSpill(tmp_path).open() == ([], [])


async def _failing(*_: Any) -> Any:
    raise ConnectionError("database away")


async def test_alerts_held_during_an_outage_survive_the_collectors_death(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    user = await add_user(sessionmaker, "spill@example.com", spike_rules(), telegram_chat=9)
    history = DbSpikeHistory()
    dying = AlertWriter(sessionmaker, None, history=history, spill=AlertSpill(tmp_path))
    assert await dying.recover() == 0
    dying._transaction = _failing  # type: ignore[method-assign]  # the database is away
    runner = asyncio.create_task(dying.run())
    drafts = [draft(user, ts_ms=1_767_225_600_000 + 1000 * n) for n in range(3)]
    dying.put(drafts[:2])
    history.record((user, "thresholds", "binance", "futures", "BTCUSDT"), drafts[0].ts_ms)
    spill = dying.spill
    assert spill is not None
    await eventually(lambda: _now(spill.rows == 3), what="the two alerts and a record spilled")
    dying.put(drafts[2:])  # detected later in the outage
    await eventually(lambda: _now(spill.rows == 4), what="the third alert spilled")
    runner.cancel()  # killed: no flush, no clean close of anything but the lock
    await asyncio.gather(runner, return_exceptions=True)
    spill.close()
    assert await count(sessionmaker, Alert) == 0

    successor = AlertWriter(
        sessionmaker, None, history=DbSpikeHistory(), spill=AlertSpill(tmp_path)
    )
    assert await successor.recover() == 3
    async with sessionmaker() as session:
        stored = (await session.scalars(select(Alert.ts_ms).order_by(Alert.ts_ms))).all()
    assert stored == [d.ts_ms for d in drafts]
    assert await count(sessionmaker, AlertDelivery) == 3
    assert await count(sessionmaker, SpikeRecord) == 1
    assert successor.spill is not None and successor.spill.rows == 0  # emptied once stored
    assert await successor.flush(5.0)

    again = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    assert await again.recover() == 0
    await again.flush(5.0)


async def test_an_alert_committed_just_before_the_crash_is_not_stored_twice(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """The spill is rewritten after each commit; a crash in between leaves committed alerts in
    it, which the next start recognises by their unique key."""
    user = await add_user(sessionmaker, "twice-spill@example.com", spike_rules(), telegram_chat=9)
    writer = AlertWriter(sessionmaker, None)
    writer.put([draft(user)])
    assert await writer.flush(5.0)
    left = AlertSpill(tmp_path)
    left.open()
    left.write([draft(user), draft(user, symbol="ETHUSDT")], [])
    left.close()

    successor = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    assert await successor.recover() == 2
    assert successor.duplicates == 1 and successor.written == 1
    assert await count(sessionmaker, Alert) == 2
    assert await count(sessionmaker, AlertDelivery) == 2
    await successor.flush(5.0)


async def test_a_stop_during_an_outage_leaves_the_queue_in_the_spill(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    user = await add_user(sessionmaker, "stop-spill@example.com", spike_rules(), telegram_chat=9)
    writer = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    await writer.recover()
    writer._transaction = _failing  # type: ignore[method-assign]
    writer.put([draft(user)])
    assert not await writer.flush(0.5)  # the time-limited flush gives up...
    successor = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    assert await successor.recover() == 1  # ...and the next start stores what it left
    assert await count(sessionmaker, Alert) == 1
    await successor.flush(5.0)


@pytest.mark.parametrize("journal_max_bytes", [64 * 1024 * 1024, 1], ids=["marked", "rewritten"])
async def test_alerts_detected_and_not_yet_stored_survive_a_crash_with_the_database_up(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path, journal_max_bytes: int
) -> None:
    """No outage: the first alert is stored, the second is in its transaction and the third
    waits for it when the collector dies. The next start stores the two, and not the first
    again (nor its spike record) — whether the journal marked the first as stored or, past its
    size bound, was rewritten with what was left."""
    user = await add_user(sessionmaker, "crash@example.com", spike_rules(), telegram_chat=9)
    history = DbSpikeHistory()
    dying = AlertWriter(
        sessionmaker,
        None,
        history=history,
        max_batch=1,
        spill=AlertSpill(tmp_path),
        journal_max_bytes=journal_max_bytes,
    )
    assert await dying.recover() == 0
    real_transaction = dying._transaction
    stuck = asyncio.Event()

    async def first_then_stuck(*args: Any) -> Any:
        if await count(sessionmaker, Alert) == 0:
            return await real_transaction(*args)
        stuck.set()
        await asyncio.Event().wait()  # a slow transaction: the process dies inside it

    dying._transaction = first_then_stuck  # type: ignore[method-assign]
    runner = asyncio.create_task(dying.run())
    drafts = [draft(user, ts_ms=1_767_225_600_000 + 1000 * n) for n in range(3)]
    history.record((user, "thresholds", "binance", "futures", "BTCUSDT"), drafts[0].ts_ms)
    dying.put(drafts)
    await asyncio.wait_for(stuck.wait(), 10)
    assert await count(sessionmaker, Alert) == 1 and dying._in_flight == [drafts[1]]
    runner.cancel()  # killed: nothing is flushed, nothing spilled (no write ever failed)
    await asyncio.gather(runner, return_exceptions=True)
    spill = dying.spill
    assert spill is not None and spill.path is not None and spill.rows == 0
    spill.close()
    journal = Path(f"{spill.path}.journal")
    left = _read_journal(journal)
    if journal_max_bytes == 1:  # only what was not stored
        assert (left.items, left.done_items) == (drafts[1:], 0)
    else:  # everything since it was last emptied, the first marked as stored
        assert (left.items, left.done_items, left.done_records) == (drafts, 1, 1)
    _append(journal, b"\x40\x00\x00\x00a\x91")  # a frame the kill cut short

    successor = AlertWriter(
        sessionmaker, None, history=DbSpikeHistory(), spill=AlertSpill(tmp_path)
    )
    assert await successor.recover() == 2
    assert successor.duplicates == 0
    async with sessionmaker() as session:
        stored = (await session.scalars(select(Alert.ts_ms).order_by(Alert.ts_ms))).all()
    assert stored == [d.ts_ms for d in drafts]
    assert await count(sessionmaker, AlertDelivery) == 3
    assert await count(sessionmaker, SpikeRecord) == 1
    assert await successor.flush(5.0)
    assert _size(journal) == 0  # all stored: emptied

    again = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    assert await again.recover() == 0
    await again.flush(5.0)


async def test_a_batch_committed_just_before_the_crash_counts_its_spike_records_once(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """Killed after the commit, before the journal learned of it: the restart writes the
    batch again. The alert was recognised by its unique key; its spike record was stored a
    second time and counted twice in the user's series."""
    user = await add_user(sessionmaker, "commit-crash@example.com", spike_rules(), telegram_chat=9)
    spike = draft(user)
    record = ((user, "Серия", "binance", "futures", "BTCUSDT"), spike.ts_ms)
    history = DbSpikeHistory()
    committed = AlertWriter(sessionmaker, None, history=history)
    history.record(*record)
    committed.put([spike])
    assert await committed.flush(5.0)
    journal = AlertSpill(tmp_path)  # what the dying collector's journal held: not marked
    journal.open()
    journal.journal([spike], [record])
    journal.close()

    successor = AlertWriter(
        sessionmaker, None, history=DbSpikeHistory(), spill=AlertSpill(tmp_path)
    )
    assert await successor.recover() == 1
    assert successor.duplicates == 1
    assert await count(sessionmaker, Alert) == 1
    assert await count(sessionmaker, SpikeRecord) == 1
    await successor.flush(5.0)


async def test_a_band_state_stored_after_an_outage_is_not_set_back_by_a_restart(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """The journal was emptied at the commit after an outage while the SQLite copy still held
    the outage's (now stored) band state for up to 0.2 s: killed then, the restart wrote that
    older state over the band's newer one."""
    user = await add_user(sessionmaker, "band-crash@example.com", spike_rules(), telegram_chat=9)
    async with sessionmaker() as session:
        row = PriceAlert(
            user_id=user, coin="BTC", exchange="binance", market="spot", symbol="BTCUSDT",
            min_price=Decimal("60000.5"), max_price=None, hysteresis_pct=0.5, state="inside",
        )  # fmt: skip
        session.add(row)
        await session.commit()
        band = msgspec.structs.replace(BAND, id=row.id, user_id=user)
    writer = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    await writer.recover()
    real = writer._transaction
    writer._transaction = _failing  # type: ignore[method-assign]
    writer.put([BandState(band, "below")])  # crossed during an outage
    with pytest.raises(ConnectionError):
        await writer._write_once()
    await writer._sync_spill()  # mirrored into the SQLite copy
    writer._transaction = real  # type: ignore[method-assign]  # the database is back
    await writer._write_once()
    writer.put([BandState(band, "inside")])  # re-armed at once, stored
    await writer._write_once()
    assert writer.spill is not None and writer.spill.rows == 1  # the copy not rewritten yet
    writer.spill.close()  # killed before the spill loop's next turn

    successor = AlertWriter(sessionmaker, None, spill=AlertSpill(tmp_path))
    await successor.recover()
    async with sessionmaker() as session:
        assert (await session.get(PriceAlert, row.id)).state == "inside"  # type: ignore[union-attr]
    await successor.flush(5.0)


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as file:
        file.write(data)


def _size(path: Path) -> int:
    return path.stat().st_size


async def _now(value: bool) -> bool:
    return value
