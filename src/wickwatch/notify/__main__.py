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
from wickwatch.notify.dispatcher import Dispatcher
from wickwatch.notify.registry import NOTIFIER_TYPES, build_notifiers

log = logging.getLogger("wickwatch.notify")


async def serve(
    settings: Settings, *, channels: list[str] | None = None, bot: bool = False
) -> None:
    from wickwatch.notify.telegram_bot import TelegramBot
    from wickwatch.ops.logging import ErrorLogWriter, configure_logging
    from wickwatch.storage import create_engine, create_sessionmaker

    error_log = configure_logging(settings.log_level, settings.log_format)
    engine = create_engine(settings.effective_database_url, echo=settings.database_echo)
    writer = asyncio.create_task(ErrorLogWriter(error_log, engine).run(), name="error-log")
    sessionmaker = create_sessionmaker(engine)
    notifiers = build_notifiers(settings, channels)
    dispatcher = Dispatcher.from_settings(settings, sessionmaker, notifiers)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, dispatcher.stop)
    service_bot: TelegramBot | None = None
    try:
        if bot:
            token = settings.telegram_bot_token
            if token is None or not token.get_secret_value():
                log.error("--bot needs WICKWATCH_TELEGRAM_BOT_TOKEN")
            else:
                service_bot = TelegramBot(
                    token.get_secret_value(), sessionmaker, api_url=settings.telegram_api_url
                )
                await service_bot.start()
        await dispatcher.run()
    finally:
        if service_bot is not None:
            await service_bot.stop()
        for notifier in notifiers.values():
            await notifier.aclose()
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
