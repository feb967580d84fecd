"""Who is acting, and which cases they may see.

The plugin's permissions and the roles holding them by default are declared at the end.

Street staff (holders of ``mediation.case.read_all``: street admins, community workers)
see every case of the street; a mediator sees the cases of the studios they belong to, of the
studios of the committees they sit on, and those assigned to them; a resident sees the cases
they are a party to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.plugins.mediation.models import Case, CaseParty, CommitteeMember, Studio, StudioMember

READ_ALL = "mediation.case.read_all"
MANAGE = "mediation.case.manage"


@dataclass(frozen=True)
class Actor:
    """The person behind an action, as the domain rules need to know them."""

    name: str
    user_id: int | None = None
    resident_id: int | None = None
    sees_all: bool = False
    manages: bool = False

    @classmethod
    def of(cls, ctx) -> Actor:
        """The actor of a GraphQL request (``ctx`` is its Context)."""
        user = ctx.user
        return cls(
            name=user.username if user else "anonymous",
            user_id=user.id if user else None,
            resident_id=user.resident_id if user else None,
            sees_all=ctx.has_permission(READ_ALL),
            manages=ctx.has_permission(MANAGE),
        )


SYSTEM = Actor(name="system", sees_all=True, manages=True)
"""The actor of seeds and command-line work."""


def visible_cases(actor: Actor) -> ColumnElement[bool]:
    """A condition on ``Case`` selecting the cases ``actor`` may see."""
    if actor.sees_all:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if actor.user_id is not None:
        studios = select(StudioMember.studio_id).where(StudioMember.user_id == actor.user_id)
        committees = select(CommitteeMember.committee_id).where(CommitteeMember.user_id == actor.user_id)
        committee_studios = select(Studio.id).where(Studio.committee_id.in_(committees))
        conditions += [Case.studio_id.in_(studios), Case.studio_id.in_(committee_studios), Case.mediator_user_id == actor.user_id]
    if actor.resident_id is not None:
        conditions.append(Case.id.in_(select(CaseParty.case_id).where(CaseParty.resident_id == actor.resident_id)))
    return or_(*conditions) if conditions else false()


# -- what the plugin declares (see ``plugin.PLUGIN``) ------------------------------------

PERMISSIONS = {
    "mediation.case.read": "See mediation cases one may see (studio members: their studio's; parties: their own)",
    "mediation.case.read_all": "See every mediation case of the street",
    "mediation.case.open": "Open a case (residents: apply for mediation of their own dispute)",
    "mediation.case.manage": "Move cases, assign mediators, record sessions, agreements and visits",
    "mediation.case.escalate": "Flag a dispute at risk of turning violent",
    "mediation.agreement.sign": "Sign an agreement (parties: for themselves; the mediator: as mediator)",
    "mediation.agreement.seal": "Seal agreements with the committee's seal (only the member keeping it may)",
    "mediation.case.answer": "Accept or refuse mediation (parties: for themselves; staff: an answer given on paper)",
    "mediation.performance.evidence": "Give evidence of having performed an agreement (the obliged party: their own)",
    "mediation.committee.manage": "Create people's mediation committees, appoint members, record the seal",
    "mediation.studio.manage": "Create studios and appoint their mediators",
    "mediation.taskforce.read": "See task forces, findings and their progress",
    "mediation.taskforce.manage": "Create task forces, record findings and their rectification",
}

MEDIATOR_GRANTS = [
    "mediation.case.read",
    "mediation.case.open",
    "mediation.case.manage",
    "mediation.case.escalate",
    "mediation.agreement.sign",
    "mediation.agreement.seal",
    "mediation.case.answer",
    "mediation.performance.evidence",
    "mediation.taskforce.read",
]
GRANTS = {
    "mediator": MEDIATOR_GRANTS,
    "community_worker": [*MEDIATOR_GRANTS, "mediation.case.read_all", "mediation.studio.manage", "mediation.committee.manage", "mediation.taskforce.manage"],
    "grid_worker": ["mediation.taskforce.read"],
    "inspector": ["mediation.taskforce.read"],
    "resident": ["mediation.case.read", "mediation.case.open", "mediation.agreement.sign", "mediation.case.answer", "mediation.performance.evidence"],
}
