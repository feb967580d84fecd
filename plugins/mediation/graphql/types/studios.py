"""GraphQL types of people's mediation studios (调解工作室)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from jiedao.api import children, Node, node_type, registry, types
from jiedao.api.graphql import linked, list_bound
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation.graphql.loaders import username_field

CASE_READ = "mediation.case.read"
Community = types.Community


@strawberry.type(description="A mediator of a studio.")
class StudioMember:
    display_name: str = strawberry.field(description="The name shown for the mediator.")
    is_lead: bool = strawberry.field(description="Whether they lead the studio (负责人).")

    username = username_field("user_id", "The mediator's account.")


@node_type(m.Studio, read=CASE_READ)
@strawberry.type(name="Studio", description="A people's mediation studio (调解工作室).")
class Studio(Node):
    name: str = strawberry.field(description="The studio's name, unique in the street.")
    description: str = strawberry.field(description="What the studio does.")

    community = linked(registry.Community, "community_id", Community, description="The community it is in, if any.")
    committee = linked(m.Committee, "committee_id", Annotated["MediationCommittee", strawberry.lazy("jiedao.plugins.mediation.graphql.types.committees")], description="The people's mediation committee the studio works for (its seal makes agreements).")

    @strawberry.field(description="The members, the lead first.", metadata=list_bound(30))
    async def members(self, info: strawberry.Info) -> list[StudioMember]:
        rows = await children(info.context, m.StudioMember.studio_id).load(self.id)
        return sorted(rows, key=lambda r: (not r.is_lead, r.id))
