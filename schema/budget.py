"""What an operation does while it runs: the object count and its share of the event loop.

The estimate (``schema.cost``) refuses most oversized queries before they run, but an
estimate can be wrong (a building with more units than its declared bound). When the
schema is built, the resolver of every list field and of every asynchronous field is
wrapped once (``pace_resolvers``):

- a list adds its length to the operation's ``ObjectBudget``; past ``max_objects`` the
  operation stops with ``QUERY_TOO_COSTLY`` (one error, no partial data);
- an operation past ``PACE_AFTER_OBJECTS`` list items that has kept the event loop for
  ``SLICE_SECONDS`` queues the resolvers that start or resume after that and lets them
  go a batch per loop iteration, so health checks and other requests are served in
  between. Without this, a DataLoader batch of 4,800
  units wakes 4,800 field completions in one iteration and the loop stalls for a second.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, default_field_resolver

from jiedao.schema.cost import is_list
from jiedao.schema.errors import ClientError

SLICE_SECONDS = 0.02
"""How long one operation may keep the event loop before it lets others run."""
DEFAULT_MAX_OBJECTS = 10_000
"""List items one operation may return unless ``JIEDAO_MAX_OBJECTS`` says otherwise."""
PACE_AFTER_OBJECTS = 2_000
"""Operations that have resolved fewer list items never wait: small queries keep their
DataLoader batches whole (one statement per field), however slow the machine."""

_CURRENT: ContextVar[ObjectBudget | None] = ContextVar("jiedao_object_budget", default=None)


class ObjectsExceeded(ClientError):
    """The operation returned more list items than ``max_objects`` allows."""

    def __init__(self, limit: int, count: int):
        super().__init__(
            "The query returned more than {limit} objects (stopped at {count}); ask for smaller pages or fewer nested lists.",
            "QUERY_TOO_COSTLY",
            limit=limit,
            count=count,
        )
        self.extensions.update({"objects": count, "limit": limit})


class ObjectBudget:
    """One operation's count of list items and its turns on the event loop."""

    def __init__(self, limit: int):
        self.limit = limit
        self.count = 0
        self.exceeded: ObjectsExceeded | None = None
        self._slice_started = time.perf_counter()
        self._waiting: deque[asyncio.Future] = deque()
        self._batch = 1
        self._released_at: float | None = None

    def add(self, items: int) -> None:
        """Count ``items`` more; raises ``ObjectsExceeded`` once the limit is crossed."""
        self.count += items
        if self.count > self.limit and self.exceeded is None:
            self.exceeded = ObjectsExceeded(self.limit, self.count)
        self.check()

    def check(self) -> None:
        """Refuse further work once the limit has been crossed."""
        if self.exceeded is not None:
            raise self.exceeded

    def must_wait(self) -> bool:
        """Whether a large operation has had its slice (or others of its steps already wait)."""
        if self.count < PACE_AFTER_OBJECTS:
            return False
        return bool(self._waiting) or time.perf_counter() - self._slice_started > SLICE_SECONDS

    async def take_turn(self) -> None:
        """Wait until the operation's next batch of steps may run (first in, first out)."""
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        if len(self._waiting) == 1:
            asyncio.get_running_loop().call_soon(self._release)
        await turn
        self.check()

    def _release(self) -> None:
        """Let the next batch go; sized so that one batch takes about one slice (starting
        with one step and at most doubling: the steps queued first are often the heaviest)."""
        now = time.perf_counter()
        if self._released_at is not None:
            took = max(now - self._released_at, 1e-4)
            self._batch = max(1, min(2 * self._batch, 1000, int(self._batch * SLICE_SECONDS / took)))
        self._slice_started = self._released_at = now
        for _ in range(min(self._batch, len(self._waiting))):
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
        if self._waiting:
            asyncio.get_running_loop().call_soon(self._release)  # runs after the batch, one iteration later
        else:
            self._released_at = None


def start_budget(limit: int) -> ObjectBudget:
    """Begin counting the operation running in this task (and the tasks it starts)."""
    budget = ObjectBudget(limit)
    _CURRENT.set(budget)
    return budget


def stop_budget() -> None:
    _CURRENT.set(None)


def current_budget() -> ObjectBudget | None:
    """The budget of the operation running in this task, if one is counted."""
    return _CURRENT.get()


def _sized(result: Any) -> Any:
    if result is None or hasattr(result, "__len__"):
        return result
    return list(result)


async def _resolved_later(result: Any, budget: ObjectBudget, counts: bool) -> Any:
    if budget.must_wait():  # the resolver has not started yet: its first step waits its turn too
        await budget.take_turn()
    value = await result
    if counts:
        value = _sized(value)
        budget.add(len(value) if value is not None else 0)
    if budget.must_wait():
        await budget.take_turn()
    return value


async def _after_turn(value: Any, budget: ObjectBudget) -> Any:
    await budget.take_turn()
    return value


def paced(resolve: Callable[..., Any], counts: bool) -> Callable[..., Any]:
    """``resolve`` taking turns on the event loop, counting list items when ``counts``."""

    def resolve_paced(source: Any, info: Any, **arguments: Any) -> Any:
        budget = _CURRENT.get()
        if budget is None:
            return resolve(source, info, **arguments)
        budget.check()
        result = resolve(source, info, **arguments)
        if inspect.isawaitable(result):
            return _resolved_later(result, budget, counts)
        if counts:
            result = _sized(result)
            budget.add(len(result) if result is not None else 0)
        if budget.must_wait():
            return _after_turn(result, budget)
        return result

    resolve_paced.jiedao_paced = True  # type: ignore[attr-defined]
    resolve_paced.jiedao_wrapped = resolve  # type: ignore[attr-defined]  # what it paces (schema.plain_execution)
    return resolve_paced


def _is_async(field: Any) -> bool:
    definition = (field.extensions or {}).get("strawberry-definition")
    return bool(getattr(definition, "is_async", False))


def pace_resolvers(schema: GraphQLSchema) -> None:
    """Wrap the resolver of every list field and every asynchronous field of ``schema``
    (introspection types excepted); plain attribute fields are left alone."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            if getattr(field.resolve, "jiedao_paced", False):
                continue
            listed = is_list(field.type)
            if listed or _is_async(field):
                field.resolve = paced(field.resolve or default_field_resolver, counts=listed)
