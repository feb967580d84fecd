"""Test helpers for the executor's plain path (``schema.plain_execution``), the page
look-ahead (``schema.references``) and the compiled reads (``schema.compiled_reads``): which
fields graphql-core still resolves, which ORM instances a request loads, and the same request
without the look-ahead or without compilation, to compare answers."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event

from jiedao.core.db import Base
from jiedao.schema import connection
from jiedao.schema.plain_execution import PlainFieldsExecutor


def resolved_parent_types(monkeypatch: Any) -> list[str]:
    """A list that receives the parent type's name of every field graphql-core resolves from
    now on (the plain path answers the others without a resolver call); clear it between requests."""
    resolved: list[str] = []
    original = PlainFieldsExecutor.execute_field

    def counting(self, parent_type, *args, **kwargs):
        resolved.append(parent_type.name)
        return original(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(PlainFieldsExecutor, "execute_field", counting)
    return resolved


_WATCHING: ContextVar[object | None] = ContextVar("jiedao_loaded_instances", default=None)


@contextlib.contextmanager
def loaded_instances(*models: type) -> Iterator[list[str]]:
    """A list that receives, while the block runs, the class name of every ORM instance of
    ``models`` loaded from the database by the block's own work (a plain row,
    ``schema.plain_rows``, is none); loads by background tasks of the test's kernel (alarm
    notifications, escalation) are not counted."""
    loaded: list[str] = []
    watch = object()
    token = _WATCHING.set(watch)  # work started inside the block sees it; background work started before does not

    def on_load(target: Any, _context: Any) -> None:
        if isinstance(target, models) and _WATCHING.get() is watch:
            loaded.append(type(target).__name__)

    event.listen(Base, "load", on_load, propagate=True)
    try:
        yield loaded
    finally:
        event.remove(Base, "load", on_load)
        _WATCHING.reset(token)


def without_page_look_ahead(monkeypatch: Any) -> None:
    """From now on, pages of ``connection_field`` lists read nothing ahead (every linked row
    and child list through its loader, per field, as before the look-ahead)."""

    async def nothing(ctx: Any, info: Any, rows: Any) -> None:
        return None

    monkeypatch.setattr(connection, "preload_page_references", nothing)


async def served_and_general(client: Any, monkeypatch: Any, query: str, variables: dict, token: str) -> tuple[dict, dict]:
    """The whole response as served (compiled into one statement where it can be), then
    with compilation switched off (the general path), for a test to compare. The served
    request is sent twice and must answer the same: the second time a compiled query is
    answered as a known one (``core.known_queries``)."""
    from jiedao.schema import compiled_reads

    served = await client.result(query, variables, token=token)
    again = await client.result(query, variables, token=token)
    assert _request_ids_blanked(again) == _request_ids_blanked(served), ("a known query answered otherwise", query[:60], variables)
    monkeypatch.setattr(compiled_reads, "ENABLED", False)
    general = await client.result(query, variables, token=token)
    monkeypatch.setattr(compiled_reads, "ENABLED", True)
    return served, general


def _request_ids_blanked(body: dict) -> str:
    """``body`` as JSON with each request id (a masked error names its own) blanked."""
    return re.sub(r"\b[0-9a-f]{32}\b", "<request id>", json.dumps(body, ensure_ascii=False))
