"""The one configuration object, read from ``WICKWATCH_*`` environment variables and ``.env``.

Every process role reads the same :class:`Settings`; defaults give the embedded mode (SQLite in the
data directory, in-memory bus, API on 127.0.0.1:8000). Invalid values stop start-up with one line
naming the variable (see :func:`describe_validation_error`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from wickwatch.ops.redact import redact

ENV_PREFIX = "WICKWATCH_"

EXCHANGES: tuple[str, ...] = ("binance", "bybit", "okx", "bitget", "gate", "hyperliquid")
MARKET_TYPES: tuple[str, ...] = ("spot", "futures")
#: Every feed the product knows, named ``<exchange>_<market>`` (``binance_futures``).
ALL_MARKETS: tuple[str, ...] = tuple(f"{e}_{m}" for e in EXCHANGES for m in MARKET_TYPES)

# Database drivers we support, and the async driver each plain scheme maps to.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def _split_list(value: Any) -> Any:
    """Accept ``a,b,c`` (the natural way to write a list in an environment variable) or a list."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            import json

            return json.loads(stripped)
        return [item.strip() for item in stripped.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]


class MarketEndpoints(BaseModel):
    """Where one feed connects instead of the venue's production URLs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rest_url: str = Field(description="REST base URL, no trailing slash.")
    ws_url: str = Field(description="Full WebSocket URL of the public trade stream.")

    @field_validator("rest_url", "ws_url")
    @classmethod
    def _absolute_url(cls, value: str, info: ValidationInfo) -> str:
        schemes = ("http://", "https://") if info.field_name == "rest_url" else ("ws://", "wss://")
        if not value.startswith(schemes):
            raise ValueError(f"{info.field_name} must start with {' or '.join(schemes)}")
        return value.rstrip("/") if info.field_name == "rest_url" else value


#: How deploy/.env.example marks the values an operator must fill in.
PLACEHOLDER = "CHANGE-ME"
MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    """Effective configuration of a wickwatch process."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses to start without a secret key."
    )
    data_dir: Path = Field(Path("data"), description="Where the embedded mode keeps its files.")
    alert_spill_dir: Path | None = Field(
        None,
        description="Local directory where a collector keeps the alerts it could not store "
        "while the database is away (written first when a collector starts). "
        "Default: `alert-spill` in the data directory.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; `sqlite:///…` or `postgresql://…` "
        "(async drivers are chosen automatically). Default: SQLite file in the data directory.",
    )
    database_echo: bool = Field(False, description="Log every SQL statement (debugging only).")
    redis_url: AnyUrl | None = Field(
        None, description="Redis for the distributed mode; unset means the in-memory bus."
    )
    api_host: str = Field("127.0.0.1", description="Address the HTTP API listens on.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port the HTTP API listens on.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Lowest level that is logged."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`text` for people, `json` for one JSON object per line."
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key for signing tokens and encrypting users' secrets at rest; "
        "required when WICKWATCH_ENVIRONMENT=production.",
    )
    markets: CommaList = Field(
        list(ALL_MARKETS),
        description="Feeds to collect, comma-separated `<exchange>_<market>` names.",
    )
    status_interval_s: float = Field(
        5.0, gt=0, description="How often feed status is computed and persisted."
    )
    listing_refresh_s: float = Field(
        600.0, gt=0, description="How often instrument lists are refreshed."
    )
    exchange_endpoints: dict[str, MarketEndpoints] = Field(
        default_factory=dict,
        description="Per-feed URLs instead of the venues' production ones, as JSON: "
        '`{"binance_futures": {"rest_url": "…", "ws_url": "…"}}`.',
    )
    settings_poll_s: float = Field(
        5.0,
        gt=0,
        le=3600,
        description="How often collectors look for changed user settings (besides bus messages).",
    )
    shutdown_timeout_s: float = Field(
        10.0,
        gt=0,
        le=600,
        description="How long a stopping process may take to flush alerts and deliveries.",
    )
    price_history_retention_days: int = Field(
        90, gt=0, description="How long 1-minute price history is kept."
    )
    error_log_retention_days: int = Field(30, gt=0, description="How long error-log rows are kept.")
    spike_floor_pct: float = Field(
        0.3,
        gt=0,
        le=100,
        description="Smallest move (%) of a 1-second candle kept as a market spike for the "
        "settings dry run; rules below it cannot be replayed.",
    )
    spike_retention_days: int = Field(
        7,
        gt=0,
        le=90,
        description="How long market spikes are kept for the settings dry run, and the 1-second "
        "candles around alerts for their charts.",
    )
    cors_origins: CommaList = Field(
        default_factory=list, description="Origins allowed by CORS (none by default)."
    )
    # --- accounts and API security (owned by accounts/ and api/) ---
    previous_secret_key: SecretStr | None = Field(
        None,
        description="The former secret key while rotating: users' secrets encrypted with it stay "
        "readable (re-encrypted on write); tokens signed with it stop working.",
    )
    registration_mode: Literal["open", "invite", "closed"] = Field(
        "invite",
        description="Who may create an account: anyone (`open`), holders of an admin-issued "
        "invite code (`invite`), nobody but admins (`closed`).",
    )
    access_token_ttl_s: int = Field(
        900, gt=0, le=86_400, description="Lifetime of an access token (JWT), seconds."
    )
    refresh_token_ttl_s: int = Field(
        30 * 86_400,
        gt=0,
        description="Lifetime of a refresh token, seconds; each use replaces it with a new one.",
    )
    trusted_proxies: CommaList = Field(
        default_factory=list,
        description="Reverse proxies (CIDRs) whose `X-Forwarded-For`/`-Proto` are believed.",
    )
    rate_limit_login_ip: str = Field(
        "20/minute;200/hour", description="Login attempts per client IP (limits syntax)."
    )
    rate_limit_login_account: str = Field(
        "5/minute;10/15 minutes;20/hour;50/day",
        description="Failed logins per account before lock-out; each tier locks longer.",
    )
    rate_limit_register_ip: str = Field("5/hour", description="Registrations per client IP.")
    rate_limit_user: str = Field(
        "600/minute", description="Requests per signed-in user (any route)."
    )
    slow_request_ms: float = Field(
        1000.0, gt=0, description="Requests slower than this are logged as warnings."
    )
    slow_step_ms: float = Field(
        250.0,
        ge=0,
        description="Event-loop steps (a callback, a task between two awaits) that hold the loop "
        "longer than this are logged as warnings naming the task; 0 turns the watch off.",
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token required for `/metrics`; unset means loopback clients only.",
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port of `/metrics` in a process without the API (a collector or notifier), "
        "on `WICKWATCH_API_HOST`, without authentication; unset means none.",
    )
    # --- delivery (owned by notify/) ---
    telegram_bot_token: SecretStr | None = Field(
        None, description="Token of the service's own Telegram bot (from @BotFather); unset = off."
    )
    telegram_api_url: str = Field(
        "https://api.telegram.org",
        description="Telegram Bot API server (a local stand-in in tests and the demo).",
    )
    smtp_host: str | None = Field(None, description="SMTP server for e-mail alerts; unset = off.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str | None = Field(None, description="SMTP login (unset = no login).")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_from: str = Field(
        "wickwatch <alerts@localhost>", description="Sender address of e-mail alerts."
    )
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS.")
    smtp_tls: bool = Field(
        False, description="Speak TLS from the first byte (SMTPS, port 465) instead of STARTTLS."
    )
    smtp_allow_private: bool = Field(
        False,
        description="Let users' own SMTP servers be private, loopback or link-local addresses.",
    )
    webhook_allow_private: bool = Field(
        False,
        description="Let webhooks target private, loopback, link-local and multicast addresses.",
    )
    webhook_timeout_s: float = Field(10.0, gt=0, le=60, description="Timeout of one webhook call.")
    delivery_max_attempts: int = Field(
        8, ge=1, le=100, description="Attempts per delivery before it is marked failed."
    )
    delivery_retry_base_s: float = Field(
        5.0, gt=0, description="First retry delay; doubles per attempt (with jitter)."
    )
    delivery_retry_max_s: float = Field(1800.0, gt=0, description="Longest retry delay.")
    delivery_lease_s: float = Field(
        60.0, ge=1, description="How long a dispatcher holds claimed deliveries between renewals."
    )
    delivery_poll_interval_s: float = Field(
        0.25, gt=0, le=60, description="How often an idle dispatcher looks for due deliveries."
    )
    delivery_batch_size: int = Field(200, ge=1, le=10_000, description="Deliveries per claim.")

    @field_validator("markets", "cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _lists_from_text(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("markets")
    @classmethod
    def _known_markets(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m not in ALL_MARKETS]
        if unknown:
            raise ValueError(
                f"unknown market {', '.join(unknown)}; known: {', '.join(ALL_MARKETS)}"
            )
        return value

    @field_validator("exchange_endpoints")
    @classmethod
    def _known_endpoint_markets(
        cls, value: dict[str, MarketEndpoints]
    ) -> dict[str, MarketEndpoints]:
        unknown = [m for m in value if m not in ALL_MARKETS]
        if unknown:
            raise ValueError(
                f"unknown market {', '.join(unknown)}; known: {', '.join(ALL_MARKETS)}"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: AnyUrl | None) -> AnyUrl | None:
        if value is not None and value.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"not a Redis URL: scheme {value.scheme!r}, not redis/rediss/unix")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an IP network: {item!r}") from None
        return value

    @field_validator(
        "rate_limit_login_ip",
        "rate_limit_login_account",
        "rate_limit_register_ip",
        "rate_limit_user",
    )
    @classmethod
    def _valid_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"not a rate limit: {value!r}; write e.g. `5/minute;20/hour`"
            ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; expected sqlite:///PATH or postgresql://USER@HOST/DB"
            ) from None
        if url.drivername not in ASYNC_DRIVERS:
            raise ValueError(f"unsupported database {url.drivername!r}; use sqlite or postgresql")
        if url.get_backend_name() == "postgresql":
            if not url.database:
                raise ValueError("the URL names no database: postgresql://USER@HOST/DB")
            url = _asyncpg_query(url)
        elif url.database in (None, "", ":memory:"):
            raise ValueError(
                "the URL names no file (an in-memory database keeps nothing): sqlite:///PATH"
            )
        return url.set(drivername=ASYNC_DRIVERS[url.drivername]).render_as_string(
            hide_password=False
        )

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if not key:
            raise ValueError("WICKWATCH_SECRET_KEY must be set when environment is production")
        # The users' stored secrets are encrypted with it: the example's placeholder or a short
        # word would leave them readable to anyone who reads the repository or guesses.
        if key.startswith(PLACEHOLDER) or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"WICKWATCH_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters of "
                f"random text, not the example's placeholder (e.g. openssl rand -base64 48)"
            )
        token = self.metrics_token.get_secret_value() if self.metrics_token else ""
        if token.startswith(PLACEHOLDER):
            raise ValueError("WICKWATCH_METRICS_TOKEN is the example's placeholder; set your own")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_database_url(self) -> str:
        """The database actually used: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'wickwatch.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def embedded(self) -> bool:
        """One process with SQLite and the in-memory bus (the demo)."""
        return self.redis_url is None

    def masked(self) -> dict[str, Any]:
        """Every setting as its environment variable, secrets and URL passwords masked."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif name in {"database_url", "redis_url"} and value is not None:
                value = mask_url(str(value))
            elif isinstance(value, Path):
                value = str(value)
            elif name == "exchange_endpoints":
                value = {market: ends.model_dump() for market, ends in value.items()}
            shown[ENV_PREFIX + name.upper()] = value
        shown["(effective database)"] = mask_url(self.effective_database_url)
        return shown


def mask_url(url: str) -> str:
    """Hide the password of a URL, keep everything else readable."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


#: libpq's URL parameters that asyncpg spells differently (the others are refused: asyncpg would
#: raise on them at the first connection).
_LIBPQ_TO_ASYNCPG = {"sslmode": "ssl", "connect_timeout": "timeout"}
_ASYNCPG_QUERY = {"ssl", "timeout", "command_timeout", "prepared_statement_cache_size"}


def _asyncpg_query(url: URL) -> URL:
    """``?sslmode=require&connect_timeout=5`` (libpq, as docs and providers write them) → the
    asyncpg names; an unknown parameter is one clear error instead of a traceback later."""
    query: dict[str, Any] = {}
    for key, value in url.query.items():
        name = _LIBPQ_TO_ASYNCPG.get(key, key)
        if name not in _ASYNCPG_QUERY:
            known = ", ".join(sorted({*_LIBPQ_TO_ASYNCPG, *_ASYNCPG_QUERY}))
            raise ValueError(f"unsupported URL parameter {key!r}; known: {known}")
        query[name] = value
    return url.set(query=query)


def describe_validation_error(error: ValidationError) -> str:
    """One readable line per wrong setting: the variable, the reason and the given value."""
    lines = []
    for item in error.errors():
        reason = str(item["msg"]).removeprefix("Value error, ")
        if not item["loc"]:  # a rule across settings names its variables itself
            lines.append(reason)
            continue
        given = item.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        shown = redact(shown)  # a URL's password never reaches the terminal
        lines.append(f"{ENV_PREFIX}{str(item['loc'][0]).upper()}: {reason}{shown}")
    return "; ".join(lines)


def describe_settings_error(error: SettingsError) -> str:
    """One line for a variable pydantic-settings could not even parse (JSON of a mapping or
    list setting): ``WICKWATCH_EXCHANGE_ENDPOINTS: not valid JSON (…)``."""
    match = re.search(r'field "([a-z0-9_]+)"', str(error))
    cause = error.__cause__
    reason = f"not valid JSON ({cause})" if isinstance(cause, ValueError) else str(error)
    if match is None:
        return reason
    return f"{ENV_PREFIX}{match[1].upper()}: {reason}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
