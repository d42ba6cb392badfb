"""Configuration: defaults give the embedded mode; wrong values name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wickwatch.config import ALL_MARKETS, Settings, describe_validation_error


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("WICKWATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_are_the_embedded_mode() -> None:
    settings = Settings()
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("/data/wickwatch.db")
    assert settings.redis_url is None and settings.embedded
    assert (settings.api_host, settings.api_port) == ("127.0.0.1", 8000)
    assert settings.markets == list(ALL_MARKETS)


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("WICKWATCH_API_PORT=9001\nWICKWATCH_LOG_FORMAT=json\n")
    monkeypatch.setenv("WICKWATCH_MARKETS", "binance_spot, okx_futures")
    monkeypatch.setenv("WICKWATCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    settings = Settings()
    assert settings.api_port == 9001 and settings.log_format == "json"
    assert settings.markets == ["binance_spot", "okx_futures"]
    assert settings.effective_database_url == "postgresql+asyncpg://postgres@127.0.0.1/test"
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("WICKWATCH_DATABASE_URL", "nonsense", "WICKWATCH_DATABASE_URL: not a database URL"),
        ("WICKWATCH_DATABASE_URL", "mysql://x@y/z", "unsupported database 'mysql'"),
        ("WICKWATCH_MARKETS", "binance_spot,kraken_spot", "unknown market kraken_spot"),
        ("WICKWATCH_STATUS_INTERVAL_S", "-5", "WICKWATCH_STATUS_INTERVAL_S: Input should be"),
        ("WICKWATCH_REDIS_URL", "not a url", "WICKWATCH_REDIS_URL"),
        ("WICKWATCH_REDIS_URL", "http://cache:6379", "WICKWATCH_REDIS_URL: not a Redis URL"),
        ("WICKWATCH_API_PORT", "70000", "WICKWATCH_API_PORT"),
    ],
)
def test_invalid_values_are_described_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    line = describe_validation_error(caught.value)
    assert expected in line
    assert "\n" not in line


def test_masked_hides_secrets_and_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WICKWATCH_SECRET_KEY", "s3cret-key-value")
    monkeypatch.setenv("WICKWATCH_DATABASE_URL", "postgresql://app:hunter22@db.internal/ww")
    monkeypatch.setenv("WICKWATCH_REDIS_URL", "redis://:redispass@cache:6379/0")
    shown = repr(Settings().masked())
    for secret in ("s3cret-key-value", "hunter22", "redispass"):
        assert secret not in shown
    assert "WICKWATCH_SECRET_KEY" in shown and "db.internal" in shown


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WICKWATCH_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert describe_validation_error(caught.value) == (
        "WICKWATCH_SECRET_KEY must be set when environment is production"
    )
    for weak in ("CHANGE-ME-at-least-32-characters-of-random-text", "k" * 31):
        monkeypatch.setenv("WICKWATCH_SECRET_KEY", weak)
        with pytest.raises(ValidationError, match="at least 32 characters"):
            Settings()
    monkeypatch.setenv("WICKWATCH_SECRET_KEY", "k" * 32)
    assert Settings().environment == "production"
    monkeypatch.setenv("WICKWATCH_METRICS_TOKEN", "CHANGE-ME-metrics-token")
    with pytest.raises(ValidationError, match="METRICS_TOKEN"):
        Settings()


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`WICKWATCH_{name.upper()}`" in readme, name


def test_a_postgresql_url_in_libpq_words_works_with_asyncpg() -> None:
    """``?sslmode=require&connect_timeout=5`` as providers and docs/deployment.md write it:
    asyncpg calls them ``ssl`` and ``timeout`` (it raised a traceback at the first connect)."""
    settings = Settings(
        database_url="postgresql://u:pw@db.example.com/ww?sslmode=require&connect_timeout=5"
    )
    assert settings.database_url == (
        "postgresql+asyncpg://u:pw@db.example.com/ww?ssl=require&timeout=5"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://u:TOPSECRET@h/db?application_name=x", "unsupported URL parameter"),
        ("postgresql://u:TOPSECRET@h", "names no database"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("mysql://u:TOPSECRET@h/db", "unsupported database"),
    ],
)
def test_database_urls_that_cannot_work_are_one_line_without_the_password(
    url: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url=url)
    line = describe_validation_error(caught.value)
    assert reason in line and "TOPSECRET" not in line


def test_a_redis_url_password_is_not_echoed_in_an_error() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(redis_url="redis://:REDISSECRET@h:notaport/0")
    line = describe_validation_error(caught.value)
    assert "WICKWATCH_REDIS_URL" in line and "REDISSECRET" not in line and ":***@h" in line
