"""GraphQL types of people's mediation committees (人民调解委员会) and their seal."""

from __future__ import annotations

from typing import Annotated

import strawberry

from jiedao.api import children, Node, node_type, registry, types
from jiedao.api.graphql import children_field, enum_field, linked, list_bound
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation.graphql.loaders import username_field
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.mediation.service.committees import Office

CASE_READ = "mediation.case.read"
Community = types.Community
OfficeEnum = strawberry.enum(Office, name="CommitteeOffice", description="Art. 9: a director (主任), deputy directors (副主任), members (委员).")
described(OfficeEnum, DIRECTOR="主任 (director) of the committee.", DEPUTY_DIRECTOR="副主任 (deputy director).", MEMBER="委员 (member).")


@strawberry.type(description="A member (委员) of a people's mediation committee.")
class CommitteeMember:
    display_name: str = strawberry.field(description="The name shown for the member.")
    office = enum_field(OfficeEnum, description="Their office in the committee.")
    keeps_seal: bool = strawberry.field(description="Keeps the committee's seal: the only member who may seal agreements.")

    username = username_field("user_id", "The member's account.")


@strawberry.type(description="The committee's seal (印章): its text, number and a stored image.")
class CommitteeSeal:
    name: str = strawberry.field(description="The text of the seal.")
    number: str = strawberry.field(description="The seal's filing or engraving number; empty if none.")
    image: str | None = strawberry.field(description="The file store's reference of the seal's image (sha256/<hex>), if recorded.")
    image_type: str | None = strawberry.field(description="The image's media type, if recorded.")


@node_type(m.Committee, read=CASE_READ)
@strawberry.type(name="MediationCommittee", description="A people's mediation committee (人民调解委员会, People's Mediation Law Art. 8-9); its studios mediate, its seal makes agreements (Art. 29).")
class MediationCommittee(Node):
    name: str = strawberry.field(description="The committee's name, e.g. 长庆街道人民调解委员会.")

    community = linked(registry.Community, "community_id", Community, description="The community, for a community committee; null for the street's.")

    @strawberry.field(description="The committee's seal.")
    def seal(self) -> CommitteeSeal:
        return CommitteeSeal(name=self.seal_name, number=self.seal_number, image=self.seal_image, image_type=self.seal_image_type)

    @strawberry.field(description="The members, the director first.", metadata=list_bound(30))
    async def members(self, info: strawberry.Info) -> list[CommitteeMember]:
        rows = await children(info.context, m.CommitteeMember.committee_id).load(self.id)
        order = {o.value: n for n, o in enumerate(Office)}
        return sorted(rows, key=lambda r: (order.get(r.office, 9), r.id))

    studios = children_field(
        Annotated["Studio", strawberry.lazy("jiedao.plugins.mediation.graphql.types.studios")], m.Studio.committee_id, metadata=list_bound(30),
        description="The studios working for the committee.",
    )
