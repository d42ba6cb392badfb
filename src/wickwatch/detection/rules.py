"""Compiling users' settings into flat rules, and the index that finds candidate rules fast.

**Compiled rule.** Every way a user can be alerted about a symbol becomes one
:class:`CompiledRule`: a window size, ``min_delta <= delta <= max_delta``, ``volume_usd >=``,
``wick >=``, optional direction / symbol sets / series, plus where to send it. The threshold path
(groups and overrides) yields one rule per covered exchange × market × (quote | symbol | coin);
a strategy with global thresholds yields one per threshold rule (thresholds combined with its own
conditions), a strategy with own thresholds one per exchange × market (or per listed symbol/coin).
Master switches are applied here (no rule is made for a switched-off feed).

**Precedence without look-ups at match time.** Rules are filed under index keys
``<exchange>_<market>|q:<QUOTE>``, ``…|q:*``, ``…|b:<COIN>`` and ``…|s:<SYMBOL>@<ex>_<mkt>``. A
candle visits the (at most four) buckets of its own quote, ``*``, coin and symbol. Each rule
carries ``excl``, the tokens of the more specific rules of the same user and source (a ``q:*``
group rule excludes the quotes that have their own group and the coins/symbols with overrides),
so exactly one threshold rule per user × source × symbol survives — checked only for candidates.

**Index.** Inside a bucket, rules are grouped by window size (a :class:`Tier`), split into
minimum-volume classes, and kept sorted by ``min_delta`` with a parallel float list: a window with
delta ``d`` and USD volume ``v`` visits only classes with floor ``<= v`` and, in each,
``rules[:bisect_right(mins, d)]``. Candles that match nobody never reach the index at all (the
detector's delta bounds, see :mod:`~wickwatch.detection.detector`), however many users there
are. ``replace_user`` / ``remove_user`` update only that user's rules (bisect insert/delete);
routes are rebuilt only for the buckets whose shape tightened (see :class:`RuleIndex`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING

from wickwatch.detection.metrics import DOWN, UP
from wickwatch.detection.schemas import (
    EXCHANGE_MARKETS,
    EXCHANGES,
    MARKETS,
    WILDCARD,
    DeltaCondition,
    DirectionCondition,
    MarketsCondition,
    SeriesCondition,
    Strategy,
    SymbolOverride,
    SymbolsCondition,
    ThresholdGroup,
    Thresholds,
    UserSettings,
    VolumeCondition,
    WickCondition,
    symbol_ref_tokens,
)

if TYPE_CHECKING:
    from wickwatch.detection.cooldown import Memo
    from wickwatch.detection.windows import SymbolState

INF = float("inf")
#: Lower bounds of the volume classes a tier is split into (see :class:`Tier`).
VOLUME_FLOORS: tuple[float, ...] = (0.0, 1e4, 1e5, 1e6)
#: Source name of the threshold path (strategy names are never empty).
THRESHOLDS = ""
#: Order of a tier's direction classes (see :class:`Tier`).
_DIRECTION_ORDER: dict[str | None, int] = {None: 0, UP: 1, DOWN: 2}


def ref_tokens(refs: Iterable[str]) -> frozenset[str]:
    """Matching tokens of a list of coin/symbol references (see ``symbol_ref_tokens``)."""
    return frozenset(token for ref in refs for token in symbol_ref_tokens(ref))


class UserState:
    """What the detector keeps per user across settings changes: filters and the de-duplication
    and cooldown memories (so editing settings never re-sends a spike already reported)."""

    __slots__ = ("blacklist", "memory", "settings", "timezone", "user_id", "whitelist")

    def __init__(self, user_id: int, settings: UserSettings) -> None:
        self.user_id = user_id
        #: source → symbol state → :class:`~wickwatch.detection.cooldown.Memo`; kept across
        #: settings changes.
        self.memory: dict[str, dict[SymbolState, Memo]] = {}
        self.settings = settings
        self.blacklist: frozenset[str] = frozenset()
        self.whitelist: frozenset[str] | None = None
        self.timezone = "UTC"
        self.apply(settings)

    def apply(self, settings: UserSettings) -> None:
        _carry_renamed(self.memory, self.settings, settings)
        self.settings = settings
        self.blacklist = ref_tokens(settings.blacklist)
        self.whitelist = None if settings.whitelist is None else ref_tokens(settings.whitelist)
        self.timezone = settings.timezone

    def max_cooldown_ms(self) -> int:
        s = self.settings
        most = s.cooldown_s
        for strategy in s.strategies:
            if strategy.cooldown_s is not None:
                most = max(most, strategy.cooldown_s)
        return most * 1000


def _carry_renamed(
    memory: dict[str, dict[SymbolState, Memo]], before: UserSettings, after: UserSettings
) -> None:
    """A strategy renamed where it stands (same place in the list, its old name gone, its new
    name new) keeps its de-duplication and cooldown memory, which is keyed by name: renaming
    "Pumps" to "Памп" must not send again the spike it has just reported. (Its series count
    starts again: the stored spike history is keyed by name too.)"""
    old_names = {s.name for s in before.strategies}
    new_names = {s.name for s in after.strategies}
    for old, new in zip(before.strategies, after.strategies, strict=False):
        if (
            old.name != new.name
            and old.name not in new_names
            and new.name not in old_names
            and old.name in memory
        ):
            memory[new.name] = memory.pop(old.name)


class CompiledRule:
    """One flat rule (see module docstring). Identity-compared."""

    __slots__ = (
        "chart",
        "cooldown_ms",
        "destinations",
        "direction",
        "excl",
        "filtered",
        "max_delta",
        "memory",
        "min_delta",
        "min_volume",
        "min_wick",
        "need",
        "rule_name",
        "series",
        "source",
        "strategy",
        "template",
        "user",
        "user_id",
        "window_s",
    )

    def __init__(
        self,
        *,
        user: UserState,
        source: str,
        rule_name: str,
        strategy: str | None,
        window_s: int,
        min_delta: float,
        max_delta: float = INF,
        min_volume: float = 0.0,
        min_wick: float = 0.0,
        direction: str | None = None,
        need: tuple[frozenset[str], ...] = (),
        excl: frozenset[str] = frozenset(),
        series: tuple[tuple[int, int], ...] = (),
        destinations: tuple[str, ...],
        template: str,
        chart: bool,
        cooldown_ms: int,
    ) -> None:
        self.user = user
        self.user_id = user.user_id
        self.memory = user.memory.setdefault(source, {})
        self.source = source
        self.rule_name = rule_name
        self.strategy = strategy
        self.window_s = window_s
        self.min_delta = min_delta
        self.max_delta = max_delta
        self.min_volume = min_volume
        self.min_wick = min_wick
        self.direction = direction
        self.need = need
        self.excl = excl
        self.series = series  #: ((count, within_ms), …)
        self.destinations = destinations
        self.template = template
        self.chart = chart
        self.cooldown_ms = cooldown_ms
        #: whether the symbol filters (black/white list, exclusions, symbol sets) can reject a
        #: symbol: most rules have none, and the detector's candidate loop skips their test.
        #: (``update_user`` applies the user's lists before compiling their rules.)
        self.filtered = bool(user.blacklist or user.whitelist is not None or excl or need)

    def signature(self) -> tuple[object, ...]:
        """Everything but the user (rules of one user with equal signatures are equivalent)."""
        return (
            self.source,
            self.rule_name,
            self.strategy,
            self.window_s,
            self.min_delta,
            self.max_delta,
            self.min_volume,
            self.min_wick,
            self.direction,
            self.need,
            self.excl,
            self.series,
            self.destinations,
            self.template,
            self.chart,
            self.cooldown_ms,
        )

    def __repr__(self) -> str:
        return (
            f"CompiledRule(user={self.user_id}, source={self.source!r}, rule={self.rule_name!r}, "
            f"window={self.window_s}, delta>={self.min_delta})"
        )


class _Threshold:
    """One effective threshold rule of the user's threshold path, before becoming rules."""

    __slots__ = ("ex_mkt", "excl", "key", "label", "thresholds")

    def __init__(
        self, key: str, thresholds: Thresholds, label: str, excl: frozenset[str], ex_mkt: str
    ) -> None:
        self.key = key
        self.thresholds = thresholds
        self.label = label
        self.excl = excl
        self.ex_mkt = ex_mkt


def _thresholds(settings: UserSettings) -> list[_Threshold]:
    out: list[_Threshold] = []
    for exchange in EXCHANGES:
        for market in MARKETS:
            if not settings.switches.enabled(exchange, market):
                continue
            em = f"{exchange}_{market}"
            suffix = f"@{em}"
            # Precedence: a symbol of this feed, then a pair on every feed, then a coin.
            # Of two spellings of one symbol (ETHUSDT@… and ETH-USDT-SWAP@…) the first counts:
            # refusing them would pause the documents stored before both were one symbol.
            levels: dict[str, list[tuple[str, SymbolOverride]]] = {"s": [], "p": [], "b": []}
            taken: set[str] = set()
            for o in settings.overrides:
                for token in symbol_ref_tokens(o.symbol):
                    if token not in taken and (token[0] != "s" or token.endswith(suffix)):
                        taken.add(token)
                        levels[token[0]].append((token, o))
            sym_tokens = frozenset(t for t, _ in levels["s"])
            pair_tokens = frozenset(t for t, _ in levels["p"])
            coin_tokens = frozenset(t for t, _ in levels["b"])
            for level, excl in (("s", frozenset()), ("p", sym_tokens),
                                ("b", sym_tokens | pair_tokens)):  # fmt: skip
                for token, o in levels[level]:
                    if o.enabled:
                        out.append(_Threshold(f"{em}|{token}", o, o.label, excl, em))
            by_quote: dict[str, tuple[int, ThresholdGroup]] = {}
            wild: tuple[int, ThresholdGroup] | None = None
            for g in settings.thresholds:
                if g.exchange not in (exchange, WILDCARD) or g.market not in (market, WILDCARD):
                    continue
                score = 2 * (g.exchange != WILDCARD) + (g.market != WILDCARD)
                if g.quote == WILDCARD:
                    if wild is None or score > wild[0]:
                        wild = (score, g)
                elif g.quote not in by_quote or score > by_quote[g.quote][0]:
                    by_quote[g.quote] = (score, g)
            override_tokens = sym_tokens | pair_tokens | coin_tokens
            for quote, (_, g) in by_quote.items():
                if g.enabled:
                    out.append(_Threshold(f"{em}|q:{quote}", g, g.label, override_tokens, em))
            if wild is not None and wild[1].enabled:
                g = wild[1]
                excl = override_tokens | {f"q:{q}" for q in by_quote}
                out.append(_Threshold(f"{em}|q:{WILDCARD}", g, g.label, excl, em))
    return out


def _strategy_rules(
    user: UserState, settings: UserSettings, strategy: Strategy, thresholds: list[_Threshold]
) -> list[tuple[str, CompiledRule]]:
    dmin = 0.0
    dmax = INF
    vmin = 0.0
    wmin = 0.0
    direction: str | None = None
    need: list[frozenset[str]] = []
    markets: set[str] | None = None
    series: list[tuple[int, int]] = []
    for c in strategy.conditions:
        if isinstance(c, DeltaCondition):
            if c.min_pct is not None:
                dmin = max(dmin, c.min_pct)
            if c.max_pct is not None:
                dmax = min(dmax, c.max_pct)
        elif isinstance(c, VolumeCondition):
            vmin = max(vmin, c.min_usd)
        elif isinstance(c, WickCondition):
            wmin = max(wmin, c.min_pct)
        elif isinstance(c, DirectionCondition):
            if direction is not None and direction != c.direction:
                return []  # up AND down: can never match
            direction = c.direction
        elif isinstance(c, SymbolsCondition):
            need.append(ref_tokens(c.symbols))
        elif isinstance(c, MarketsCondition):
            markets = set(c.markets) if markets is None else markets & set(c.markets)
        elif isinstance(c, SeriesCondition):
            series.append((c.count, c.within_s * 1000))
    template = strategy.template or settings.message_template
    destinations = tuple(strategy.destinations)
    cooldown_s = settings.cooldown_s if strategy.cooldown_s is None else strategy.cooldown_s

    def make(window_s: int, min_delta: float, vol: float, wick: float, excl: frozenset[str],
             needs: tuple[frozenset[str], ...]) -> CompiledRule:  # fmt: skip
        return CompiledRule(
            user=user,
            source=strategy.name,
            rule_name=strategy.name,
            strategy=strategy.name,
            window_s=window_s,
            min_delta=min_delta,
            max_delta=dmax,
            min_volume=vol,
            min_wick=wick,
            direction=direction,
            need=needs,
            excl=excl,
            series=tuple(series),
            destinations=destinations,
            template=template,
            chart=strategy.chart,
            cooldown_ms=cooldown_s * 1000,
        )

    out: list[tuple[str, CompiledRule]] = []
    if strategy.use_global_thresholds:
        for th in thresholds:
            if markets is not None and th.ex_mkt not in markets:
                continue
            t = th.thresholds
            lo = max(t.min_delta_pct, dmin)
            if lo > dmax:
                continue
            rule = make(
                t.window_s, lo, max(t.min_volume_usd, vmin), max(t.min_wick_pct, wmin),
                th.excl, tuple(need),
            )  # fmt: skip
            out.append((th.key, rule))
        return out
    if dmin > dmax:
        return out
    feeds = [
        em
        for em in EXCHANGE_MARKETS
        if settings.switches.enabled(*em.split("_")) and (markets is None or em in markets)
    ]
    if need:
        # One rule per token of the first symbols condition, each excluding the candles of
        # the more specific tokens (a symbol, then a pair, then a coin), so a candle meets one.
        first, rest = need[0], tuple(need[1:])
        sym_tokens = frozenset(t for t in first if t.startswith("s:"))
        pair_tokens = frozenset(t for t in first if t.startswith("p:"))
        for token in sorted(first):
            if token.startswith("s:"):
                em = token.rpartition("@")[2]
                if em in feeds:
                    out.append((f"{em}|{token}", make(strategy.window_s, dmin, vmin, wmin,
                                                      frozenset(), rest)))  # fmt: skip
            else:
                excl = sym_tokens if token.startswith("p:") else sym_tokens | pair_tokens
                for em in feeds:
                    out.append((f"{em}|{token}", make(strategy.window_s, dmin, vmin, wmin,
                                                      excl, rest)))  # fmt: skip
        return out
    for em in feeds:
        out.append(
            (f"{em}|q:{WILDCARD}", make(strategy.window_s, dmin, vmin, wmin, frozenset(), ()))
        )
    return out


def compile_user(user: UserState, settings: UserSettings) -> list[tuple[str, CompiledRule]]:
    """Every ``(index key, rule)`` of one user's settings."""
    if not settings.enabled:
        return []
    thresholds = _thresholds(settings)
    out: list[tuple[str, CompiledRule]] = []
    if settings.threshold_alerts:
        destinations = tuple(settings.destinations)
        cooldown_ms = settings.cooldown_s * 1000
        for th in thresholds:
            t = th.thresholds
            out.append(
                (
                    th.key,
                    CompiledRule(
                        user=user,
                        source=THRESHOLDS,
                        rule_name=th.label,
                        strategy=None,
                        window_s=t.window_s,
                        min_delta=t.min_delta_pct,
                        min_volume=t.min_volume_usd,
                        min_wick=t.min_wick_pct,
                        excl=th.excl,
                        destinations=destinations,
                        template=settings.message_template,
                        chart=t.chart,
                        cooldown_ms=cooldown_ms,
                    ),
                )
            )
    for strategy in settings.strategies:
        if strategy.enabled:
            out.extend(_strategy_rules(user, settings, strategy, thresholds))
    # One object for identical rules filed under several keys (the same group on 12 feeds):
    # rules carry no key, so they can be shared; memory drops by up to 12×.
    canonical: dict[tuple[object, ...], CompiledRule] = {}
    return [(key, canonical.setdefault(rule.signature(), rule)) for key, rule in out]


class Tier:
    """Rules of one bucket with one window size.

    Split into classes by minimum volume (:data:`VOLUME_FLOORS`: a rule with ``min_volume_usd``
    of 20,000 is in the class of floor 10,000) and by direction (rules for either direction,
    up only, down only), each sorted by ``min_delta`` with a parallel float list. A window with
    delta ``d``, volume ``v`` and direction ``x`` visits only classes with ``floor <= v`` and a
    direction that admits ``x`` and, in each, ``rules[:bisect_right(mins, d)]``: candidates that
    fail the volume check are at most those of the one boundary floor, and an up spike never
    visits the down-only rules (a strategy's direction condition) in this or the following
    windows that still hold it.
    """

    __slots__ = ("classes", "min_delta", "version", "window_s")

    def __init__(self, window_s: int) -> None:
        self.window_s = window_s
        #: bumped on every add/remove (positions in the class lists change)
        self.version = 0
        #: ``(floor, direction, mins, rules)`` by ascending floor, then direction (``None``:
        #: either, then ``up``, ``down``); only non-empty classes.
        self.classes: list[tuple[float, str | None, list[float], list[CompiledRule]]] = []
        #: smallest ``min_delta`` of all classes
        self.min_delta = INF

    def _refresh(self) -> None:
        self.min_delta = min((mins[0] for _, _, mins, _ in self.classes), default=INF)

    @staticmethod
    def floor_of(min_volume: float) -> float:
        return VOLUME_FLOORS[bisect_right(VOLUME_FLOORS, min_volume) - 1]

    @staticmethod
    def _class_key(floor: float, direction: str | None) -> tuple[float, int]:
        return floor, _DIRECTION_ORDER[direction]

    def add(self, rule: CompiledRule, *, bulk: bool = False) -> bool:
        """Insert ``rule``; True if it lowered the tier's smallest ``min_delta``. With ``bulk``
        the rule is appended unsorted: call :meth:`sort` before the tier is used."""
        self.version += 1
        key = self._class_key(self.floor_of(rule.min_volume), rule.direction)
        classes = self.classes
        for i, (f, d, mins, rules) in enumerate(classes):
            here = self._class_key(f, d)
            if here == key:
                break
            if here > key:
                mins, rules = [], []
                classes.insert(i, (key[0], rule.direction, mins, rules))
                break
        else:
            mins, rules = [], []
            classes.append((key[0], rule.direction, mins, rules))
        if bulk:
            mins.append(rule.min_delta)
            rules.append(rule)
        else:
            j = bisect_right(mins, rule.min_delta)
            mins.insert(j, rule.min_delta)
            rules.insert(j, rule)
        if rule.min_delta < self.min_delta:
            self.min_delta = rule.min_delta
            return True
        return False

    def sort(self) -> None:
        """Restore the order after bulk :meth:`add` calls (stable: equal minima keep their
        insertion order)."""
        for _, _, mins, rules in self.classes:
            order = sorted(range(len(rules)), key=mins.__getitem__)
            rules[:] = [rules[i] for i in order]
            mins[:] = [mins[i] for i in order]

    def remove(self, rule: CompiledRule) -> None:
        self.version += 1
        floor = self.floor_of(rule.min_volume)
        for i, (f, d, mins, rules) in enumerate(self.classes):
            if f == floor and d == rule.direction:
                j = rules.index(rule, bisect_left(mins, rule.min_delta))
                del mins[j]
                del rules[j]
                if not rules:
                    del self.classes[i]
                if j == 0:
                    self._refresh()
                return
        raise ValueError(f"{rule!r} is not in this tier")

    def __len__(self) -> int:
        return sum(len(rules) for _, _, _, rules in self.classes)


class Bucket:
    """All rules filed under one index key, by window size."""

    __slots__ = ("key", "tiers")

    def __init__(self, key: str) -> None:
        self.key = key
        self.tiers: dict[int, Tier] = {}


class RuleIndex:
    """Index key → :class:`Bucket`; incremental per-user replacement.

    Per-symbol routes cache the index's shape (which tiers exist, their smallest thresholds).
    A route built from a bucket must be rebuilt when that bucket *tightens* — it is created, gets
    a new tier, or a tier's smallest ``min_delta`` goes down — or it could miss a match; such keys
    are collected (:meth:`take_tightened`) for the detector to invalidate at once. Removing rules
    only makes cached minima conservative (more windows computed than needed, never fewer): those
    keys are collected separately (:meth:`take_loosened`) and refreshed lazily. Empty tiers and
    buckets are kept, so removals never break a route.
    """

    def __init__(self) -> None:
        self.buckets: dict[str, Bucket] = {}
        self._tightened: set[str] = set()
        self._loosened: set[str] = set()
        self._by_user: dict[int, list[tuple[str, CompiledRule]]] = {}

    def replace_user(self, user_id: int, rules: Iterable[tuple[str, CompiledRule]]) -> None:
        self._replace(user_id, rules, None)

    def replace_users(
        self, users: Iterable[tuple[int, Iterable[tuple[str, CompiledRule]]]]
    ) -> None:
        """Many users at once (start-up): rules are appended, then each touched tier is sorted
        once, instead of one sorted insert per rule."""
        touched: set[Tier] = set()
        for user_id, rules in users:
            self._replace(user_id, rules, touched)
        for tier in touched:
            tier.sort()

    def _replace(
        self, user_id: int, rules: Iterable[tuple[str, CompiledRule]], touched: set[Tier] | None
    ) -> None:
        self._remove(user_id)
        added = list(rules)
        tightened = self._tightened
        bulk = touched is not None
        for key, rule in added:
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = Bucket(key)
                tightened.add(key)
            tier = bucket.tiers.get(rule.window_s)
            if tier is None:
                tier = bucket.tiers[rule.window_s] = Tier(rule.window_s)
                tightened.add(key)
            if tier.add(rule, bulk=bulk):
                tightened.add(key)
            if touched is not None:
                touched.add(tier)
        if added:
            self._by_user[user_id] = added

    def remove_user(self, user_id: int) -> None:
        self._remove(user_id)

    def _remove(self, user_id: int) -> None:
        for key, rule in self._by_user.pop(user_id, ()):
            self.buckets[key].tiers[rule.window_s].remove(rule)
            self._loosened.add(key)

    def take_tightened(self) -> set[str]:
        """Keys whose routes must be rebuilt now (and forget them)."""
        keys, self._tightened = self._tightened, set()
        return keys

    def take_loosened(self) -> set[str]:
        """Keys whose routes are valid but looser than needed (and forget them)."""
        keys, self._loosened = self._loosened, set()
        return keys

    def rules_of(self, user_id: int) -> list[tuple[str, CompiledRule]]:
        return list(self._by_user.get(user_id, ()))

    def __len__(self) -> int:
        return sum(len(rules) for rules in self._by_user.values())
