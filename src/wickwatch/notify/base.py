"""The channel plugin interface: one :class:`Notifier` per channel, looked up by its slug.

A plugin only sends. The dispatcher claims deliveries, renders the message
(:mod:`wickwatch.notify.templates`), paces and folds what the plugin asks for
(:meth:`Notifier.pacing`), calls :meth:`Notifier.send` with the delivery's idempotency key and
records the :class:`SendResult`. A plugin never touches the database and never raises for an
expected failure: it says whether the failure is worth retrying.

Adding a channel is one module: subclass :class:`Notifier`, set ``slug``, implement ``send`` (and
``from_settings`` if it needs configuration), and import the module in
:mod:`wickwatch.notify.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from wickwatch.ops.redact import redact

if TYPE_CHECKING:
    from wickwatch.config import Settings
    from wickwatch.notify.templates import AlertLike, Rendered


#: The longest wait a receiver may ask for (``retry_after``, ``Retry-After``): a day. A larger,
#: infinite or unreadable value would otherwise overflow the next-attempt timestamp and take the
#: outcomes recorded with it down too. Below that the receiver's ask is honoured as it is
#: (Telegram extends a flood ban for a request sent before its ``retry_after``).
MAX_RETRY_AFTER_S = 86_400.0


def bounded_retry_after(seconds: float | None) -> float | None:
    """``seconds`` within ``[0, MAX_RETRY_AFTER_S]``; None for None or NaN."""
    if seconds is None or seconds != seconds:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


class Outcome(StrEnum):
    SENT = "sent"  #: delivered (or the receiver already had it)
    RETRY = "retry"  #: transient failure; try again later (counts as an attempt)
    FAILED = "failed"  #: permanent failure; retrying cannot help
    THROTTLED = "throttled"  #: the receiver asked us to slow down; nothing was delivered


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    error: str | None = None
    #: Seconds the receiver asked us to wait (Telegram ``retry_after``, HTTP ``Retry-After``).
    retry_after: float | None = None
    #: The receiver's id of the message (Telegram message id), for logs.
    external_id: str | None = None
    #: Non-secret channel configuration to store before the retry (a migrated Telegram chat id).
    config_update: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        # The error is stored (the channel's last error, shown to its owner) and logged: a
        # library's message may carry the bot token inside a Bot API URL.
        if self.error:
            object.__setattr__(self, "error", redact(self.error))
        if self.retry_after is not None:
            object.__setattr__(self, "retry_after", bounded_retry_after(self.retry_after))

    @classmethod
    def sent(cls, external_id: str | None = None) -> Self:
        return cls(Outcome.SENT, external_id=external_id)

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Self:
        return cls(Outcome.RETRY, error=error, retry_after=retry_after)

    @classmethod
    def failed(cls, error: str) -> Self:
        return cls(Outcome.FAILED, error=error)

    @classmethod
    def throttled(cls, retry_after: float, error: str | None = None) -> Self:
        return cls(Outcome.THROTTLED, error=error, retry_after=retry_after)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row as a plugin sees it: where to, with which key, and the channel's
    configuration with its secret already decrypted."""

    id: int
    alert_id: int
    user_id: int
    channel: str
    destination: str
    idempotency_key: str
    attempts: int  #: sends started before this one
    channel_id: int | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    secret: str | None = field(default=None, repr=False)
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class Pacing:
    """How the dispatcher must pace a plugin's messages.

    Messages with the same ``lane`` go out one at a time, at least ``interval_s`` apart, across
    every dispatcher process; alerts that pile up while a lane waits for its slot are folded into
    one digest when the plugin is ``foldable``. ``shared`` are further ``(key, interval_s)`` limits
    reserved just before each send (a bot's global rate; they are not held).
    """

    lane: str
    interval_s: float
    shared: tuple[tuple[str, float], ...] = ()
    #: How long a send may take: the lane stays reserved until the receiver answers (at most
    #: this long), so another process never sends to the same lane while a request is in flight.
    hold_s: float = 0.0
    #: Fold everything waiting into one message even when the lane is idle (an e-mail digest);
    #: otherwise an idle lane sends its first message alone.
    fold_all: bool = False
    #: Most alerts one folded message holds (None: the dispatcher's ``max_digest``). An e-mail
    #: digest is one mail per period, not one per 50 alerts.
    max_fold: int | None = None


class Notifier(ABC):
    """A delivery channel."""

    #: The channel's name in settings documents, outbox rows and ``channels.kind``.
    slug: ClassVar[str]
    #: Whether several alerts for one lane may be sent as one digest message.
    foldable: ClassVar[bool] = False
    #: Longest digest text, in characters (lines beyond it are summed up as "and N more"):
    #: Telegram's message limit unless the channel carries more.
    digest_limit: ClassVar[int] = 4096

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The plugin configured from the operator's settings."""
        return cls()

    @staticmethod
    def destination(config: Mapping[str, Any]) -> str:
        """A short human-readable address for the outbox row (chat id, mailbox, URL)."""
        return ""

    def pacing(self, delivery: Delivery) -> Pacing | None:
        """Rate limits of this delivery; None sends it as soon as it is due."""
        return None

    def server_of(self, delivery: Delivery) -> str | None:
        """The user-chosen server this delivery talks to (a user's webhook host, a user's own
        SMTP server), or None: the dispatcher caps the sends to one such server at once, so a
        slow one cannot take every send slot from everyone else's deliveries."""
        return None

    def collect_until(self, config: Mapping[str, Any], created_at: datetime) -> datetime | None:
        """When a delivery of an alert created at ``created_at`` may go out at the earliest (None
        = as soon as it is due): a digest channel collects alerts until its next boundary."""
        return None

    @abstractmethod
    async def send(self, delivery: Delivery, alert: AlertLike, rendered: Rendered) -> SendResult:
        """Deliver ``rendered`` (about ``alert``, or a digest starting with it) once; pass
        ``delivery.idempotency_key`` to receivers that can de-duplicate."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
