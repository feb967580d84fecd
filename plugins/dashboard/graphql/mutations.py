"""``acknowledgeHotspot``: staff take note of a building's hotspot (recorded and audited)."""

from __future__ import annotations

import strawberry

from jiedao.api import mutation, node_id, now, payload, Write
from jiedao.api.graphql import encode_global_id
from jiedao.plugins.dashboard.graphql.types import HotspotAcknowledgement
from jiedao.plugins.dashboard.service.warning import acknowledge


@strawberry.input(description="Taking note of a building's hotspot (recorded and audited).")
class AcknowledgeHotspotInput:
    building_id: strawberry.ID = node_id("Building", description="The Building (global ID).")
    note: str = strawberry.field(default="", description="A note, e.g. what is being done about it.")


AcknowledgeHotspotPayload = payload("AcknowledgeHotspotPayload", acknowledgement=(HotspotAcknowledgement | None, None, "The acknowledgement recorded; null when refused."))


@strawberry.type
class DashboardMutation:
    @mutation(AcknowledgeHotspotPayload, permission="dashboard.hotspot.acknowledge", audit="dashboard.hotspot.acknowledge")
    async def acknowledge_hotspot(w: Write, input: AcknowledgeHotspotInput):
        """Take note of a building's hotspot (recorded and audited)."""
        ack = await acknowledge(w.session, input.building_id, w.user.username, input.note.strip(), now())
        building = encode_global_id("Building", input.building_id)
        w.audit(target=building, note=ack.note)
        return HotspotAcknowledgement(building_id=strawberry.ID(building), at=ack.at, by=ack.actor, note=ack.note)
