"""The notification permissions and the roles holding them by default (administrators hold all)."""

from __future__ import annotations

from jiedao.core.identity.roles import COMMUNITY_WORKER, GRID_WORKER, INSPECTOR, MEDIATOR, ORGANISATION_MEMBER

READ_ALL = "core.notifications.read"
READ_OWN = "core.notifications.own"

NOTIFY_PERMISSIONS = {
    READ_ALL: "See every notification of the street, its recipients (addresses masked) and its receipts",
    READ_OWN: "See the notifications sent to oneself",
}

NOTIFY_GRANTS = {role: [READ_OWN] for role in (COMMUNITY_WORKER, GRID_WORKER, INSPECTOR, MEDIATOR, ORGANISATION_MEMBER)}
