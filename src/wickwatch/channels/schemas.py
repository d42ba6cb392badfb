"""Channel bodies. Configuration shapes follow what the notify domain reads (see
``notify/telegram.py``, ``notify/email.py``, ``notify/webhook.py``); the secret (own bot token,
SMTP password, webhook signing key) is write-only: responses show only a masked form.
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

Kind = Literal["telegram", "email", "webhook"]
Name = Annotated[str, Field(min_length=1, max_length=120)]
#: The address part of an SMTP ``from`` (an internal domain such as ``corp.local`` is fine: the
#: user's own server decides what it relays).
_SENDER = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")
#: A Telegram bot token: ``<bot id>:<35 characters>``.
BOT_TOKEN_PATTERN = r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramConfig(_Strict):
    """A chat reached through the user's own bot (service-bot chats are linked with
    ``/start <code>`` in Telegram, never created here)."""

    chat_id: int | Annotated[str, Field(pattern=r"^@[A-Za-z0-9_]{5,32}$")] = Field(
        description="Numeric chat id, or `@channelname` of a public channel."
    )
    bot: Literal["own"] = "own"
    title: str | None = Field(None, max_length=120)

    @field_validator("chat_id")
    @classmethod
    def _chat_range(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not -(10**15) < value < 10**15:
            raise ValueError("not a Telegram chat id")
        return value


class SmtpConfig(_Strict):
    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")
    port: int = Field(587, ge=1, le=65535)
    username: str | None = Field(None, max_length=320)
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS (port 587).")
    tls: bool | None = Field(
        None,
        description="TLS from the first byte (SMTPS, port 465); absent = on for port 465 only.",
    )
    from_: str | None = Field(
        None,
        alias="from",
        max_length=320,
        description="Sender: `me@example.com` or `Name <me@example.com>`.",
        examples=["Alerts <me@example.com>"],
    )

    @field_validator("from_")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        """``from`` becomes the From header: a line break would add headers (a Bcc) and make
        every send fail, so only a single address, with an optional display name, is taken."""
        if value is None or not value.strip():
            return None  # absent: the username or the channel's address sends
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
            raise ValueError("not an e-mail address: it contains a line break or control character")
        found = email.utils.getaddresses([value])
        if len(found) != 1 or not _SENDER.match(found[0][1]):
            raise ValueError(
                "not an e-mail address: one address, me@example.com or Name <me@example.com>"
            )
        return value.strip()

    @model_validator(mode="after")
    def _implicit_tls(self) -> SmtpConfig:
        # Port 465 speaks TLS from the first byte: a client waiting for a greeting in clear
        # text only times out (Yandex and Mail.ru give 465 first in their instructions).
        if self.tls is None:
            self.tls = self.port == 465
        return self

    @property
    def encrypted(self) -> bool:
        return self.starttls or bool(self.tls)


class EmailConfig(_Strict):
    address: EmailStr = Field(max_length=320)
    smtp: SmtpConfig | None = Field(None, description="The user's own SMTP server (optional).")
    digest_minutes: int | None = Field(
        None,
        description="One e-mail with every alert of the last N minutes (5…1440); 0 or absent "
        "= each alert at once.",
        examples=[15],
    )

    @field_validator("digest_minutes")
    @classmethod
    def _digest_range(cls, value: int | None) -> int | None:
        if not value:
            return None  # off: not stored
        if not 5 <= value <= 1440:
            raise ValueError("a digest period is 0 (off) or 5 to 1440 minutes")
        return value


class WebhookConfig(_Strict):
    url: AnyHttpUrl = Field(description="Receives signed JSON POSTs.")

    @field_validator("url")
    @classmethod
    def _length(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(value)) > 2048:
            raise ValueError("URL longer than 2048 characters")
        return value


_CONFIG_MODELS: dict[str, type[BaseModel]] = {
    "telegram": TelegramConfig,
    "email": EmailConfig,
    "webhook": WebhookConfig,
}


def config_document(kind: str, config: BaseModel) -> dict[str, Any]:
    """The JSON stored in ``channels.config``."""
    assert isinstance(config, _CONFIG_MODELS[kind])
    return config.model_dump(mode="json", by_alias=True, exclude_none=True)


def check_secret(kind: str, config: BaseModel | None, secret: SecretStr | None) -> None:
    value = secret.get_secret_value() if secret is not None else None
    if kind == "telegram" and value is not None:
        import re

        if not re.match(BOT_TOKEN_PATTERN, value):
            raise ValueError("secret: not a Telegram bot token (<bot id>:<token>)")
    if kind == "webhook" and value is not None and len(value) < 16:
        raise ValueError("secret: a webhook signing secret needs at least 16 characters")
    if kind == "email" and value is not None and config is not None:
        assert isinstance(config, EmailConfig)
        if config.smtp is None:
            raise ValueError("secret: an SMTP password needs an `smtp` server")
        if not config.smtp.encrypted:
            raise ValueError(
                "secret: the SMTP password would cross the network in clear text: "
                "turn on `starttls` or `tls`"
            )


Secret = Annotated[
    SecretStr,
    Field(
        min_length=1,
        max_length=512,
        description="Own bot token, SMTP password or webhook signing secret; write-only.",
    ),
]


class _ChannelCreate(_Strict):
    name: Name
    enabled: bool = True


class TelegramChannelCreate(_ChannelCreate):
    kind: Literal["telegram"]
    config: TelegramConfig
    secret: Secret = Field(description="The bot token from @BotFather; write-only.")

    @model_validator(mode="after")
    def _rules(self) -> TelegramChannelCreate:
        check_secret(self.kind, self.config, self.secret)
        return self


class EmailChannelCreate(_ChannelCreate):
    kind: Literal["email"]
    config: EmailConfig
    secret: Secret | None = None

    @model_validator(mode="after")
    def _rules(self) -> EmailChannelCreate:
        check_secret(self.kind, self.config, self.secret)
        return self


class WebhookChannelCreate(_ChannelCreate):
    kind: Literal["webhook"]
    config: WebhookConfig
    secret: Secret = Field(description="Signing key for `X-Wickwatch-Signature`; write-only.")

    @model_validator(mode="after")
    def _rules(self) -> WebhookChannelCreate:
        check_secret(self.kind, self.config, self.secret)
        return self


ChannelCreate = Annotated[
    TelegramChannelCreate | EmailChannelCreate | WebhookChannelCreate,
    Field(discriminator="kind"),
]


class ChannelUpdate(_Strict):
    """Only the fields sent change. ``config`` replaces the whole configuration (checked against
    the channel's kind); ``secret`` replaces the secret, ``null`` removes it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": False}]})

    name: Name | None = None
    enabled: bool | None = None
    config: dict[str, Any] | None = None
    secret: Secret | None = None


class ChannelPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "kind": "telegram",
                    "name": "My bot",
                    "config": {"chat_id": 123456789, "bot": "own"},
                    "enabled": True,
                    "secret_set": True,
                    "secret_masked": "123456:••••wxyz",
                    "last_status": "ok",
                    "last_status_at": "2026-01-02T03:04:05Z",
                    "last_error": None,
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-02T03:04:05Z",
                }
            ]
        }
    )

    id: int
    kind: Kind
    name: str
    config: dict[str, Any]
    enabled: bool
    secret_set: bool
    secret_masked: str | None = Field(description="Recognisable, useless form of the secret.")
    last_status: str | None
    last_status_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime


def parse_config(kind: str, raw: dict[str, Any]) -> BaseModel:
    """Validate ``raw`` as the configuration of ``kind`` (a ``ValueError`` names the problem)."""
    return _CONFIG_MODELS[kind].model_validate(raw)


class TelegramLink(BaseModel):
    """A one-time code that links a Telegram chat to your account (valid 15 minutes, single
    use): open ``deep_link`` for a private chat, or send ``/start <code>`` in a group or channel
    where the bot is a member."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "Xb3k9QmPz1LwT7aC",
                    "deep_link": "https://t.me/wickwatch_bot?start=Xb3k9QmPz1LwT7aC",
                    "expires_at": "2026-01-02T03:19:05Z",
                    "expires_in_s": 900,
                }
            ]
        }
    )

    code: str
    deep_link: str
    expires_at: datetime
    expires_in_s: int = Field(
        description="Seconds the code is valid from now: count down from when the answer "
        "arrives (a client's clock may be minutes off the server's `expires_at`)."
    )


class ChannelTestResult(BaseModel):
    """Whether the test message went out; ``detail`` says why not (never a secret)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"ok": True, "detail": None},
                {"ok": False, "detail": "Telegram: Forbidden: bot was blocked by the user"},
            ]
        }
    )

    ok: bool
    detail: str | None
