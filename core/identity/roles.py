"""The roles a user can hold in a street and the core permissions each holds."""

from __future__ import annotations

PLATFORM_ADMIN = "platform_admin"
STREET_ADMIN = "street_admin"
COMMUNITY_WORKER = "community_worker"
GRID_WORKER = "grid_worker"
MEDIATOR = "mediator"
INSPECTOR = "inspector"
RESIDENT = "resident"
ORGANISATION_MEMBER = "organisation_member"

ROLES = {
    PLATFORM_ADMIN: "Platform administrator: every permission in every street",
    STREET_ADMIN: "Street administrator: every permission in the street",
    COMMUNITY_WORKER: "Community worker (社区工作者)",
    GRID_WORKER: "Grid worker (网格员)",
    MEDIATOR: "People's mediator (调解员)",
    INSPECTOR: "Market-supervision inspector",
    RESIDENT: "Resident or owner",
    ORGANISATION_MEMBER: "Acts for an organisation (物业, 业委会, department …): what it may do comes from its memberships",
}

CORE_PERMISSIONS = {
    "core.registry.read": "Read communities, compounds, buildings and units",
    "core.residents.read": "Read residents and owners of units",
    "jiedao.core.personal_data.read": "See phone numbers unmasked",
    "core.registry.import": "Import units and owners",
    "core.users.manage": "Grant and revoke roles",
    "core.audit.read": "Read the audit log",
    "core.organisations.manage": "Create organisations, their members, served compounds and covered buildings",
    "core.grids.manage": "Create grids, assign their buildings and grid workers",
    "core.party.read": "See who is a member of the Communist Party",
    "core.work.read": "See every work item of the street (street staff)",
    "core.work.dispatch": "Assign, reassign, reopen and close work items (street staff)",
    "core.work.handle": "Handle the work items of one's grids (grid and community workers); organisation members handle their organisation's items through their membership",
}

CORE_GRANTS = {
    COMMUNITY_WORKER: [
        "core.registry.read", "core.residents.read", "jiedao.core.personal_data.read",
        "core.work.read", "core.work.dispatch", "core.work.handle",
    ],
    GRID_WORKER: ["core.registry.read", "core.residents.read", "jiedao.core.personal_data.read", "core.work.handle"],
    MEDIATOR: ["core.registry.read", "core.residents.read"],
    INSPECTOR: ["core.registry.read"],
}

ALL_PERMISSION_ROLES = (PLATFORM_ADMIN, STREET_ADMIN)
"""Roles that hold every declared permission, whichever plugin declared it."""
