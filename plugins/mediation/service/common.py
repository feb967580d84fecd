"""Small rules every part of the mediation service shares."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError


def required(value: str | None, field_name: str, message: str) -> str:
    """``value`` stripped; ``MISSING_CONTENT`` on ``field_name`` when it is blank (``message``:
    the catalogue template saying what is missing, "The court is required.")."""
    text = (value or "").strip()
    if not text:
        raise DomainError(message, code="MISSING_CONTENT", field=field_name)
    return text


def street_of(session: AsyncSession) -> int:
    """The id of the street the session works in."""
    return session.info["street_id"]
