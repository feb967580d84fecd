"""Per-request DataLoaders of the mediation GraphQL types (one statement per list).

Which cases a caller sees is decided by ``access.visible_cases`` in every loader that
returns cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select

from jiedao.api.domain import identity
from jiedao.api.graphql import column_by_id, loaded_field
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.access import Actor, visible_cases


def cases_of_caller(ctx):
    """The SQL condition selecting the cases the caller of request ``ctx`` may see."""
    return visible_cases(Actor.of(ctx))


def username_field(key: str, description: str):
    """A field showing the username of the account whose id is the row's ``key`` attribute
    (null for none): read ahead for a page, one column statement for the batch."""
    return loaded_field(str | None, partial(column_by_id, column=identity.User.username), key=key, description=description)


def first_child(ctx, column):
    """Loader of the single row whose ``column`` equals each key (or ``None``)."""
    model = column.class_

    async def load(keys):
        rows = {getattr(r, column.key): r for r in await ctx.scalars(select(model).where(column.in_(keys)))}
        return [rows.get(k) for k in keys]

    return ctx.loader(("mediation", "first", model, column.key), load)


def visible_cases_by(ctx, link_column, case_column):
    """Loader of the cases the caller may see, grouped by ``link_column`` (e.g. party resident)."""
    actor = Actor.of(ctx)

    async def load(keys):
        statement = (
            select(link_column, m.Case)
            .join(m.Case, m.Case.id == case_column)
            .where(link_column.in_(keys), visible_cases(actor))
            .order_by(m.Case.id)
        )
        groups: dict[int, dict[int, m.Case]] = defaultdict(dict)
        for key, row in (await ctx.execute(statement)).all():
            groups[key][row.id] = row
        return [list(groups.get(k, {}).values()) for k in keys]

    return ctx.loader(("mediation", "visible_cases", link_column.class_, link_column.key), load)


def visible_case_by_id(ctx):
    """Loader of cases by id, ``None`` for one the caller may not see."""
    actor = Actor.of(ctx)

    async def load(ids):
        rows = {r.id: r for r in await ctx.scalars(select(m.Case).where(m.Case.id.in_(ids), visible_cases(actor)))}
        return [rows.get(i) for i in ids]

    return ctx.loader(("mediation", "visible_case"), load)


def disputing_case(ctx):
    """Loader of the newest case opened about each finding."""

    async def load(ids):
        found = {}
        for row in await ctx.scalars(select(m.Case).where(m.Case.finding_id.in_(ids)).order_by(m.Case.id)):
            found[row.finding_id] = row.id
        return [found.get(i) for i in ids]

    return ctx.loader(("mediation", "finding_case"), load)



def progress_loader(ctx, shown: Callable[[service.ProgressRow], Any]):
    """Loader of the progress of task forces (one statement for any number, built once), each
    row as ``shown`` makes it."""

    async def load(ids):
        rows = await ctx.rows(service.progress_statement(), service.progress_values(list(ids)), built_once=True)
        found = service.progress_by_task_force(rows, list(ids))
        return [[shown(row) for row in found[i]] for i in ids]

    return ctx.loader(("mediation", "progress"), load)
