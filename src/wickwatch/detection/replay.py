"""Run detection over replayed candles: settings from a file or quick flags, alerts to JSONL.

Three levels, from plain to CLI:

* :func:`detect` — closed candles (any iterable) + settings → alert drafts (generator);
* :class:`ReplayDetection` — a candle handler for :class:`wickwatch.market.replay.Replay` /
  :func:`wickwatch.market.commands.replay_files` (``on_candle=[..., detection]``) that writes
  each alert as one JSON line;
* :func:`detection_users`, :func:`open_output` and the ``*Option`` aliases — what ``wickwatch
  replay`` needs for ``--settings FILE`` or ``--min-delta PCT [--min-volume-usd USD] [--min-wick
  PCT] [--window-s N] [--cooldown-s S]``, and ``--alerts-out ALERTS.jsonl``.

Settings file: one user settings document (JSON, user id 1) — also as the settings API returns
it (``{"version": …, "updated_at": …, "document": {…}}``) —, or a JSON list of documents (user
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
    "detection_users",
    "load_settings",
    "open_output",
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
    elif (
        isinstance(raw, dict)
        and "document" in raw
        and set(raw) <= {"version", "updated_at", "document"}
    ):
        docs = {1: raw["document"]}  # saved from GET /api/v1/settings
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
        users = _users(settings)
        for uid, s in users.items():
            self.detector.update_user(uid, s)
        self._user_ids = list(users)
        self.writer = AlertsJsonlWriter(out) if out is not None else None
        self.count = 0
        #: repeats the cooldown folded into the alerts sent
        self.folded = 0
        self.by_rule: Counter[str] = Counter()
        #: every draft, when ``keep`` (tests, small replays)
        self.alerts: list[AlertDraft] | None = [] if keep else None

    def __call__(self, candle: Candle) -> None:
        drafts = self.detector.on_candle(candle)
        if not drafts:
            return
        for draft in drafts:
            self.count += 1
            self.folded += draft.folded_count
            self.by_rule[draft.rule] += 1
            if self.writer is not None:
                self.writer(draft)
            if self.alerts is not None:
                self.alerts.append(draft)

    def folded_total(self) -> int:
        """Every repeat the cooldown folded: those reported by an alert, and those waiting for
        the next alert of their symbol when the tape ended."""
        waiting = sum(self.detector.folded_waiting(uid) for uid in self._user_ids)
        return self.folded + waiting

    def summary(self) -> str:
        rules = ", ".join(f"{n} {rule!r}" for rule, n in self.by_rule.most_common(5))
        return (
            f"detection: {self.detector.candles} candles, {self.detector.symbol_count} symbols, "
            f"{self.count} alerts"
            + (f" ({rules})" if rules else "")
            + f", {self.folded_total()} repeats folded by the cooldown"
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
# The quick flags default to None so that one given at its default value still counts as given.
MinVolumeOption = Annotated[
    float | None,
    typer.Option(
        "--min-volume-usd", help="Quick rule: minimum window volume in USD.", show_default="0"
    ),
]
MinWickOption = Annotated[
    float | None,
    typer.Option("--min-wick", help="Quick rule: minimum wick share, percent.", show_default="0"),
]
WindowOption = Annotated[
    int | None,
    typer.Option("--window-s", help="Quick rule: rolling window, 1-60 seconds.", show_default="1"),
]
CooldownOption = Annotated[
    int | None,
    typer.Option(
        "--cooldown-s", help="Quick rule: cooldown per symbol, seconds.", show_default="60"
    ),
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


def detection_users(
    *,
    settings: Path | None = None,
    min_delta: float | None = None,
    min_volume_usd: float | None = None,
    min_wick: float | None = None,
    window_s: int | None = None,
    cooldown_s: int | None = None,
    alerts_out: Path | None = None,
) -> Mapping[int, UserSettings] | None:
    """The users the replay options describe (None when detection is off). Bad options raise
    :class:`typer.BadParameter` naming the option — before any file is written."""
    given: dict[str, Any] = {
        "min_volume_usd": min_volume_usd,
        "min_wick_pct": min_wick,
        "window_s": window_s,
        "cooldown_s": cooldown_s,
    }
    given = {name: value for name, value in given.items() if value is not None}
    quick_given = min_delta is not None or bool(given)
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
        return None
    if settings is not None:
        try:
            return load_settings(settings)
        except (ValueError, OSError) as exc:
            raise typer.BadParameter(f"{settings}: {exc}", param_hint="--settings") from None
    assert min_delta is not None
    try:
        rule = quick_settings(min_delta, **given)
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = _QUICK_FLAGS.get(str(err["loc"][-1]) if err["loc"] else "", "quick rule")
        raise typer.BadParameter(err["msg"], param_hint=flag) from None
    return {1: rule}


def open_output(
    stack: contextlib.ExitStack, path: Path, option: str, *, newline: str | None = None
) -> IO[str]:
    """``path`` opened for writing on ``stack`` (``-``: stdout); a file that cannot be created
    is a :class:`typer.BadParameter` naming the option, not a traceback."""
    if str(path) == "-":
        return sys.stdout
    try:
        return stack.enter_context(path.open("w", encoding="utf-8", newline=newline))
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc.strerror or exc}", param_hint=option) from None
