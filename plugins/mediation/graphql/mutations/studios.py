"""Mutations of studios: create one, appoint its mediators."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select

from jiedao.api import mutation, node_id, payload, Write
from jiedao.api.inputs import LONG
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.graphql.types import Studio

MANAGE = "mediation.studio.manage"

StudioPayload = payload("StudioPayload", studio=(Studio | None, None, "The studio after the change; null when refused."))


@strawberry.input(description="A new people's mediation studio (调解工作室).")
class CreateStudioInput:
    name: str = strawberry.field(description="The studio's name, unique in the street.")
    description: Annotated[str, LONG] = strawberry.field(default="", description="What the studio does, e.g. its specialities.")
    community_id: strawberry.ID | None = node_id("Community", default=None, description="The Community it is in (global ID), if any.")
    committee_id: strawberry.ID | None = node_id("MediationCommittee", default=None, description="The people's mediation committee it works for; its seal makes the studio's agreements.")


@strawberry.input(description="A mediator added to a studio.")
class AddStudioMemberInput:
    studio_id: strawberry.ID = node_id("Studio", description="The Studio (global ID).")
    username: str = strawberry.field(description="The mediator's username (a user with the mediator role).")
    display_name: str = strawberry.field(default="", description="The name shown for them; their username when empty.")
    lead: bool = strawberry.field(default=False, description="Make them the studio's lead (负责人), in place of any other.")


@strawberry.type
class StudioMutation:
    @mutation(StudioPayload, permission=MANAGE, audit="mediation.studio.create")
    async def create_studio(w: Write, input: CreateStudioInput):
        """Create a people's mediation studio (调解工作室), optionally in a community and under a committee (whose seal its agreements need); names are unique in the street."""
        studio = await service.create_studio(w.session, input.name, input.description, input.community_id, input.committee_id)
        w.audit(name=studio.name)
        return studio

    @mutation(StudioPayload, permission=MANAGE, audit="mediation.studio.member")
    async def add_studio_member(w: Write, input: AddStudioMemberInput):
        """Add a mediator (a user with the mediator role) to a studio."""
        user_id = await service.user_id_of(w.session, input.username)
        await service.add_member(w.session, input.studio_id, user_id, input.display_name, input.lead)
        w.audit(username=input.username, lead=input.lead)
        return await w.session.scalar(select(m.Studio).where(m.Studio.id == input.studio_id))
