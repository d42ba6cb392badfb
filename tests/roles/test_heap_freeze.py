"""The roles take their long-lived state out of the cyclic garbage collector's scans."""

from __future__ import annotations

import asyncio
import gc

from wickwatch.roles.runtime import freeze_heap


async def test_state_loaded_at_start_and_built_in_the_first_minute_is_frozen() -> None:
    gc.unfreeze()
    try:
        freezing = asyncio.create_task(freeze_heap(settle_s=0.1))
        await asyncio.sleep(0.02)
        at_start = gc.get_freeze_count()
        assert at_start > 0  # what was loaded before (the users' rules)
        built_later = [[i] for i in range(5_000)]  # per-symbol state of the first minute
        await freezing
        assert gc.get_freeze_count() >= at_start + len(built_later)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
