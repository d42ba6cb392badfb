"""The outbox's statements keep one text whatever the number of alerts, deliveries or ids they
carry, so PostgreSQL connections do not fill their prepared-statement caches with a text per
count (storage.statements), and they still store and update exactly the rows asked for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import Draft, World
from wickwatch.notify import repository as repo
from wickwatch.storage.models import Alert, AlertDelivery
from wickwatch.storage.statements import LARGEST_BATCH, power_of_two_batches

SIZES = [1, 2, 3, 5, 7, 12, 13, 31, 40]


async def _prepared(session: AsyncSession, prefix: str) -> set[str]:
    """This connection's prepared statements (asyncpg prepares every statement it runs)."""
    rows = await session.execute(text("SELECT statement FROM pg_prepared_statements"))
    return {s for (s,) in rows if s.lstrip().upper().startswith(prefix)}


async def test_batches_of_every_size_store_and_update_exactly_their_rows(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    users = [await world.user() for _ in range(3)]
    for user in users:
        await world.channel(user, "webhook", {"url": f"https://hooks.example.com/{user}"})
    async with sessionmaker() as session:
        channels = {c.user_id: [c] for c in await session.scalars(select(repo.Channel))}
        dialect = session.get_bind().dialect.name
        expected_deliveries: list[int] = []
        prepared_inserts: list[int] = []
        prepared_updates: list[int] = []
        for n, size in enumerate(SIZES):
            drafts = [
                Draft(
                    user_id=users[i % 3],
                    ts_ms=1_767_225_600_000 + 1000 * n + i,
                    destinations=("webhook",),
                )
                for i in range(size)
            ]
            items = [(d, channels[d.user_id]) for d in drafts]
            created = await repo.create_alerts_with_deliveries(session, items)
            assert [(a.user_id, a.ts_ms) for a, _ in filter(None, created)] == [
                (d.user_id, d.ts_ms) for d in drafts
            ]
            ids = [d.id for _, deliveries in filter(None, created) for d in deliveries]
            assert len(ids) == size
            # the same drafts again: stored already, nothing added
            again = await repo.create_alerts_with_deliveries(session, items)
            assert again == [None] * size
            # every other row of this batch is given up: exactly those
            chosen = ids[::2]
            marked = await repo.mark_final(
                session, chosen, worker=None, status="failed", error="test"
            )
            assert marked == len(chosen)
            expected_deliveries.extend(ids)
            if dialect == "postgresql":
                prepared_inserts.append(len(await _prepared(session, "INSERT INTO ALERT")))
                prepared_updates.append(len(await _prepared(session, "UPDATE ALERT_DELIVERIES")))
        await session.commit()
    async with sessionmaker() as session:
        rows = (await session.scalars(select(AlertDelivery).order_by(AlertDelivery.id))).all()
        assert [r.id for r in rows] == sorted(expected_deliveries)
        assert sum(r.status == "failed" for r in rows) == sum((s + 1) // 2 for s in SIZES)
        assert len((await session.scalars(select(Alert))).all()) == sum(SIZES)
    if dialect == "postgresql":
        # 9 batch sizes up to 40 rows: the inserts of alerts and deliveries use texts of 1, 2, 4,
        # 8, 16 and 32 rows (at most 6 each, 12 in all; one per count would be 18), and the
        # update one text whatever the number of ids
        assert prepared_inserts[-1] <= 12
        assert prepared_inserts[-1] < 2 * len(SIZES)
        assert prepared_updates[-1] == 1


@given(st.integers(min_value=0, max_value=3000), st.sampled_from([1, 2, 8, 64, LARGEST_BATCH]))
def test_power_of_two_batches_keep_every_row_in_order_in_few_sizes(
    count: int, largest: int
) -> None:
    rows = list(range(count))
    batches = list(power_of_two_batches(rows, largest))
    assert [r for batch in batches for r in batch] == rows
    sizes = {len(b) for b in batches}
    assert all(s & (s - 1) == 0 and 0 < s <= largest for s in sizes)
    assert len(sizes) <= largest.bit_length()
    # at most one batch of each size below the largest: few statements for any count
    smaller = [len(b) for b in batches if len(b) < largest]
    assert len(smaller) == len(set(smaller))


def test_power_of_two_batches_refuse_a_largest_that_is_not_a_power_of_two() -> None:
    import pytest

    with pytest.raises(ValueError, match="power of two"):
        list(power_of_two_batches([1, 2, 3], 48))
