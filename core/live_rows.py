"""Rows that change, told to a street's live feed once their transaction has committed.

``watch_rows(Model, key_of, feed_of)`` makes every insert, update or delete of a ``Model`` row
(through the ORM, whichever service or path made it) hand ``key_of(row, connection)`` — e.g.
the ballot a vote belongs to — to ``feed_of(kernel)`` for the row's street, *after* the
transaction committed, once per key and transaction; a rolled-back transaction tells nothing.
A subscription then reads the thing again through its query's visibility rule for each
subscriber (``core/work/live.py`` is the pattern). Bulk ``update()``/``delete()`` statements
bypass the ORM and are not seen: a service that uses one must put the key itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

PENDING_KEY = "jiedao.live_rows"
"""``session.info`` entry: ``{feed_of: set of keys}`` waiting for the commit."""


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    kernel, street_id = session.info.get("kernel"), session.info.get("street_id")
    if not pending or kernel is None or street_id is None:
        return
    for feed_of, keys in pending.items():
        feed = feed_of(kernel)
        for key in sorted(keys):
            feed.put(street_id, key)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(PENDING_KEY, None)


def _note(session: Session | None, feed_of: Callable, key: Any) -> None:
    if session is None or key is None:
        return
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _forget)
    session.info.setdefault(PENDING_KEY, {}).setdefault(feed_of, set()).add(key)


def watch_rows(model: type, key_of: Callable[[Any, Any], Any], feed_of: Callable[[Any], Any]) -> None:
    """After each committed change of a ``model`` row, put ``key_of(row, connection)`` (skipped
    when ``None``) into ``feed_of(kernel)`` for the row's street. Registering twice is harmless."""

    def changed(mapper, connection, target) -> None:
        _note(object_session(target), feed_of, key_of(target, connection))

    changed.__qualname__ = f"watch_rows.{model.__name__}.{getattr(feed_of, '__qualname__', 'feed')}"
    key = (model, feed_of)
    if key in _watched:
        return
    _watched.add(key)
    for kind in ("after_insert", "after_update", "after_delete"):
        event.listen(model, kind, changed)


_watched: set[tuple[type, Callable]] = set()
