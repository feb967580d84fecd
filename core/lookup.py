"""Fetch one row of the session's street by its primary key, or refuse with ``NOT_FOUND``."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.errors import DomainError

Row = TypeVar("Row")


async def get_or_not_found(
    session: AsyncSession, model: type[Row], pk: Any, *, field: str, message: str, for_update: bool = False, shared: bool = False
) -> Row:
    """The ``model`` row whose ``id`` is ``pk``, or a ``DomainError`` ``NOT_FOUND`` naming ``field``.

    It selects (rather than ``session.get``) so the street filter applies: another street's
    row is not found. ``for_update`` locks the row until the transaction ends (``shared``: a
    share lock, which other readers may hold too; PostgreSQL) and refreshes an object the
    session already holds from the locked row: a state read before the lock (by an earlier,
    unlocked select of the same request) would otherwise be stale.
    """
    statement = select(model).where(model.id == pk)  # type: ignore[attr-defined]
    if for_update:
        statement = statement.with_for_update(read=shared).execution_options(populate_existing=True)
    row = await session.scalar(statement)
    if row is None:
        raise DomainError(message, code="NOT_FOUND", field=field)
    return row
