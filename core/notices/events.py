"""``NoticePublished``: the core's event when a notice is put up (the cockpit, notification
adapters and plugins follow it with ``register.on("core.notice.published", handler)``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jiedao.core.events import DomainEvent


@dataclass(frozen=True)
class NoticePublished(DomainEvent):
    """A notice was published; where it reaches (``scope`` and the ids of its place), what it is."""

    name: ClassVar[str] = "core.notice.published"
    notice_id: int
    scope: str
    community_id: int | None
    compound_id: int | None
    building_id: int | None
    kind: str
    title: str
    subject: str | None
    publisher: str

    @classmethod
    def of(cls, notice) -> NoticePublished:
        """The event announcing ``notice`` (a ``models.Notice`` row, flushed)."""
        return cls(
            notice_id=notice.id, scope=notice.scope.value, community_id=notice.community_id, compound_id=notice.compound_id,
            building_id=notice.building_id, kind=notice.kind.value, title=notice.title, subject=notice.subject, publisher=notice.publisher,
        )
