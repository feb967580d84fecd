"""GraphQL of identity: login, logout, ``me`` and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from jiedao.core.graphql import Resident
from jiedao.core.grids.graphql import GridType, worked_grids
from jiedao.core.identity import service
from jiedao.core.identity.models import AuditEntry, User
from jiedao.core.identity.service import revoke_all_tokens
from jiedao.core.models import Resident as ResidentModel
from jiedao.core.notify.graphql import NotificationType, my_notifications
from jiedao.core.organisations.graphql import ActingFor, acting_for
from jiedao.core.runner import LOGGED_IN, Write, mutation, payload
from jiedao.core.socket_watch import watch_of
from jiedao.schema.connection import AFTER_HELP, FIRST_HELP, Connection, connection_field, read_page
from jiedao.schema.cost import list_bound
from jiedao.schema.ids import encode_global_id, parse_pk
from jiedao.schema.node import PUBLIC, Node, computed_node_type
from jiedao.schema.permissions import IsAuthenticated, allow, public


@strawberry.input(description="An account's credentials, to log in to this street.")
class LoginInput:
    username: str = strawberry.field(description="The account's username.")
    password: str = strawberry.field(description="The account's password (never stored or logged as given).")


LoginPayload = payload(
    "LoginPayload",
    "A bearer token for this street, or why there is none.",
    token=(str | None, None, "The bearer token, for the `Authorization: Bearer …` header of later requests; null when refused."),
    expires_at=(datetime | None, None, "When the token expires (ISO 8601); null when refused."),
    retry_after=(int | None, None, "With a THROTTLED error: seconds to wait before the next attempt (the password was not checked)."),
)
LogoutPayload = payload("LogoutPayload", "How many tokens were revoked.", revoked=(int, 0, "How many tokens were revoked (0 when refused)."))


@strawberry.type(description="The caller, as seen in this street; its ID names the account and the street (roles and permissions differ per street), stable across queries (`node(id:)` gives it back to that account only).")
class Me(Node):
    user_pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]

    @strawberry.field(description="The global ID of the caller's account in this street (another street's endpoint gives another).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("Me", f"{self.street_pk}.{self.user_pk}"))

    username: str = strawberry.field(description="The account's username.")
    roles: list[str] = strawberry.field(description="The caller's roles in this street (e.g. street_admin, grid_worker, resident), sorted.")
    permissions: list[str] = strawberry.field(description="Every permission the caller's roles give in this street (e.g. core.registry.read), sorted.")
    _resident_id: strawberry.Private[int | None]

    @strawberry.field(description="The resident record linked to this account, if any.")
    async def resident(self, info: strawberry.Info) -> Resident | None:
        if self._resident_id is None:
            return None
        return await info.context.scalar(select(ResidentModel).where(ResidentModel.id == self._resident_id))

    @strawberry.field(description="The organisations you act for today (物业, 业委会 …), with your role and office in each.", metadata=list_bound(20))
    async def organisations(self, info: strawberry.Info) -> list[ActingFor]:
        return await acting_for(info.context)

    @strawberry.field(description="The grids (网格) you work as a grid worker.", metadata=list_bound(20))
    async def grids(self, info: strawberry.Info) -> list[GridType]:
        return await worked_grids(info.context)

    notifications = connection_field(NotificationType, newest_first=True, description="The notifications sent to you, newest first.")(my_notifications)


@strawberry.type(name="AuditEntry", description="One privileged action.")
class AuditEntryType:
    at: datetime = strawberry.field(description="When the action was taken (ISO 8601).")
    actor: str = strawberry.field(description="The username of the account that took it ('anonymous' for a public action, e.g. a failed login).")
    action: str = strawberry.field(description="What was done, e.g. core.notice.published or deliberation.ballot.opened.")
    target: str = strawberry.field(description="The global ID of what it was done to; empty when nothing in particular.")
    details: JSON = strawberry.field(description="More about the action, as a JSON object (e.g. the fields changed).")
    request_id: str = strawberry.field(description="The ID of the HTTP request that took it, to find it in the logs.")


def me_of(ctx) -> Me:
    """The caller of the request ``ctx``."""
    return Me(
        user_pk=ctx.user.id,
        street_pk=ctx.street_id,
        username=ctx.user.username,
        roles=sorted(ctx.roles),
        permissions=sorted(ctx.permissions),
        _resident_id=ctx.user.resident_id,
    )


def parse_me_key(text: str) -> tuple[int, int]:
    """``(street_pk, user_pk)`` of a ``Me`` key ``"<street>.<account>"``; ValueError otherwise."""
    street, _, user = text.partition(".")
    return parse_pk(street), parse_pk(user)


async def load_me(ctx, key: tuple[int, int]) -> Me | None:
    """``Me`` for ``node(id:)``: only the caller's own account, in this street."""
    street_pk, user_pk = key
    return me_of(ctx) if ctx.user is not None and ctx.user.id == user_pk and ctx.street_id == street_pk else None


computed_node_type("Me", read=PUBLIC, parse_key=parse_me_key, load=load_me)


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The caller: account, roles, permissions and what they act for; needs a login.", permission_classes=[IsAuthenticated])
    def me(self, info: strawberry.Info) -> Me:
        return me_of(info.context)

    @strawberry.field(permission_classes=allow("core.audit.read"), description="Newest first is not guaranteed; entries are in order of writing.")
    async def audit_log(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        action: Annotated[str | None, strawberry.argument(description="Only the entries of this action (e.g. core.work.dispatched).")] = None,
    ) -> Connection[AuditEntryType]:
        statement = select(AuditEntry).where(AuditEntry.street_id == info.context.street_id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        return await read_page(info, statement, first, after)


@strawberry.type
class IdentityMutation:
    @mutation(LoginPayload, permission=public("logging in is how an anonymous caller gets a token"), transaction=False, description="Exchange a username and password for a bearer token.")
    async def login(w: Write, input: LoginInput):
        """Public: anonymous callers log in (throttled per account and address)."""
        ctx = w.ctx
        token, expires = await service.login(ctx.kernel, ctx.street, input.username, input.password, ctx.client_address)
        return {"token": token, "expires_at": expires}

    @mutation(LogoutPayload, permission=LOGGED_IN, transaction=False, description="Revoke the token this request was sent with.")
    async def logout(w: Write):
        await service.logout(w.kernel, w.ctx.token_id)
        watch_of(w.kernel).wake()  # open sockets of this token close now, not at the next re-check
        return 1

    @mutation(LogoutPayload, permission=LOGGED_IN, transaction=False, description="Revoke every token of the caller, on every device.")
    async def logout_everywhere(w: Write):
        async with w.kernel.db.transaction() as session:
            revoked = await revoke_all_tokens(session, w.user.id)
        watch_of(w.kernel).wake()
        return revoked


__all__ = ["IdentityMutation", "IdentityQuery", "User"]
