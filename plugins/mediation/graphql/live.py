"""``mediationCaseChanged`` and ``taskForceChanged``: a case's steps and a task force's
findings, live on an open screen while another worker changes them.

Every committed change of a case or of a row that belongs to it (parties, places, steps,
sessions, the agreement and its signatures, attachments, return visits …) is handed to the
street's case feed, and every change of a task force or of one of its findings (or their
evidence) to the task-force feed (``watch_rows``: after the commit, once per case or task
force and transaction). Each subscriber then reads the case again in a fresh transaction
through the rule of ``mediationCase`` (``visible_cases``: street staff all, a mediator their
studios' and committees', a resident the cases they are party to), the task force through
the rule of ``taskForce`` (``mediation.taskforce.read``, the socket's street); a case the
caller may not see is never sent. The feeds live in this process only."""

from __future__ import annotations

import contextlib
from typing import Annotated
import weakref
from collections.abc import AsyncGenerator

import strawberry
from sqlalchemy import select

from jiedao.api import allow, by_id
from jiedao.api.domain import StreetFeed, watch_rows
from jiedao.api.graphql import decode_id_of
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation.graphql.loaders import visible_case_by_id
from jiedao.plugins.mediation.graphql.types import Case, TaskForce

CASE_READ = "mediation.case.read"
TASKFORCE_READ = "mediation.taskforce.read"

CASE_ROWS = (m.CaseParty, m.CasePlace, m.CaseTransition, m.Recusal, m.OutsideMediator, m.Agreement, m.MediationSession, m.ReturnVisit)
"""Rows with a ``case_id`` that show on a case's screen."""


class ChangeFeed(StreetFeed[int]):
    """The ids of one street's cases (or task forces) that changed (in this process only)."""


_case_feeds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_task_force_feeds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def case_feed(kernel) -> ChangeFeed:
    """The case feed of ``kernel`` (made on first use)."""
    return _case_feeds.setdefault(kernel, ChangeFeed())


def task_force_feed(kernel) -> ChangeFeed:
    """The task-force feed of ``kernel`` (made on first use)."""
    return _task_force_feeds.setdefault(kernel, ChangeFeed())


def _case_of_signature(row, connection) -> int | None:
    return connection.execute(select(m.Agreement.case_id).where(m.Agreement.id == row.agreement_id)).scalar()


def _task_force_of_finding_id(finding_id: int | None, connection) -> int | None:
    if finding_id is None:
        return None
    return connection.execute(select(m.Finding.task_force_id).where(m.Finding.id == finding_id)).scalar()


def watch_cases_and_task_forces() -> None:
    """Tell the feeds of every committed change of a case, a task force, or what belongs to them."""
    watch_rows(m.Case, lambda row, _: row.id, case_feed)
    for model in CASE_ROWS:
        watch_rows(model, lambda row, _: row.case_id, case_feed)
    watch_rows(m.Signature, _case_of_signature, case_feed)
    watch_rows(m.Attachment, lambda row, _: row.case_id, case_feed)
    watch_rows(m.TaskForce, lambda row, _: row.id, task_force_feed)
    watch_rows(m.Finding, lambda row, _: row.task_force_id, task_force_feed)
    watch_rows(m.Attachment, lambda row, connection: _task_force_of_finding_id(row.finding_id, connection), task_force_feed)


@strawberry.type
class MediationSubscription:
    """The fields the plugin adds to ``Subscription``."""

    @strawberry.subscription(
        description=(
            "Mediation cases as they change (a step, a session, the agreement, a signature, a return visit …), each only if "
            "you may see it (the rule of `mediationCase`); `caseId` keeps one case."
        ),
        permission_classes=allow(CASE_READ),
    )
    async def mediation_case_changed(self, info: strawberry.Info, case_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this Case (global ID); leave out for every case you may see.")] = None) -> AsyncGenerator[Case, None]:
        """Stream the visible cases (or the one case) of this street as they change."""
        ctx = info.context
        wanted = decode_id_of(case_id, "Case", "caseId") if case_id is not None else None
        async with contextlib.aclosing(case_feed(ctx.kernel).listen(ctx.street_id)) as changes:
            async for changed in changes:
                if wanted is not None and changed != wanted:
                    continue
                try:
                    await ctx.fresh()
                    case = await visible_case_by_id(ctx).load(changed)
                    if case is not None:
                        yield case
                finally:
                    await ctx.fresh()  # its fields were resolved (or the client left): give the connection back

    @strawberry.subscription(
        description="Task forces as they or their findings change (the rule of `taskForce`); `taskForceId` keeps one.",
        permission_classes=allow(TASKFORCE_READ),
    )
    async def task_force_changed(self, info: strawberry.Info, task_force_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this TaskForce (global ID); leave out for every task force.")] = None) -> AsyncGenerator[TaskForce, None]:
        """Stream the task forces (or the one) of this street as they or their findings change."""
        ctx = info.context
        wanted = decode_id_of(task_force_id, "TaskForce", "taskForceId") if task_force_id is not None else None
        async with contextlib.aclosing(task_force_feed(ctx.kernel).listen(ctx.street_id)) as changes:
            async for changed in changes:
                if wanted is not None and changed != wanted:
                    continue
                try:
                    await ctx.fresh()
                    task_force = await by_id(ctx, m.TaskForce).load(changed)
                    if task_force is not None:
                        yield task_force
                finally:
                    await ctx.fresh()
