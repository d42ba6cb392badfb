"""Run detection over replayed candles: settings from a file or quick flags, alerts to JSONL.

Three levels, from plain to CLI:

* :func:`detect` — closed candles (any iterable) + settings → alert drafts (generator);
* :class:`ReplayDetection` — a candle handler for :class:`wickwatch.market.replay.Replay` /
  :func:`wickwatch.market.commands.replay_files` (``on_candle=[..., detection]``) that writes
  each alert as one JSON line;
* :func:`open_detection` + the ``*Option`` aliases — what ``wickwatch replay`` needs for
  ``--settings FILE`` or ``--min-delta PCT [--min-volume-usd USD] [--min-wick PCT] [--window-s N]
  [--cooldown-s S]``, and ``--alerts-out ALERTS.jsonl``.

Settings file: one user settings document (JSON, user id 1), or a JSON list of documents (user
ids 1, 2, …), or ``{"users": {"<id>": document, …}}``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer
from pydantic import ValidationError

from wickwatch.detection.detector import Detector
from wickwatch.detection.drafts import AlertDraft
from wickwatch.detection.schemas import ThresholdGroup, UserSettings
from wickwatch.market.types import Candle

__all__ = [
    "AlertsJsonlWriter",
    "AlertsOutOption",
    "CooldownOption",
    "MinDeltaOption",
    "MinVolumeOption",
    "MinWickOption",
    "ReplayDetection",
    "SettingsOption",
    "WindowOption",
    "detect",
    "load_settings",
    "open_detection",
    "quick_settings",
]


def quick_settings(
    min_delta_pct: float,
    min_volume_usd: float = 0.0,
    min_wick_pct: float = 0.0,
    window_s: int = 1,
    cooldown_s: int = 60,
) -> UserSettings:
    """One threshold group for every exchange × market × quote (all switches on)."""
    group = ThresholdGroup(
        name="quick",
        min_delta_pct=min_delta_pct,
        min_volume_usd=min_volume_usd,
        min_wick_pct=min_wick_pct,
        window_s=window_s,
    )
    return UserSettings(thresholds=[group], cooldown_s=cooldown_s)


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "document"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def load_settings(path: str | Path) -> dict[int, UserSettings]:
    """Users' settings from a JSON file (see the module docstring); ``ValueError`` naming the
    user and field on invalid input."""
    raw: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    docs: dict[int, Any]
    if isinstance(raw, list):
        docs = {i: doc for i, doc in enumerate(raw, start=1)}
    elif isinstance(raw, dict) and set(raw) == {"users"} and isinstance(raw["users"], dict):
        try:
            docs = {int(uid): doc for uid, doc in raw["users"].items()}
        except ValueError:
            raise ValueError("user ids under 'users' must be integers") from None
    else:
        docs = {1: raw}
    out: dict[int, UserSettings] = {}
    for uid, doc in docs.items():
        try:
            out[uid] = UserSettings.model_validate(doc)
        except ValidationError as exc:
            raise ValueError(f"user {uid}: {_describe(exc)}") from None
    return out


def _users(settings: UserSettings | Mapping[int, UserSettings]) -> Mapping[int, UserSettings]:
    return {1: settings} if isinstance(settings, UserSettings) else settings


def detect(
    candles: Iterable[Candle],
    settings: UserSettings | Mapping[int, UserSettings],
    *,
    detector: Detector | None = None,
) -> Iterator[AlertDraft]:
    """Alert drafts of ``candles`` (closed, in time order per symbol) under ``settings``."""
    det = detector or Detector()
    for uid, s in _users(settings).items():
        det.update_user(uid, s)
    for candle in candles:
        yield from det.on_candle(candle)


class AlertsJsonlWriter:
    """Writes each alert as one JSON object per line (``AlertDraft.to_record`` + ``message``)."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.lines = 0

    def __call__(self, draft: AlertDraft) -> None:
        record = draft.to_record()
        record["message"] = draft.message()
        self._out.write(orjson.dumps(record).decode())
        self._out.write("\n")
        self.lines += 1


class ReplayDetection:
    """Candle handler: detection of every closed candle, alerts to ``writer`` (if any)."""

    def __init__(
        self,
        settings: UserSettings | Mapping[int, UserSettings],
        *,
        out: IO[str] | None = None,
        detector: Detector | None = None,
        keep: bool = False,
    ) -> None:
        self.detector = detector or Detector()
        for uid, s in _users(settings).items():
            self.detector.update_user(uid, s)
        self.writer = AlertsJsonlWriter(out) if out is not None else None
        self.count = 0
        self.by_rule: Counter[str] = Counter()
        #: every draft, when ``keep`` (tests, small replays)
        self.alerts: list[AlertDraft] | None = [] if keep else None

    def __call__(self, candle: Candle) -> None:
        drafts = self.detector.on_candle(candle)
        if not drafts:
            return
        for draft in drafts:
            self.count += 1
            self.by_rule[draft.rule] += 1
            if self.writer is not None:
                self.writer(draft)
            if self.alerts is not None:
                self.alerts.append(draft)

    def summary(self) -> str:
        rules = ", ".join(f"{n} {rule!r}" for rule, n in self.by_rule.most_common(5))
        return (
            f"detection: {self.detector.candles} candles, {self.detector.symbol_count} symbols, "
            f"{self.count} alerts" + (f" ({rules})" if rules else "")
        )


# --- Typer options for ``wickwatch replay`` --------------------------------------------------

SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="Detect spikes with these user settings (JSON document, list, or {'users': {...}}).",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
MinDeltaOption = Annotated[
    float | None,
    typer.Option("--min-delta", help="Quick rule for every market: minimum move, percent."),
]
MinVolumeOption = Annotated[
    float,
    typer.Option("--min-volume-usd", help="Quick rule: minimum window volume in USD."),
]
MinWickOption = Annotated[
    float, typer.Option("--min-wick", help="Quick rule: minimum wick share, percent.")
]
WindowOption = Annotated[
    int, typer.Option("--window-s", help="Quick rule: rolling window, 1-60 seconds.")
]
CooldownOption = Annotated[
    int, typer.Option("--cooldown-s", help="Quick rule: cooldown per symbol, seconds.")
]
AlertsOutOption = Annotated[
    Path | None,
    typer.Option(
        "--alerts-out",
        help="Write alerts as JSON lines to this file ('-' = stdout).",
        dir_okay=False,
    ),
]


_QUICK_FLAGS = {
    "min_delta_pct": "--min-delta",
    "min_volume_usd": "--min-volume-usd",
    "min_wick_pct": "--min-wick",
    "window_s": "--window-s",
    "cooldown_s": "--cooldown-s",
}


@contextlib.contextmanager
def open_detection(
    *,
    settings: Path | None = None,
    min_delta: float | None = None,
    min_volume_usd: float = 0.0,
    min_wick: float = 0.0,
    window_s: int = 1,
    cooldown_s: int = 60,
    alerts_out: Path | None = None,
) -> Iterator[ReplayDetection | None]:
    """The detection handler the replay options ask for (None when detection is off); closes
    the alerts file on exit. Bad options raise :class:`typer.BadParameter` naming the option."""
    quick_given = (
        min_delta is not None
        or min_volume_usd != 0.0
        or min_wick != 0.0
        or window_s != 1
        or cooldown_s != 60
    )
    if settings is not None and quick_given:
        raise typer.BadParameter(
            "give either --settings or the quick rule flags, not both", param_hint="--settings"
        )
    if settings is None and min_delta is None:
        if quick_given:
            raise typer.BadParameter("the quick rule needs --min-delta", param_hint="--min-delta")
        if alerts_out is not None:
            raise typer.BadParameter(
                "alerts need --settings FILE or --min-delta PCT", param_hint="--alerts-out"
            )
        yield None
        return
    users: Mapping[int, UserSettings]
    if settings is not None:
        try:
            users = load_settings(settings)
        except (ValueError, OSError) as exc:
            raise typer.BadParameter(f"{settings}: {exc}", param_hint="--settings") from None
    else:
        assert min_delta is not None
        try:
            users = {1: quick_settings(min_delta, min_volume_usd, min_wick, window_s, cooldown_s)}
        except ValidationError as exc:
            err = exc.errors()[0]
            flag = _QUICK_FLAGS.get(str(err["loc"][-1]) if err["loc"] else "", "quick rule")
            raise typer.BadParameter(err["msg"], param_hint=flag) from None
    with contextlib.ExitStack() as stack:
        out: IO[str] | None = None
        if alerts_out is not None:
            if str(alerts_out) == "-":
                out = sys.stdout
            else:
                out = stack.enter_context(alerts_out.open("w", encoding="utf-8"))
        yield ReplayDetection(users, out=out)
