"""GraphQL type of return visits (回访)."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import select

from jiedao.api import Node, node_type, today
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation.graphql.loaders import cases_of_caller

CASE_READ = "mediation.case.read"


def visible_return_visits(ctx):
    """The return visits of the cases the caller may see (``node(id:)``)."""
    return m.ReturnVisit.case_id.in_(select(m.Case.id).where(cases_of_caller(ctx)))


@node_type(m.ReturnVisit, read=CASE_READ, visible=visible_return_visits)
@strawberry.type(description="A return visit (回访) checking that an agreement is carried out.")
class ReturnVisit(Node):
    due_on: date = strawberry.field(description="The day it is due.")
    done_on: date | None = strawberry.field(description="The day it was done; null until then.")
    notes: str = strawberry.field(description="What the visit found.")

    @strawberry.field(description="Due and not yet done.")
    def overdue(self) -> bool:
        return self.done_on is None and self.due_on < today()
