"""GraphQL type of return visits (回访)."""

from __future__ import annotations

from datetime import date

import strawberry

from jiedao.api import today
from jiedao.api.graphql import encode_global_id


@strawberry.type(description="A return visit (回访) checking that an agreement is carried out.")
class ReturnVisit:
    due_on: date
    done_on: date | None
    notes: str

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id("ReturnVisit", self.id))

    @strawberry.field(description="Due and not yet done.")
    def overdue(self) -> bool:
        return self.done_on is None and self.due_on < today()
