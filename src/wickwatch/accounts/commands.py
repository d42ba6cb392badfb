"""``wickwatch admin …``: account administration from the command line.

``wickwatch admin create --email E`` makes an administrator; the password is asked twice with
hidden input, or read from ``WICKWATCH_ADMIN_PASSWORD`` for automation. This is the only way to
get the first admin (registration never grants the role, except through an admin's invite).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from wickwatch.config import Settings

ADMIN_PASSWORD_VARIABLE = "WICKWATCH_ADMIN_PASSWORD"

admin_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)


async def create_admin(settings: Settings, email: str, password: str, name: str | None) -> int:
    """Create the admin in the database; returns its id."""
    from wickwatch.accounts.schemas import UserCreate
    from wickwatch.accounts.security import build_security
    from wickwatch.accounts.service import AccountService
    from wickwatch.storage import create_engine, create_sessionmaker, migrate

    database_url = settings.effective_database_url
    if settings.is_sqlite:
        await migrate.upgrade(database_url)  # the embedded database keeps its schema current
    data = UserCreate(email=email, password=password, role="admin", display_name=name)
    security = build_security(settings)
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            user = await AccountService(session, security).create_user(data)
            await session.commit()
            return user.id
    finally:
        await engine.dispose()
        await security.aclose()


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option("--email", help="E-mail address of the new admin.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
) -> None:
    """Create an administrator account (password prompted, or from WICKWATCH_ADMIN_PASSWORD)."""
    from pydantic import ValidationError

    from wickwatch.accounts.errors import EmailTaken
    from wickwatch.accounts.schemas import UserCreate
    from wickwatch.cli import fail, load_settings, run_async

    settings = load_settings()
    password = os.environ.get(ADMIN_PASSWORD_VARIABLE) or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:  # check before touching the database; never echo the password back
        UserCreate(email=email, password=password, role="admin", display_name=name)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        fail(f"invalid account: {reasons}")
    try:
        user_id = run_async(
            create_admin(settings, email, password, name),
            settings,
        )
    except EmailTaken:
        fail(f"an account with the e-mail address {email} exists", 1)
    typer.echo(f"admin {email.lower()} created (id {user_id})")
