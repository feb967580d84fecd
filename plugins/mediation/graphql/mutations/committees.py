"""Mutations of people's mediation committees: create one, appoint members (and the keeper of
the seal), record the seal, attach studios. Rules live in ``service.committees``."""

from __future__ import annotations


import strawberry

from jiedao.api import DomainError, mutation, node_id, payload, Write
from jiedao.api.files import LocalFileStore
from jiedao.api.inputs import MaxLength
from jiedao.plugins.mediation.graphql.types import MediationCommittee, OfficeEnum, Studio
from jiedao.plugins.mediation.service import committees as service
from jiedao.plugins.mediation.service.studios import user_id_of
from jiedao.plugins.mediation.uploads import decode_upload

from typing import Annotated

MANAGE = "mediation.committee.manage"
SEAL_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")

CommitteePayload = payload("MediationCommitteePayload", committee=(MediationCommittee | None, None, "The committee after the change; null when refused."))
StudioCommitteePayload = payload("StudioCommitteePayload", studio=(Studio | None, None, "The studio with its committee; null when refused."))


@strawberry.input(description="A new people's mediation committee (人民调解委员会).")
class CreateMediationCommitteeInput:
    name: str = strawberry.field(description="e.g. 长庆街道人民调解委员会.")
    seal_name: str = strawberry.field(default="", description="The text of the seal; the committee's name when empty.")
    seal_number: str = strawberry.field(default="", description="The seal's filing or engraving number, if any.")
    community_id: strawberry.ID | None = node_id("Community", default=None, description="The 居委会's community, for a community committee.")


@strawberry.input(description="A member appointed to a committee.")
class AddCommitteeMemberInput:
    committee_id: strawberry.ID = node_id("MediationCommittee", description="The MediationCommittee (global ID).")
    username: str = strawberry.field(description="The member's username (a user holding the mediator role).")
    office: OfficeEnum = strawberry.field(description="Their office in the committee.")
    display_name: str = strawberry.field(default="", description="The name shown for them; their username when empty.")
    keeps_seal: bool = strawberry.field(default=False, description="Hand this member the seal (taken from whoever kept it).")


@strawberry.input(description="A committee's seal (印章): its text, number and image.")
class SetCommitteeSealInput:
    committee_id: strawberry.ID = node_id("MediationCommittee", description="The MediationCommittee (global ID).")
    seal_name: str = strawberry.field(description="The text of the seal.")
    seal_number: str = strawberry.field(default="", description="The seal's filing or engraving number, if any.")
    image_base64: Annotated[str, MaxLength(None)] | None = strawberry.field(default=None, description="An image of the seal (PNG, JPEG or SVG), limited by max_attachment_bytes.")
    image_content_type: str = strawberry.field(default="image/png", description="The image's media type: image/png, image/jpeg or image/svg+xml.")


@strawberry.input(description="Which committee a studio works for.")
class SetStudioCommitteeInput:
    studio_id: strawberry.ID = node_id("Studio", description="The Studio (global ID).")
    committee_id: strawberry.ID = node_id("MediationCommittee", description="The MediationCommittee (global ID).")


def _image(w: Write, input: SetCommitteeSealInput) -> str | None:
    """Store the seal's image, if given; its file store reference."""
    if input.image_base64 is None:
        return None
    settings = w.kernel.settings(w.street, "mediation")
    data = decode_upload(input.image_base64, settings.max_attachment_bytes, field="imageBase64")
    if input.image_content_type not in SEAL_IMAGE_TYPES:
        raise DomainError("The seal's image is one of {types}.", code="INVALID", field="imageContentType", types=", ".join(SEAL_IMAGE_TYPES))
    return LocalFileStore(settings.file_store).put(data)


@strawberry.type
class CommitteeMutation:
    @mutation(CommitteePayload, permission=MANAGE, audit="mediation.committee.create")
    async def create_mediation_committee(w: Write, input: CreateMediationCommitteeInput):
        """Create a people's mediation committee (Art. 8; a street's committee under Art. 34)."""
        committee = await service.create_committee(w.session, input.name, input.seal_name, input.seal_number, input.community_id)
        w.audit(name=committee.name)
        return committee

    @mutation(CommitteePayload, permission=MANAGE, audit="mediation.committee.member")
    async def add_committee_member(w: Write, input: AddCommitteeMemberInput):
        """Appoint a member (a user holding the mediator role) with their office; optionally hand them the seal."""
        user_id = await user_id_of(w.session, input.username)
        await service.add_committee_member(w.session, input.committee_id, user_id, input.display_name, service.Office(input.office), input.keeps_seal)
        w.audit(username=input.username, office=input.office.value, keeps_seal=input.keeps_seal)
        return await service.committee_of(w.session, input.committee_id)

    @mutation(CommitteePayload, permission=MANAGE, audit="mediation.committee.seal")
    async def set_committee_seal(w: Write, input: SetCommitteeSealInput):
        """Record the committee's seal: its text, its number, an image of it."""
        reference = _image(w, input)
        committee = await service.set_seal(w.session, input.committee_id, input.seal_name, input.seal_number, reference, input.image_content_type)
        w.audit(seal_name=committee.seal_name, seal_number=committee.seal_number, image=reference)
        return committee

    @mutation(StudioCommitteePayload, permission=MANAGE, audit="mediation.studio.committee")
    async def set_studio_committee(w: Write, input: SetStudioCommitteeInput):
        """Make a studio one of the committee's (its agreements then carry that committee's seal)."""
        return await service.attach_studio(w.session, input.studio_id, input.committee_id)
