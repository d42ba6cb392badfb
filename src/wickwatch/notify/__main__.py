"""A dispatcher process: ``python -m wickwatch.notify [--bot] [--channels telegram,email]``.

Reads the usual ``WICKWATCH_*`` settings, delivers the outbox until SIGTERM/SIGINT (finishing the
sends in flight and handing back the rest), writes its errors to the admin's error log, and with
``--bot`` also runs the service bot's commands (only one process may do that). Any number of
dispatcher processes may run against one database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from wickwatch.config import Settings, describe_settings_error, describe_validation_error
from wickwatch.notify.registry import NOTIFIER_TYPES

log = logging.getLogger("wickwatch.notify")


async def serve(
    settings: Settings, *, channels: list[str] | None = None, bot: bool = False
) -> None:
    """The notifier role (roles/notifier.py) without a bus: it polls the outbox. With ``bot``
    the service bot's polling takes the same lock as ``wickwatch notifier`` (PostgreSQL: one
    process polls for the bot at a time)."""
    from wickwatch.ops.logging import ErrorLogWriter, configure_logging
    from wickwatch.roles.notifier import NotifierRole
    from wickwatch.storage import create_engine, create_sessionmaker

    error_log = configure_logging(settings.log_level, settings.log_format)
    engine = create_engine(settings.effective_database_url, echo=settings.database_echo)
    writer = asyncio.create_task(ErrorLogWriter(error_log, engine).run(), name="error-log")
    sessionmaker = create_sessionmaker(engine)
    role = NotifierRole(settings, sessionmaker, None, bot=bot, channels=channels)
    if bot and role.bot is None:
        log.error("--bot needs WICKWATCH_TELEGRAM_BOT_TOKEN")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await role.start()
        await stopping.wait()
    finally:
        await role.stop()
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    parser = argparse.ArgumentParser(prog="python -m wickwatch.notify", description=__doc__)
    parser.add_argument(
        "--channels",
        help=f"comma-separated plugins to run (default: all of {', '.join(NOTIFIER_TYPES)})",
    )
    parser.add_argument("--bot", action="store_true", help="also run the service bot's commands")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"invalid configuration: {describe_validation_error(exc)}", file=sys.stderr)  # noqa: T201
        return 2
    except SettingsError as exc:
        print(f"invalid configuration: {describe_settings_error(exc)}", file=sys.stderr)  # noqa: T201
        return 2
    channels = [c.strip() for c in args.channels.split(",")] if args.channels else None
    unknown = sorted(set(channels or ()) - set(NOTIFIER_TYPES))
    if unknown:
        print(f"unknown channel {', '.join(unknown)}", file=sys.stderr)  # noqa: T201
        return 2
    asyncio.run(serve(settings, channels=channels, bot=args.bot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
