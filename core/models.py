"""The core registry: streets, communities, compounds, buildings, units, residents, ownership.

Areas are stored as integers in square decimetres (1 dm² = 0.01 m²) so that sums used by
owners' votes are exact on every database.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped


def street_first(table: str, *columns: str, unique: bool = False) -> Index:
    """An index led by ``street_id``, then ``columns``: a street's rows by key, or a row's
    children in key order (``street_first("units", "building_id", "id")``).

    Every read is scoped to one street, and the street's condition is an equality PostgreSQL
    can match on any index led by ``street_id``. Before a table is analyzed (the first
    minute after a bulk import) it cannot tell the street's condition from a row's key, and
    with only single-column indexes it read a unit's owners by scanning every resident of
    the street (200 ms for the README list instead of 2 ms; ``schema.compiled_reads``). An
    index holding the street and the key matches both conditions at once and gives the
    order, so it wins whatever the statistics say.
    """
    name = "_".join(["ix", table, "street_first", *columns])
    return Index(name, "street_id", *columns, unique=unique)


class Street(Base):
    """A subdistrict (街道) served by this deployment; rows are synced from plugins.toml."""

    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Community(StreetScoped, Base):
    """A community (社区) with its residents' committee."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "name"), street_first("communities", "id", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Compound(StreetScoped, Base):
    """A residential compound (小区) inside a community."""

    __tablename__ = "compounds"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        street_first("compounds", "id", unique=True),
        street_first("compounds", "community_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Building(StreetScoped, Base):
    """A building (楼/幢) of a compound."""

    __tablename__ = "buildings"
    __table_args__ = (
        UniqueConstraint("compound_id", "name"),
        street_first("buildings", "id", unique=True),
        street_first("buildings", "compound_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id", ondelete="SET NULL"), index=True)
    longitude: Mapped[float | None] = mapped_column(Float)
    """Longitude in degrees east, GCJ-02 datum (as Chinese maps give it); null when unknown.
    Always set together with ``latitude`` (see ``jiedao.core.geo`` for the WGS-84 conversion)."""
    latitude: Mapped[float | None] = mapped_column(Float)
    """Latitude in degrees north, GCJ-02 datum; null when unknown."""


class Unit(StreetScoped, Base):
    """A unit (户/室) with its exclusive floor area."""

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("building_id", "number"),
        street_first("units", "id", unique=True),
        street_first("units", "building_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(50))
    area_dm2: Mapped[int] = mapped_column(Integer)
    stairwell: Mapped[str] = mapped_column(String(20), default="", server_default="")
    """The stairwell (单元) the unit opens on, e.g. ``"1"``; empty when the building has one."""
    floor: Mapped[int | None] = mapped_column(Integer)
    """The floor (楼层); negative below ground; unknown when null."""

    @property
    def area_m2(self) -> Decimal:
        return Decimal(self.area_dm2) / 100


class Household(StreetScoped, Base):
    """People living together in one unit (户)."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Resident(StreetScoped, Base):
    """A person or an organisation (e.g. the developer holding unsold units).

    ``external_ref`` identifies the person across imports (the import's ``owner_id``).
    The ID-card number is never stored in full: only a keyed hash, for matching, and its
    masked form.
    """

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("street_id", "external_ref"), street_first("residents", "id", unique=True))
    id: Mapped[int] = mapped_column(primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    is_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    id_card_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_card_masked: Mapped[str | None] = mapped_column(String(18))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    elderly: Mapped[bool] = mapped_column(Boolean, default=False)
    lives_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Registered with a disability (残疾): slower to leave a fire; see ``core.care``."""
    bedridden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Bedridden (卧床/失能): cannot leave alone; see ``core.care``."""
    party_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A member of the Communist Party: shown only to callers holding ``core.party.read``."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Ownership(StreetScoped, Base):
    """A resident owns (or co-owns) a unit."""

    __tablename__ = "ownerships"
    __table_args__ = (UniqueConstraint("unit_id", "resident_id"), street_first("ownerships", "unit_id", "resident_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)


CORE_MODELS = (Street, Community, Compound, Building, Unit, Household, Resident, Ownership)
