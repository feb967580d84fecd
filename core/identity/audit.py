"""The append-only audit log of privileged actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.identity.models import AuditEntry


async def record(
    session: AsyncSession,
    street_id: int | None,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    actor_id: int | None = None,
    request_id: str = "",
) -> None:
    """Append one entry; it is written with the surrounding transaction."""
    from jiedao.core.identity.service import now

    session.add(
        AuditEntry(
            street_id=street_id,
            at=now(),
            actor_id=actor_id,
            actor=actor,
            action=action,
            target=target,
            details=details or {},
            request_id=request_id,
        )
    )


async def record_for(ctx, session: AsyncSession, action: str, target: str = "", details: dict[str, Any] | None = None) -> None:
    """Append an entry for the caller of a GraphQL request (``ctx`` is its Context)."""
    await record(
        session,
        ctx.street_id,
        ctx.user.username if ctx.user else "anonymous",
        action,
        target,
        details,
        actor_id=ctx.user.id if ctx.user else None,
        request_id=ctx.request_id,
    )
