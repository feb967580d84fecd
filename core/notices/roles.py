"""The notice permissions and the roles holding them by default (administrators hold all)."""

from __future__ import annotations

from jiedao.core.identity.roles import COMMUNITY_WORKER, GRID_WORKER

NOTICE_PERMISSIONS = {
    "core.notices.read": "Read every notice of the street, withdrawn and expired ones included",
    "core.notices.publish": "Publish and withdraw notices (a community worker: inside their community)",
}

NOTICE_GRANTS = {
    COMMUNITY_WORKER: ["core.notices.read", "core.notices.publish"],
    GRID_WORKER: ["core.notices.read"],
}
