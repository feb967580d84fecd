"""GraphQL of identity: login, logout, ``me`` and the audit log."""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import select
from strawberry.scalars import JSON

from core.errors import DomainError
from core.graphql import Resident
from core.identity import service
from core.identity.models import AuditEntry, User
from core.identity.service import revoke_all_tokens
from core.models import Resident as ResidentModel
from schema.connection import Connection, paginate
from schema.errors import UserError, user_errors
from schema.permissions import IsAuthenticated, allow


@strawberry.input
class LoginInput:
    username: str
    password: str


@strawberry.type
class LoginPayload:
    token: str | None = None
    expires_at: datetime | None = None
    retry_after: int | None = strawberry.field(
        default=None, description="With a THROTTLED error: seconds to wait before the next attempt (the password was not checked)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    revoked: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The caller, as seen in this street.")
class Me:
    username: str
    roles: list[str]
    permissions: list[str]
    _resident_id: strawberry.Private[int | None]

    @strawberry.field(description="The resident record linked to this account, if any.")
    async def resident(self, info: strawberry.Info) -> Resident | None:
        if self._resident_id is None:
            return None
        return await info.context.scalar(select(ResidentModel).where(ResidentModel.id == self._resident_id))


@strawberry.type(name="AuditEntry", description="One privileged action.")
class AuditEntryType:
    at: datetime
    actor: str
    action: str
    target: str
    details: JSON
    request_id: str


@strawberry.type
class IdentityQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    def me(self, info: strawberry.Info) -> Me:
        ctx = info.context
        return Me(
            username=ctx.user.username,
            roles=sorted(ctx.roles),
            permissions=sorted(ctx.permissions),
            _resident_id=ctx.user.resident_id,
        )

    @strawberry.field(permission_classes=allow("core.audit.read"), description="Newest first is not guaranteed; entries are in order of writing.")
    async def audit_log(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, action: str | None = None
    ) -> Connection[AuditEntryType]:
        statement = select(AuditEntry).where(AuditEntry.street_id == info.context.street_id)
        if action:
            statement = statement.where(AuditEntry.action == action)
        return await paginate(info.context, statement, first, after)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Exchange a username and password for a bearer token.")
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        try:
            token, expires = await service.login(ctx.kernel, ctx.street, input.username, input.password, ctx.client_address)
        except DomainError as error:
            return LoginPayload(errors=user_errors(error), retry_after=getattr(error, "retry_after", None))
        return LoginPayload(token=token, expires_at=expires)

    @strawberry.mutation(description="Revoke the token this request was sent with.", permission_classes=[IsAuthenticated])
    async def logout(self, info: strawberry.Info) -> LogoutPayload:
        await service.logout(info.context.kernel, info.context.token_id)
        return LogoutPayload(revoked=1)

    @strawberry.mutation(description="Revoke every token of the caller, on every device.", permission_classes=[IsAuthenticated])
    async def logout_everywhere(self, info: strawberry.Info) -> LogoutPayload:
        ctx = info.context
        async with ctx.kernel.db.transaction() as session:
            count = await revoke_all_tokens(session, ctx.user.id)
        return LogoutPayload(revoked=count)


__all__ = ["IdentityMutation", "IdentityQuery", "User"]
