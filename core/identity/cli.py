"""``jiedao users ...``: accounts and role grants from the command line."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from jiedao.core.errors import DomainError
from jiedao.core.identity import service
from jiedao.core.identity.models import Grant, User
from jiedao.core.identity.roles import PLATFORM_ADMIN, ROLES
from jiedao.core.models import Street

ROLE_CHOICE = click.Choice(sorted(ROLES))


def _run(ctx: click.Context, work):
    """Run ``work(session)`` in one unscoped transaction (accounts span streets)."""
    from jiedao.core.cli import in_street

    return in_street(ctx, None, work)


async def _user(session, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise DomainError("No user '{username}'.", username=username)
    return user


async def _street(session, slug: str | None, role: str) -> Street | None:
    if role == PLATFORM_ADMIN:
        return None
    if slug is None:
        raise DomainError("--street is required for role '{role}'.", role=role)
    return await service.street_by_slug(session, slug)


@click.group()
def users() -> None:
    """Accounts and their roles per street."""


@users.command("create")
@click.argument("username")
@click.option("--street", help="The street of the role (not needed for platform_admin).")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def create(ctx: click.Context, username: str, street: str | None, role: str, password_stdin: bool) -> None:
    """Create USERNAME with ROLE in STREET. The password is prompted for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(session):
        place = await _street(session, street, role)
        user = await service.create_user(session, username, password)
        await service.grant(session, user, place, role)

    _run(ctx, work)
    click.echo(f"created {username} ({role}{' in ' + street if street and role != PLATFORM_ADMIN else ''})")


@users.command("grant")
@click.argument("username")
@click.option("--street")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.pass_context
def grant(ctx: click.Context, username: str, street: str | None, role: str) -> None:
    """Give USERNAME a ROLE in STREET."""

    async def work(session):
        return await service.grant(session, await _user(session, username), await _street(session, street, role), role)

    click.echo("granted" if _run(ctx, work) else "already held")


@users.command("revoke")
@click.argument("username")
@click.option("--street")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.pass_context
def revoke(ctx: click.Context, username: str, street: str | None, role: str) -> None:
    """Take a ROLE in STREET away from USERNAME."""

    async def work(session):
        return await service.revoke(session, await _user(session, username), await _street(session, street, role), role)

    click.echo("revoked" if _run(ctx, work) else "not held")


@users.command("revoke-tokens")
@click.argument("username")
@click.pass_context
def revoke_tokens(ctx: click.Context, username: str) -> None:
    """Log USERNAME out everywhere (revoke all tokens)."""

    async def work(session):
        return await service.revoke_all_tokens(session, (await _user(session, username)).id)

    click.echo(f"revoked {_run(ctx, work)} token(s)")


@users.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Every account with its roles."""

    async def work(session):
        rows = await session.execute(
            select(User.username, Grant.role, Street.slug)
            .join(Grant, Grant.user_id == User.id, isouter=True)
            .join(Street, Street.id == Grant.street_id, isouter=True)
            .order_by(User.username)
        )
        return rows.all()

    for username, role, street in _run(ctx, work):
        click.echo(f"{username:<24} {role or '-'}{' @ ' + street if street else (' (platform)' if role else '')}")
