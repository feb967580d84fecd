"""Who may download which document of a case.

- The agreement (人民调解协议书): whoever may see the case — street staff holding
  ``mediation.case.read_all``, the mediators of the case's studio and the case's mediator, and
  the parties themselves (who need it to sign, keep and perform it).
- The archive (卷宗): staff only — the same people less the parties: it holds the session
  records and the other party's details.

A case the caller may not see answers as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation.access import Actor, MANAGE, READ_ALL, visible_cases

CASE_READ = "mediation.case.read"


class Document(str, Enum):
    """The documents of a case."""

    AGREEMENT = "agreement"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class Reach:
    """What a caller may download of one case (``case`` is None when they may not see it)."""

    case: m.Case | None
    staff: bool
    written_agreement: bool

    def allows(self, document: Document) -> bool:
        """Whether the document exists and the caller may download it."""
        if self.case is None:
            return False
        return self.written_agreement if document is Document.AGREEMENT else self.staff


def actor_of(user, permissions) -> Actor:
    """The mediation actor of an authenticated HTTP request (``user`` and its permissions here)."""
    return Actor(
        name=user.username,
        user_id=user.id,
        resident_id=user.resident_id,
        sees_all=READ_ALL in permissions,
        manages=MANAGE in permissions,
    )


async def reach(session: AsyncSession, actor: Actor, case_id: int) -> Reach:
    """What ``actor`` may download of case ``case_id``: two statements."""
    staff = visible_cases(replace(actor, resident_id=None)).label("staff")
    row = (await session.execute(select(m.Case, staff).where(m.Case.id == case_id, visible_cases(actor)))).first()
    if row is None:
        return Reach(None, False, False)
    oral = await session.scalar(select(m.Agreement.oral).where(m.Agreement.case_id == case_id))
    return Reach(row[0], bool(row[1]), oral is False)


async def check(session: AsyncSession, actor: Actor, permissions, case_id: int, document: Document) -> m.Case:
    """The case whose ``document`` the actor downloads; ``DomainError`` (NOT_FOUND, FORBIDDEN,
    NO_AGREEMENT) saying why not."""
    if CASE_READ not in permissions:
        raise DomainError("You lack the permission '{permission}' in this street.", code="FORBIDDEN", field="caseId", permission=CASE_READ)
    found = await reach(session, actor, case_id)
    if found.case is None:
        raise DomainError("No such case (or you may not see it).", code="NOT_FOUND", field="caseId")
    if document is Document.ARCHIVE and not found.staff:
        raise DomainError("The case archive is for the case's mediators and staff; parties may download their agreement.", code="FORBIDDEN", field="caseId")
    if document is Document.AGREEMENT and not found.written_agreement:
        raise DomainError("The case has no written agreement (none drafted, or an oral one: see the archive).", code="NO_AGREEMENT", field="caseId")
    return found.case
