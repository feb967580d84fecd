"""GraphQL type of files attached to a case (kept in the kernel's file store)."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A file kept in the file store.")
class Attachment:
    name: str
    content_type: str
    size: int
    reference: str = strawberry.field(description="The file store's reference (sha256/<hex>).")
    added_by: str
