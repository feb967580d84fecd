"""Grids (网格) and their workers. A building's grid is ``Building.grid_id``."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped


class Grid(StreetScoped, Base):
    """One grid of a community. ``code`` is its stable reference across CSV imports."""

    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("street_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)


class GridWorker(StreetScoped, Base):
    """An account that works a grid (网格员); a grid may have several, a worker several grids."""

    __tablename__ = "grid_workers"
    __table_args__ = (UniqueConstraint("grid_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


GRID_MODELS = (Grid, GridWorker)
