"""De-duplication and cooldown memory of one user × alert source × symbol.

Cooldown rule: an alert of a source (the user's threshold path, or one strategy) on one symbol at
``t`` starts a cooldown; a later spike of the same source and symbol at ``t2`` is *folded* (not
sent, counted) while ``t2 - t < cooldown``; the first spike with ``t2 - t >= cooldown`` is sent and
carries ``folded_count`` = how many were folded since the last sent one. Folded spikes do not
extend the cooldown. Cooldown 0 sends every (de-duplicated) spike. Times are candle times, so
replays behave like live. The threshold path and each strategy have their own cooldown, so a
strategy with its own destination is never silenced by the user's plain alert of the same spike.

The memory is one small :class:`Memo` per user × source × symbol, kept in a dict keyed by the
symbol's state object (identity hash, no key allocation on the hot path); the detector's
candidate loop reads and updates it inline (``Detector._match``):

    if ts - memo.sent < cooldown_ms: memo.folded += 1                          # folded
    else: folded_count = memo.folded; memo.sent = ts; memo.folded = 0          # sent
"""

from __future__ import annotations

import msgspec

#: "Never": older than any candle.
NEVER = -(2**62)


class Memo(msgspec.Struct, gc=False):
    """What one user × source remembers of one symbol. Not tracked by the cyclic garbage
    collector (it holds only ints): a spike matched by 10,000 users makes 10,000 of them, which
    as lists would also trigger collections and lengthen every full one while they live."""

    fired: int  #: ts_ms of the last window that fired (de-duplication)
    sent: int  #: ts_ms of the last alert sent (cooldown)
    folded: int  #: spikes folded since the last alert sent


def is_idle(memo: Memo, now_ms: int, dedup_ms: int, cooldown_ms: int) -> bool:
    """True when forgetting the entry changes nothing: no window can overlap the last fired one,
    the cooldown is over and nothing folded waits to be reported."""
    return now_ms - memo.fired >= dedup_ms and now_ms - memo.sent >= cooldown_ms and not memo.folded
