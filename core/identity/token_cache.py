"""A short-lived in-process cache of authenticated tokens, so a request with a token costs no
statement when the same token was checked a moment ago.

An entry holds what ``authenticate`` found (the user's columns, roles, permissions, token id
and expiry) for one token digest in one street, for ``JIEDAO_TOKEN_CACHE_SECONDS`` (default
5; 0 turns the cache off; at most 60). The expiry of the token itself is checked on every hit.

In this process, every change of tokens, users or grants through SQLAlchemy (log-out,
log-out everywhere, revocation, role grants and revocations, password or account changes:
ORM updates, deletes and flushes of ``Token``, ``User`` or ``Grant``) empties every cache at
once, again when its transaction commits, and a look-up that started before the change
never stores what it read. Another process (a second ``uvicorn`` worker, the ``jiedao`` CLI)
cannot reach this cache: there a change takes effect within the TTL.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

DEFAULT_SECONDS = 5.0
MAX_SECONDS = 60.0
_MAX_ENTRIES = 10_000

_generation = 0
"""Bumped by every in-process change of tokens, users or grants; caches compare it."""


def ttl_seconds() -> float:
    """``JIEDAO_TOKEN_CACHE_SECONDS`` (0 to 60; default 5); raises ValueError naming it when wrong."""
    raw = os.environ.get("JIEDAO_TOKEN_CACHE_SECONDS")
    if raw is None or raw == "":
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"JIEDAO_TOKEN_CACHE_SECONDS must be a number of seconds from 0 to {MAX_SECONDS:g}, got {raw!r}.")
    return value


def forget_all() -> None:
    """Empty every token cache of this process (tokens, users or grants changed)."""
    global _generation
    _generation += 1


def generation() -> int:
    """The current generation: pass it to ``TokenCache.put`` for a look-up started now."""
    return _generation


@dataclass(frozen=True)
class CachedToken:
    """What ``authenticate`` found for one token in one street."""

    user_columns: dict[str, Any]
    roles: frozenset[str]
    permissions: frozenset[str]
    token_id: int
    token_expires_at: Any
    good_until: float


class TokenCache:
    """The cache of one kernel: ``(digest, street) -> CachedToken``."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], CachedToken] = {}
        self._generation = _generation

    def get(self, digest: str, street: str) -> CachedToken | None:
        if self._generation != _generation:
            self._entries.clear()
            self._generation = _generation
            return None
        entry = self._entries.get((digest, street))
        if entry is not None and entry.good_until < time.monotonic():
            del self._entries[(digest, street)]
            return None
        return entry

    def put(self, digest: str, street: str, entry_without_deadline: dict[str, Any], started: int) -> None:
        """Store what a look-up that began at generation ``started`` found (not if anything changed since)."""
        seconds = ttl_seconds()
        if seconds <= 0 or started != _generation:
            return
        if self._generation != _generation:
            self._entries.clear()
            self._generation = _generation
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        self._entries[(digest, street)] = CachedToken(**entry_without_deadline, good_until=time.monotonic() + seconds)


def cache_of(kernel: Any) -> TokenCache:
    """The token cache of ``kernel`` (made on first use)."""
    cache = getattr(kernel, "_token_cache", None)
    if cache is None:
        cache = kernel._token_cache = TokenCache()  # noqa: SLF001 - the kernel carries it, nobody else reads it
    return cache


def _identity_models() -> tuple[type, ...]:
    from jiedao.core.identity.models import Grant, Token, User

    return (Token, User, Grant)


_FLAG = "jiedao.identity_changed"


@event.listens_for(Session, "do_orm_execute")
def _watch_statements(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    entity = state.bind_mapper.class_ if state.bind_mapper is not None else None
    if entity in _identity_models():
        forget_all()
        state.session.info[_FLAG] = True


@event.listens_for(Session, "before_flush")
def _watch_flush(session: Session, flush_context, instances) -> None:
    models = _identity_models()
    grant = models[2]
    changed = any(isinstance(obj, models) for obj in (*session.dirty, *session.deleted))
    if changed or any(isinstance(obj, grant) for obj in session.new):  # a new token or user changes no cached answer
        forget_all()
        session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        forget_all()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
