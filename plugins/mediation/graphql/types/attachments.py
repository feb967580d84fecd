"""GraphQL type of files attached to a case (kept in the kernel's file store)."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A file kept in the file store.")
class Attachment:
    name: str = strawberry.field(description="The file's name.")
    content_type: str = strawberry.field(description="Its media type.")
    size: int = strawberry.field(description="Its size in bytes.")
    reference: str = strawberry.field(description="The file store's reference (sha256/<hex>).")
    added_by: str = strawberry.field(description="Who added it (username).")
