"""Publishing and withdrawing notices: the rules every publisher meets, staff and plugins alike.

No GraphQL here. Every function takes a session scoped to one street and raises
``DomainError`` naming the input field at fault (``title``, ``validUntil``,
``attachments[0].sha256`` ...). Plugins call ``publish_notice`` through ``jiedao.api``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.errors import DomainError
from jiedao.core.events import defer
from jiedao.core.identity.models import User
from jiedao.core.notices.events import NoticePublished
from jiedao.core.notices.models import Notice, NoticeAttachment, NoticeKind
from jiedao.core.notices.places import Place, place_of
from jiedao.core.organisations.models import Organisation

TITLE_LENGTH = 200
BODY_LENGTH = 20_000
REASON_LENGTH = 500
SHA256 = re.compile(r"^[0-9a-f]{64}$")
LOCATION = re.compile(r"^(https?://[^\s]+|/[^\s]*)$")
MAX_ATTACHMENTS = 20


@dataclass(frozen=True)
class Attachment:
    """A file attached to a notice: its metadata and where to fetch it (``https://...`` or ``/path``)."""

    name: str
    content_type: str
    size: int
    sha256: str
    url: str


def _bad(message: str, field: str, **params) -> DomainError:
    return DomainError(message, code="BAD_INPUT", field=field, **params)


def check_text(title: str, body: str) -> None:
    """A title of 1-200 characters (not only spaces) and a body of at most 20,000."""
    if not title.strip():
        raise _bad("Give the notice a title.", "title")
    if len(title) > TITLE_LENGTH:
        raise _bad("The title has {given} characters; at most {most}.", "title", given=len(title), most=TITLE_LENGTH)
    if len(body) > BODY_LENGTH:
        raise _bad("The body has {given} characters; at most {most}.", "body", given=len(body), most=BODY_LENGTH)


def check_period(valid_from: datetime, valid_until: datetime | None) -> None:
    """The period must end after it starts."""
    if valid_until is not None and valid_until <= valid_from:
        raise _bad("The notice must end after it starts (validUntil is not after validFrom).", "validUntil")


def check_attachments(attachments: Iterable[Attachment]) -> list[Attachment]:
    """Each attachment named, typed, sized, with a SHA-256 in hex and a URL or absolute path."""
    checked = list(attachments)
    if len(checked) > MAX_ATTACHMENTS:
        raise _bad("At most {most} attachments.", "attachments", most=MAX_ATTACHMENTS)
    for n, a in enumerate(checked):
        at = f"attachments[{n}]"
        if not a.name.strip():
            raise _bad("Name the attachment.", f"{at}.name")
        if "/" not in a.content_type:
            raise _bad("Give a media type such as application/pdf.", f"{at}.contentType")
        if a.size < 0:
            raise _bad("A size in bytes cannot be negative.", f"{at}.size")
        if not SHA256.match(a.sha256):
            raise _bad("Give the file's SHA-256 as 64 lower-case hexadecimal digits.", f"{at}.sha256")
        if not LOCATION.match(a.url):
            raise _bad("Give an http(s) URL or an absolute path (/files/...) where the file is served.", f"{at}.url")
    return checked


def _kind(kind: NoticeKind | str) -> NoticeKind:
    try:
        return kind if isinstance(kind, NoticeKind) else NoticeKind(str(kind).lower())
    except ValueError:
        raise _bad("A notice is 'publicity' (公示) or 'announcement' (公告), not '{kind}'.", "kind", kind=kind) from None


def _publishers(published_by: Any) -> tuple[int | None, int | None]:
    """(user id, organisation id) from a ``User``, an ``Organisation``, or a tuple of both."""
    items = published_by if isinstance(published_by, tuple) else (published_by,)
    user_id = next((i.id for i in items if isinstance(i, User)), None)
    organisation_id = next((i.id for i in items if isinstance(i, Organisation)), None)
    return user_id, organisation_id


async def publish_notice(
    session: AsyncSession,
    *,
    scope: Any,
    title: str,
    body: str,
    kind: NoticeKind | str,
    subject: str | None = None,
    period: tuple[datetime | None, datetime | None] | None = None,
    published_by: Any = None,
    attachments: Iterable[Attachment] = (),
    publisher: str = "core",
    replace: bool = False,
) -> Notice:
    """Publish a notice in the session's street and queue ``NoticePublished`` for after the commit.

    ``scope``: ``STREET`` or a registry row (community, compound, building) of the street;
    ``kind``: ``"publicity"`` (公示) or ``"announcement"`` (公告); ``subject``: the global ID
    of what it publishes; ``period``: (from, until), from defaulting to now and until to
    open-ended; ``published_by``: a ``User``, an ``Organisation`` or a tuple of both;
    ``publisher``: the plugin publishing it. With ``replace=True`` a publisher keeps one
    live notice per (subject, place): an identical live one is returned as it is, a
    different one is withdrawn ("replaced") before the new one is published.
    """
    place = scope if isinstance(scope, Place) else await place_of(session, scope)
    notice_kind = _kind(kind)
    check_text(title, body)
    valid_from, valid_until = period or (None, None)
    published_at = clock.now()
    valid_from = valid_from or published_at
    check_period(valid_from, valid_until)
    checked = check_attachments(attachments)
    if replace:
        live = await _live_of(session, publisher, subject, place)
        same = [n for n in live if (n.title, n.body, n.kind, n.valid_until) == (title.strip(), body, notice_kind, valid_until)]
        if same and len(live) == 1:
            return same[0]
        for old in live:
            _withdraw(old, "Replaced by a newer notice.", None, published_at)
    user_id, organisation_id = _publishers(published_by)
    notice = Notice(
        scope=place.scope, community_id=place.community_id, compound_id=place.compound_id, building_id=place.building_id,
        kind=notice_kind, title=title.strip(), body=body, subject=subject, publisher=publisher,
        valid_from=valid_from, valid_until=valid_until, published_at=published_at,
        published_by_user_id=user_id, published_by_organisation_id=organisation_id,
    )
    session.add(notice)
    await session.flush()
    session.add_all([
        NoticeAttachment(notice_id=notice.id, name=a.name.strip(), content_type=a.content_type, size_bytes=a.size, sha256=a.sha256, url=a.url)
        for a in checked
    ])
    await session.flush()
    defer(session, NoticePublished.of(notice))
    return notice


async def _live_of(session: AsyncSession, publisher: str, subject: str | None, place: Place) -> list[Notice]:
    statement = select(Notice).where(
        Notice.publisher == publisher,
        Notice.subject.is_(None) if subject is None else Notice.subject == subject,
        Notice.scope == place.scope,
        Notice.community_id.is_(None) if place.community_id is None else Notice.community_id == place.community_id,
        Notice.compound_id.is_(None) if place.compound_id is None else Notice.compound_id == place.compound_id,
        Notice.building_id.is_(None) if place.building_id is None else Notice.building_id == place.building_id,
        Notice.withdrawn_at.is_(None),
    )
    return list(await session.scalars(statement.order_by(Notice.id)))


def _withdraw(notice: Notice, reason: str, user_id: int | None, at: datetime) -> None:
    notice.withdrawn_at = at
    notice.withdrawal_reason = reason
    notice.withdrawn_by_user_id = user_id


async def get_notice(session: AsyncSession, notice_id: int, field: str = "id") -> Notice:
    """The notice ``notice_id`` of the session's street, or ``NOT_FOUND`` naming ``field``."""
    notice = await session.scalar(select(Notice).where(Notice.id == notice_id))
    if notice is None:
        raise DomainError("There is no such notice in this street.", code="NOT_FOUND", field=field)
    return notice


async def withdraw_notice(session: AsyncSession, notice: Notice, reason: str, user_id: int | None = None) -> Notice:
    """Withdraw ``notice`` with a reason: it stays in the record and no longer shows to residents."""
    if not reason.strip():
        raise _bad("Say why the notice is withdrawn.", "reason")
    if len(reason) > REASON_LENGTH:
        raise _bad("The reason has {given} characters; at most {most}.", "reason", given=len(reason), most=REASON_LENGTH)
    if notice.withdrawn_at is not None:
        raise DomainError("This notice was already withdrawn.", code="INVALID_STATE", field="id")
    _withdraw(notice, reason.strip(), user_id, clock.now())
    await session.flush()
    return notice
