"""The runtime backstop of the cost limit: counts list items as they are resolved.

The estimate (``schema.cost``) refuses most oversized queries before they run, but an
estimate can be wrong (a building with more units than its declared bound). Every list
field's resolver is wrapped once, when the schema is built: it adds the length of what it
returned to the operation's ``ObjectBudget`` and refuses to go on once ``max_objects``
is crossed. The same wrapper hands the event loop back every ``SLICE_SECONDS`` of work,
so that health checks and other requests are served while a heavy query runs.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, default_field_resolver

from schema.cost import is_list
from schema.errors import ClientError

SLICE_SECONDS = 0.02
"""How long one operation may keep the event loop before the next list yields it."""

_CURRENT: ContextVar[ObjectBudget | None] = ContextVar("jiedao_object_budget", default=None)


class ObjectsExceeded(ClientError):
    """The operation returned more list items than ``max_objects`` allows."""

    def __init__(self, limit: int, count: int):
        super().__init__(
            f"The query returned more than {limit} objects (stopped at {count}); ask for smaller pages or fewer nested lists.",
            "QUERY_TOO_COSTLY",
        )
        self.extensions.update({"objects": count, "limit": limit})


class ObjectBudget:
    """How many list items one operation has resolved, against its limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.count = 0
        self.exceeded: ObjectsExceeded | None = None
        self._slice_started = time.perf_counter()
        self._slice = 0

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

    def slice_used_up(self) -> bool:
        return time.perf_counter() - self._slice_started > SLICE_SECONDS

    async def pause(self) -> None:
        """Let the event loop serve others; the first operation step after it opens a new slice."""
        current = self._slice
        await asyncio.sleep(0)
        if self._slice == current:
            self._slice += 1
            self._slice_started = time.perf_counter()


def start_budget(limit: int) -> ObjectBudget:
    """Begin counting the operation running in this task (and the tasks it starts)."""
    budget = ObjectBudget(limit)
    _CURRENT.set(budget)
    return budget


def stop_budget() -> None:
    _CURRENT.set(None)


def _sized(result: Any) -> Any:
    if result is None or hasattr(result, "__len__"):
        return result
    return list(result)


async def _counted_later(result: Any, budget: ObjectBudget) -> Any:
    value = _sized(await result)
    budget.add(len(value) if value is not None else 0)
    if budget.slice_used_up():
        await budget.pause()
    return value


async def _paused(value: Any, budget: ObjectBudget) -> Any:
    await budget.pause()
    return value


def counted(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """``resolve`` of a list field, counting its items against the operation's budget."""

    def resolve_counted(source: Any, info: Any, **arguments: Any) -> Any:
        budget = _CURRENT.get()
        if budget is None:
            return resolve(source, info, **arguments)
        budget.check()
        result = resolve(source, info, **arguments)
        if inspect.isawaitable(result):
            return _counted_later(result, budget)
        result = _sized(result)
        budget.add(len(result) if result is not None else 0)
        if budget.slice_used_up():
            return _paused(result, budget)
        return result

    resolve_counted.jiedao_counted = True  # type: ignore[attr-defined]
    return resolve_counted


def count_list_items(schema: GraphQLSchema) -> None:
    """Wrap the resolver of every list field of ``schema`` (introspection types excepted)."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            if is_list(field.type) and not getattr(field.resolve, "jiedao_counted", False):
                field.resolve = counted(field.resolve or default_field_resolver)
