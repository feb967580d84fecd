"""The work item's states and the one table of allowed transitions.

::

    NEW ──dispatch──▶ DISPATCHED ──accept──▶ ACCEPTED ──start──▶ IN_PROGRESS ──resolve──▶ RESOLVED
     ▲                 │  ▲ reassign            │                                     │
     │                 │  └──────────── (from any open state)                         ├─rate 满意/基本满意──▶ CONFIRMED
     └── RETURNED ◀────┴──return (assignee, with reason) ◀──┘                         ├─rate 不满意 (1st)──▶ REOPENED ─accept/start/resolve─▶ …
                                                                                      ├─rate 不满意 (2nd)──▶ CLOSED (unsatisfied)
                                                                                      └─close (dispatcher, or nobody to rate)─▶ CLOSED

A refused transition is ``INVALID_STATE`` naming the item's state and the action.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from jiedao.core.errors import DomainError
from jiedao.core.messages import Name, names_list


class WorkState(enum.Enum):
    """Where a work item is."""

    NEW = "NEW"
    DISPATCHED = "DISPATCHED"
    ACCEPTED = "ACCEPTED"
    IN_PROGRESS = "IN_PROGRESS"
    RESOLVED = "RESOLVED"
    RETURNED = "RETURNED"
    REOPENED = "REOPENED"
    CONFIRMED = "CONFIRMED"
    CLOSED = "CLOSED"


FINAL = frozenset({WorkState.CONFIRMED, WorkState.CLOSED})
"""States of a closed item."""
WAITING_ON_HANDLER = frozenset({WorkState.NEW, WorkState.DISPATCHED, WorkState.ACCEPTED, WorkState.IN_PROGRESS, WorkState.RETURNED, WorkState.REOPENED})
"""States in which the item's due time runs (a resolved item waits for its resident, not its handler)."""

DISPATCHER, HANDLER, RAISER, KERNEL = "dispatcher", "handler", "raiser", "kernel"
"""Who may take a transition: street staff (``core.work.dispatch``), the item's assignee, the
resident who raised it, or the kernel itself (escalation, closing what nobody can rate)."""


@dataclass(frozen=True)
class Transition:
    """An action: the states it starts from, the state it leads to, and who may take it."""

    action: str
    sources: frozenset[WorkState]
    target: WorkState
    actor: str


_OPEN = frozenset(WorkState) - FINAL
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("dispatch", frozenset({WorkState.NEW, WorkState.RETURNED}), WorkState.DISPATCHED, DISPATCHER),
        Transition("reassign", _OPEN - {WorkState.NEW, WorkState.RESOLVED}, WorkState.DISPATCHED, DISPATCHER),
        Transition("accept", frozenset({WorkState.DISPATCHED, WorkState.REOPENED}), WorkState.ACCEPTED, HANDLER),
        Transition("start", frozenset({WorkState.ACCEPTED, WorkState.REOPENED}), WorkState.IN_PROGRESS, HANDLER),
        Transition("resolve", frozenset({WorkState.ACCEPTED, WorkState.IN_PROGRESS, WorkState.REOPENED}), WorkState.RESOLVED, HANDLER),
        Transition("return", frozenset({WorkState.DISPATCHED, WorkState.ACCEPTED}), WorkState.RETURNED, HANDLER),
        Transition("confirm", frozenset({WorkState.RESOLVED}), WorkState.CONFIRMED, RAISER),
        Transition("rate_reopen", frozenset({WorkState.RESOLVED}), WorkState.REOPENED, RAISER),
        Transition("rate_close", frozenset({WorkState.RESOLVED}), WorkState.CLOSED, RAISER),
        Transition("reopen", frozenset({WorkState.RESOLVED, WorkState.CONFIRMED, WorkState.CLOSED}), WorkState.REOPENED, DISPATCHER),
        Transition("close", _OPEN, WorkState.CLOSED, DISPATCHER),
        Transition("auto_close", frozenset({WorkState.RESOLVED}), WorkState.CLOSED, KERNEL),
    )
}


def transition(action: str, current: WorkState) -> Transition:
    """The transition ``action`` from ``current``; ``INVALID_STATE`` naming the state if refused."""
    step = TRANSITIONS[action]
    if current not in step.sources:
        allowed = names_list(sorted(step.sources, key=lambda s: s.value))
        raise DomainError(
            "Cannot {action} a work item that is {state} (only one that is {allowed}).",
            code="INVALID_STATE",
            field="id",
            action=action.replace("_", " "),
            state=Name.of(current),
            allowed=allowed,
        )
    return step
