"""Request-scoped loaders of the deliberation plugin's GraphQL, and the reader that lets the
service's read functions run on the request's session."""

from __future__ import annotations

from sqlalchemy import or_, select

from jiedao.api import Base, registry
from jiedao.api.graphql import model_for, readable
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.models import Elector, Vote


class Reader:
    """Lets the service's read functions run on a request's serialised session."""

    def __init__(self, ctx):
        self._ctx = ctx

    async def execute(self, statement, params=None):
        return await self._ctx.execute(statement, params)

    async def scalar(self, statement):
        return await self._ctx.scalar(statement)


def turnout_loader(ctx):
    """Turnout counts of ballots (given as the rows the fields resolve on, one per id): one
    statement per kind of electorate among them (``service.turnout``), none for closed ones."""

    async def load(ballots):
        counts = await service.turnout(Reader(ctx), ctx.street_id, ballots)
        return [counts.get(ballot.id) for ballot in ballots]

    return ctx.loader(("deliberation", "turnout"), load, cache_key=lambda ballot: ballot.id)


def my_votes_loader(ctx):
    """The vote counting for the caller, by ballot id: the one they cast, or the one of a
    group (fixed at announcement, else today's) of a unit they own now. Three statements for
    any number of ballots."""

    async def load(ids):
        resident_id = ctx.user.resident_id if ctx.user else None
        if resident_id is None:
            return [None] * len(ids)
        units = list(await ctx.scalars(select(registry.Ownership.unit_id).where(registry.Ownership.resident_id == resident_id)))
        keys = set((await service.owner_keys_of_units(Reader(ctx), units)).values()) if units else set()
        fixed = select(Elector.owner_key).where(Elector.ballot_id == Vote.ballot_id, Elector.unit_id.in_(units or [-1]))
        mine = or_(Vote.resident_id == resident_id, Vote.owner_key.in_(fixed), Vote.owner_key.in_(keys or {""}))
        votes = await ctx.scalars(select(Vote).where(Vote.ballot_id.in_(ids), mine).order_by(Vote.id))
        found: dict[int, Vote] = {}
        for vote in votes:
            if vote.owner_key.startswith("r") and vote.owner_key != f"r{resident_id}":
                continue  # a tenant's vote in a residents' consultation is not the landlord's
            found.setdefault(vote.ballot_id, vote)
        return [found.get(i) for i in ids]

    return ctx.loader(("deliberation", "my_votes"), load)


def visible_by_id(ctx, model, condition, name: str):
    """Rows of ``model`` by id, limited to ``condition`` (the caller's visibility rule):
    ``None`` for a row the caller may not see. One statement for any number of ids."""

    async def load(ids):
        found = {row.id: row for row in await ctx.scalars(select(model).where(model.id.in_(ids), condition))}
        return [found.get(i) for i in ids]

    return ctx.loader(("deliberation", "visible", name), load)


def organisations_loader(ctx):
    """Organisations (core ``organisations``) by id: ``(id, name)`` rows, one statement."""
    table = Base.metadata.tables["organisations"]

    async def load(ids):
        found = {row.id: row for row in (await ctx.execute(select(table.c.id, table.c.name).where(table.c.id.in_(ids)))).all()}
        return [found.get(i) for i in ids]

    return ctx.loader(("deliberation", "organisations"), load)


def visible_nodes_loader(ctx, type_name: str):
    """Rows of the core node type ``type_name`` (``Organisation`` …) by id, only those the
    caller may read through that type's own queries (``None`` otherwise); one statement."""
    return visible_by_id(ctx, model_for(type_name), readable(ctx, type_name), f"node:{type_name}")


def work_items_by_subject(ctx):
    """The latest work item about each subject (a global ID) the caller may see, or ``None``;
    one statement for any number of subjects."""
    model = model_for("WorkItem")

    async def load(subjects):
        rows = await ctx.scalars(select(model).where(model.subject.in_(subjects), readable(ctx, "WorkItem")).order_by(model.id))
        found = {row.subject: row for row in rows}
        return [found.get(s) for s in subjects]

    return ctx.loader(("deliberation", "work_items_by_subject"), load)
