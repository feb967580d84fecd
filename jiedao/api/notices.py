"""Public notices (公示/公告): publish one from a plugin."""

from __future__ import annotations

from jiedao.core.notices.places import STREET
from jiedao.core.notices.service import Attachment as NoticeAttachment, publish_notice

__all__ = [
    "NoticeAttachment",
    "publish_notice",
    "STREET",
]
