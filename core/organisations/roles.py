"""The roles an account holds *for* an organisation, and what each allows there.

A street role (``core.identity.roles``) holds permissions in the whole street. An
organisation role is held through a ``Membership`` that names the account; its permissions
apply only to that organisation's own work and places (``service.places_of``). Some only mean
something for one kind of organisation: convening owners' ballots is an owners' committee's.
"""

from __future__ import annotations

from jiedao.core.organisations.models import OrganisationKind

ORG_ADMIN = "org_admin"
ORG_STAFF = "org_staff"
ORG_MEMBER = "org_member"

ORGANISATION_ROLES = {
    ORG_ADMIN: "Runs the organisation's work: every organisation permission",
    ORG_STAFF: "Handles the organisation's work (a 物业 manager, a department's officer)",
    ORG_MEMBER: "A member: sees the organisation's work; an owners' committee member may convene ballots",
}

READ = "org.read"
WORK_READ = "org.work.read"
WORK_HANDLE = "org.work.handle"
BALLOTS_CONVENE = "org.ballots.convene"

ORGANISATION_PERMISSIONS = {
    READ: "See the organisation, its members and its places",
    WORK_READ: "See the work items of the organisation and of its places",
    WORK_HANDLE: "Accept, carry out and resolve the organisation's work items",
    BALLOTS_CONVENE: "Convene owners' ballots of the organisation's compound (业主委员会 only)",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ORG_ADMIN: frozenset(ORGANISATION_PERMISSIONS),
    ORG_STAFF: frozenset({READ, WORK_READ, WORK_HANDLE, BALLOTS_CONVENE}),
    ORG_MEMBER: frozenset({READ, WORK_READ, BALLOTS_CONVENE}),
}

KIND_ONLY: dict[str, frozenset[OrganisationKind]] = {
    BALLOTS_CONVENE: frozenset({OrganisationKind.OWNERS_COMMITTEE}),
}
"""Permissions that exist only for some kinds of organisation."""


def permissions_of(role: str | None, kind: OrganisationKind) -> frozenset[str]:
    """The organisation permissions ``role`` holds in an organisation of ``kind`` (none for
    an unknown role or a membership without one)."""
    held = ROLE_PERMISSIONS.get(role or "", frozenset())
    return frozenset(p for p in held if kind in KIND_ONLY.get(p, frozenset(OrganisationKind)))
