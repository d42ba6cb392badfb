"""The ``wickwatch`` command: one entry point for every role and tool.

Each command reads the settings first; a wrong setting ends the command with one line naming the
variable and the reason (exit code 2), never a traceback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.table import Table

from wickwatch import __version__
from wickwatch.accounts.commands import admin_app
from wickwatch.config import (
    Settings,
    describe_settings_error,
    describe_validation_error,
    mask_url,
)
from wickwatch.market.commands import replay
from wickwatch.market.record import record

T = TypeVar("T")

app = typer.Typer(
    name="wickwatch",
    help="Real-time crypto spike and wick monitor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")


err = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Stop with one readable line on stderr."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (and ``.env``), or exit with one line per wrong variable."""
    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        fail(f"invalid configuration: {describe_validation_error(exc)}")
    except SettingsError as exc:
        fail(f"invalid configuration: {describe_settings_error(exc)}")
    return settings


def run_async(coroutine: Coroutine[Any, Any, T], settings: Settings) -> T:
    """Run a database coroutine; connection problems become one readable line."""
    try:
        return asyncio.run(coroutine)
    except OSError as exc:
        if exc.filename is not None and not isinstance(exc, ConnectionError):
            # a local file or directory (the data directory, the alert spill), not the database
            fail(f"cannot use {exc.filename}: {exc.strerror or exc}", 1)
        fail(f"database {mask_url(settings.effective_database_url)} unreachable: {exc}", 1)
    except Exception as exc:
        if type(exc).__module__.startswith(("sqlalchemy", "asyncpg", "alembic", "sqlite3")):
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            fail(f"database {mask_url(settings.effective_database_url)}: {detail}", 1)
        raise


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wickwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Real-time crypto spike and wick monitor."""


@config_app.command("show")
def config_show() -> None:
    """Print the effective configuration, secrets masked."""
    settings = load_settings()
    shown = {
        name: "" if value is None else ",".join(value) if isinstance(value, list) else str(value)
        for name, value in settings.masked().items()
    }
    console = Console()
    if not console.is_terminal:  # piped, redirected, `docker compose run`: whole values
        for name, value in shown.items():
            typer.echo(f"{name}={value}")
        return
    table = Table(title="wickwatch configuration")
    table.add_column("variable", overflow="fold")
    table.add_column("value", overflow="fold")
    for name, value in shown.items():
        table.add_row(name, value)
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: newest)."""
    from wickwatch.storage import migrate

    settings = load_settings()
    run_async(migrate.upgrade(settings.effective_database_url, revision), settings)
    current = run_async(migrate.current(settings.effective_database_url), settings)
    typer.echo(f"database at revision {current}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes all tables.")],
) -> None:
    """Revert migrations down to REVISION."""
    from wickwatch.storage import migrate

    settings = load_settings()
    run_async(migrate.downgrade(settings.effective_database_url, revision), settings)
    current = run_async(migrate.current(settings.effective_database_url), settings)
    typer.echo(f"database at revision {current or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from wickwatch.storage import migrate

    settings = load_settings()
    current = run_async(migrate.current(settings.effective_database_url), settings)
    head = migrate.head_revision()
    state = "up to date" if current == head else f"newest is {head}"
    typer.echo(f"{current or 'base'} ({state})")


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Serve the HTTP API alone."""
    settings = load_settings(api_host=host, api_port=port)
    _run_roles(settings, collector=False, notifier=False, api=True, status_line=False)


def _run_roles(settings: Settings, **roles: Any) -> None:
    """:func:`~wickwatch.roles.runtime.run_roles` (``roles``: which, and their options) with
    the configured logging, as a command."""
    from wickwatch.ops.logging import configure_logging
    from wickwatch.roles.runtime import run_roles

    error_log = configure_logging(settings.log_level, settings.log_format)
    _run_roles_command(run_roles(settings, error_log=error_log, console=err, **roles), settings)


def _run_roles_command(coroutine: Coroutine[Any, Any, int], settings: Settings) -> None:
    """Run a long-lived role; a start-up problem is one line, Ctrl-C a clean exit (code 0)."""
    from wickwatch.roles.runtime import RoleError

    try:
        code = run_async(coroutine, settings)
    except RoleError as exc:
        fail(str(exc), 1)
    except KeyboardInterrupt:  # before the signal handlers were installed
        code = 130
    raise typer.Exit(code)


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    symbols: Annotated[int, typer.Option(min=1, max=2000, help="Simulated pairs per feed.")] = 60,
    wick_every: Annotated[
        float, typer.Option(min=0, help="Seconds between injected wicks (0: only natural ones).")
    ] = 20.0,
    build_web: Annotated[
        bool, typer.Option(help="Build the web UI first (scripts/build_web.sh, needs npm).")
    ] = True,
) -> None:
    """Everything in one process, offline: simulated exchanges, UI."""
    from wickwatch.ops.logging import configure_logging
    from wickwatch.roles.demo import DemoOptions, run_demo

    settings = load_settings(api_host=host, api_port=port)
    error_log = configure_logging(settings.log_level, settings.log_format)
    options = DemoOptions(symbols=symbols, wick_every_s=wick_every, build_web=build_web)
    _run_roles_command(run_demo(settings, options, error_log=error_log, console=err), settings)


@app.command("all")
def all_roles(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Collector, notifier and API in one process (configured database)."""
    settings = load_settings(api_host=host, api_port=port)
    _run_roles(settings, collector=True, notifier=True, api=True)


@app.command("run")
def run_live(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Like demo, but the real exchanges (needs internet) and the configured database."""
    all_roles(host=host, port=port)


@app.command()
def collector(
    markets: Annotated[
        str | None,
        typer.Option(help="Feeds, comma-separated (binance_futures,okx_spot); default: all."),
    ] = None,
) -> None:
    """Trades to candles to spikes: store alerts and their deliveries."""
    settings = load_settings(markets=markets)
    _run_roles(settings, collector=True, notifier=False, api=False)


@app.command()
def notifier(
    channels: Annotated[
        str | None,
        typer.Option(help="Channels to deliver, comma-separated (telegram,email,webhook)."),
    ] = None,
    bot: Annotated[
        bool, typer.Option(help="Also run the Telegram service bot (one process only).")
    ] = False,
) -> None:
    """Deliver alerts from the outbox; optionally run the Telegram bot."""
    from wickwatch.notify.registry import NOTIFIER_TYPES

    settings = load_settings()
    only = [c.strip() for c in channels.split(",") if c.strip()] if channels else None
    unknown = sorted(set(only or ()) - set(NOTIFIER_TYPES))
    if unknown:
        fail(f"unknown channel {', '.join(unknown)}; known: {', '.join(NOTIFIER_TYPES)}")
    _run_roles(settings, collector=False, notifier=True, api=False, channels=only, bot=bot)


app.add_typer(admin_app, name="admin")
app.command("record")(record)
app.command("replay")(replay)


def main() -> None:
    app()
