"""GraphQL of notices: ``notices(first, after)``, ``notice(id)``, ``publishNotice``, ``withdrawNotice``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select

from jiedao.core import clock
from jiedao.core.identity.models import User
from jiedao.core.notices import access, service
from jiedao.core.notices import models as notice_models
from jiedao.core.notices.loaders import place_names, publisher_names
from jiedao.core.notices.places import STREET, Place, place_of, scope_row
from jiedao.core.runner import Write, mutation, node_id, payload
from jiedao.schema.connection import AFTER_HELP, BEFORE_HELP, Connection, FIRST_HELP, LAST_HELP, read_page
from jiedao.schema.cost import list_bound
from jiedao.schema.enum_docs import described_enum
from jiedao.schema.errors import ClientError
from jiedao.schema.ids import decode_global_id, decode_id_of
from jiedao.schema.loaders import children, column_by_id, loaded_field
from jiedao.schema.node import PUBLIC, Node, node_type
from jiedao.schema.permissions import public
from jiedao.schema.validation import MaxLength, Range

NoticeKind = described_enum(
    notice_models.NoticeKind,
    "NoticeKind",
    "PUBLICITY 公示 (put up for scrutiny) or ANNOUNCEMENT 公告.",
    {
        "PUBLICITY": "公示 (publicity): put up for scrutiny, often with a period for objections.",
        "ANNOUNCEMENT": "公告 (announcement): information for the residents.",
    },
)
NoticeScope = described_enum(
    notice_models.NoticeScope,
    "NoticeScope",
    "How far a notice reaches: the street, a community, a compound or a building.",
    {
        "STREET": "The whole street (街道).",
        "COMMUNITY": "One community (社区).",
        "COMPOUND": "One compound (小区).",
        "BUILDING": "One building (楼/幢).",
    },
)


@strawberry.type(name="NoticeAttachment", description="A file attached to a notice: its metadata and where to fetch it.")
class NoticeAttachmentType:
    name: str = strawberry.field(description="The file's name, as shown to readers.")
    content_type: str = strawberry.field(description="The file's media type (MIME), e.g. application/pdf.")
    sha256: str = strawberry.field(description="The SHA-256 of the file's content (hex), to check a download.")
    url: str = strawberry.field(description="An http(s) URL or a path this deployment serves.")

    @strawberry.field(description="Size in bytes.")
    def size(self) -> float:
        return float(self.size_bytes)


@node_type(notice_models.Notice, read=PUBLIC, visible=access.visible_notices)
@strawberry.type(name="Notice", description="A public notice (公示/公告) of a place: residents whose home is in it read it while it is in force.")
class NoticeType(Node):
    kind: NoticeKind = strawberry.field(description="公示 (publicity) or 公告 (announcement).")
    scope: NoticeScope = strawberry.field(description="How far it reaches: the street, a community, a compound or a building (see placeName).")
    title: str = strawberry.field(description="The notice's title (at most 200 characters).")
    body: str = strawberry.field(description="The notice's text (at most 20,000 characters).")
    valid_from: datetime = strawberry.field(description="Shown from this moment.")
    valid_until: datetime | None = strawberry.field(description="Shown until this moment (null: until withdrawn).")
    published_at: datetime = strawberry.field(description="When it was published (ISO 8601, UTC).")
    withdrawn_at: datetime | None = strawberry.field(description="Set when withdrawn (only staff see withdrawn notices).")
    withdrawal_reason: str | None = strawberry.field(description="Why it was withdrawn; null unless withdrawn.")

    @strawberry.field(description="The global ID of what the notice publishes (a decision, a ballot result, ...), if any.")
    def subject_id(self) -> strawberry.ID | None:
        return None if self.subject is None else strawberry.ID(self.subject)

    place_name = loaded_field(str, place_names, description="The place it reaches: the street's, community's or compound's name, or 'compound building'.")
    published_by = loaded_field(str, publisher_names, key="published_by_organisation_id", description="Who published it: the organisation, else the street.")

    @strawberry.field(description="The account that published it (staff with core.notices.read only; null otherwise).")
    async def published_by_username(self, info: strawberry.Info) -> str | None:
        if self.published_by_user_id is None or not info.context.has_permission(access.READ):
            return None
        return await column_by_id(info.context, User.username).load(self.published_by_user_id)

    @strawberry.field(description="The files attached to it (at most 20).", metadata=list_bound(service.MAX_ATTACHMENTS))
    async def attachments(self, info: strawberry.Info) -> list[NoticeAttachmentType]:
        return await children(info.context, notice_models.NoticeAttachment.notice_id).load(self.id)


@strawberry.input(description="A file to attach: its metadata and where it is served (Jiedao keeps no copy).")
class NoticeAttachmentInput:
    name: Annotated[str, MaxLength(200)] = strawberry.field(description="The file's name, as shown to readers (at most 200 characters).")
    content_type: Annotated[str, MaxLength(100)] = strawberry.field(description="The file's media type (MIME), e.g. application/pdf.")
    size: Annotated[int, Range(0, 10**12)] = strawberry.field(description="Size in bytes.")
    sha256: Annotated[str, MaxLength(64)] = strawberry.field(description="The SHA-256 of the file's content, in hex.")
    url: Annotated[str, MaxLength(2000)] = strawberry.field(description="An http(s) URL or an absolute path (/files/...).")


@strawberry.input(description="A notice to publish: what it says, how far it reaches and for how long.")
class PublishNoticeInput:
    kind: NoticeKind = strawberry.field(description="公示 (publicity) or 公告 (announcement).")
    title: Annotated[str, MaxLength(service.TITLE_LENGTH)] = strawberry.field(description="The title (at most 200 characters).")
    body: Annotated[str, MaxLength(service.BODY_LENGTH)] = strawberry.field(description="The text (at most 20,000 characters).")
    scope_id: strawberry.ID | None = strawberry.field(default=None, description="A Community, Compound or Building; null for the whole street.")
    valid_from: datetime | None = strawberry.field(default=None, description="Default: now.")
    valid_until: datetime | None = strawberry.field(default=None, description="Default: until withdrawn.")
    subject_id: strawberry.ID | None = strawberry.field(default=None, description="The global ID of what the notice publishes.")
    attachments: list[NoticeAttachmentInput] = strawberry.field(default_factory=list, description="Files to attach (at most 20).")


@strawberry.input(description="The notice to withdraw, and why.")
class WithdrawNoticeInput:
    id: strawberry.ID = node_id("Notice", description="Global ID of the Notice.")
    reason: Annotated[str, MaxLength(service.REASON_LENGTH)] = strawberry.field(description="Why it is withdrawn (at most 500 characters); kept in the record.")


NoticePayload = payload("NoticePayload", "The notice, or why it was refused.", notice=NoticeType)


@strawberry.type
class NoticeQuery:
    @strawberry.field(description="Notices you may read, newest first: residents those in force of the street and of the places of their homes; "
                      "staff (core.notices.read) every notice. Anonymous callers: the street-wide ones, where the street publishes them.",
                      permission_classes=public("public notices (公示) are public where the street says so; the resolver filters by caller"))
    async def notices(
        self, info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        include_inactive: Annotated[bool, strawberry.argument(description="Staff only: withdrawn, expired and future notices too.")] = False,
        last: Annotated[int | None, strawberry.argument(description=LAST_HELP)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE_HELP)] = None,
    ) -> Connection[NoticeType]:
        ctx = info.context
        statement = select(notice_models.Notice).where(access.visible_notices(ctx))
        if ctx.has_permission(access.READ) and not include_inactive:
            statement = statement.where(access.in_force(clock.now()))
        return await read_page(info, statement, first, after, newest_first=True, last=last, before=before, plain=True)

    @strawberry.field(description="One notice you may read (NOT_FOUND otherwise, whether or not it exists).",
                      permission_classes=public("the resolver answers NOT_FOUND for a notice the caller may not read"))
    async def notice(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the Notice.")]) -> NoticeType:
        ctx = info.context
        pk = decode_id_of(id, "Notice", "id")
        row = await ctx.scalar(select(notice_models.Notice).where(notice_models.Notice.id == pk, access.visible_notices(ctx)))
        if row is None:
            error = ClientError("There is no such notice.", "NOT_FOUND")
            error.extensions["field"] = "id"
            raise error
        return row


def _attachments(items: list[NoticeAttachmentInput]) -> list[service.Attachment]:
    return [service.Attachment(a.name, a.content_type, a.size, a.sha256, a.url) for a in items]


@strawberry.type
class NoticeMutation:
    @mutation(NoticePayload, permission=access.PUBLISH, audit="core.notice.published")
    async def publish_notice(w: Write, input: PublishNoticeInput):
        """Publish a notice to the street or to one community, compound or building (a community worker: inside their community)."""
        scope = STREET
        if input.scope_id is not None:
            type_name, pk = decode_global_id(input.scope_id, "scopeId")
            scope = await scope_row(w.session, type_name, pk, "scopeId")
        if input.subject_id is not None:
            decode_global_id(input.subject_id, "subjectId")
        place = await place_of(w.session, scope, "scopeId")
        await access.check_may_publish(w.session, w.user, w.ctx.roles, place, "scopeId")
        notice = await service.publish_notice(
            w.session, scope=place, title=input.title, body=input.body, kind=input.kind, subject=input.subject_id,
            period=(input.valid_from, input.valid_until), published_by=w.user, attachments=_attachments(input.attachments),
        )
        w.audit(scope=place.scope.value, title=notice.title)
        return notice

    @mutation(NoticePayload, permission=access.PUBLISH, audit="core.notice.withdrawn")
    async def withdraw_notice(w: Write, input: WithdrawNoticeInput):
        """Withdraw a notice with a reason: it stays in the record and no longer shows to residents."""
        notice = await service.get_notice(w.session, input.id)
        place = Place(notice.scope, notice.community_id, notice.compound_id, notice.building_id)
        await access.check_may_publish(w.session, w.user, w.ctx.roles, place, "id")
        w.audit(reason=input.reason)
        return await service.withdraw_notice(w.session, notice, input.reason, w.user.id)

