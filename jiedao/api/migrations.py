"""Helpers for a plugin's Alembic revisions."""

from __future__ import annotations

from jiedao.core import migration_ops

__all__ = [
    "migration_ops",
]
