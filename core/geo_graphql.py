"""GraphQL shape of a building's location: GCJ-02 as stored, with its WGS-84 conversion for
maps and GPS tools that use WGS-84 (see ``jiedao.core.geo``)."""

from __future__ import annotations

import strawberry

from jiedao.core.geo import gcj02_to_wgs84

GCJ02 = "GCJ-02"
WGS84 = "WGS-84"


@strawberry.type(name="GeoPoint", description="A point in degrees on a named datum.")
class GeoPoint:
    longitude: float = strawberry.field(description="Degrees east.")
    latitude: float = strawberry.field(description="Degrees north.")
    datum: str = strawberry.field(description="'GCJ-02' (Chinese maps) or 'WGS-84' (GPS, OpenStreetMap).")


@strawberry.type(
    name="BuildingLocation",
    description="Where a building stands: longitude and latitude on the GCJ-02 datum Chinese maps use (as registered), "
    "and the same point converted to WGS-84.",
)
class BuildingLocation:
    longitude: float = strawberry.field(description="Degrees east, GCJ-02.")
    latitude: float = strawberry.field(description="Degrees north, GCJ-02.")
    datum: str = strawberry.field(description="Always 'GCJ-02'.")

    @strawberry.field(description="The same point on WGS-84 (the GCJ-02 offset inverted by iteration, to under a millimetre).")
    def wgs84(self) -> GeoPoint:
        longitude, latitude = gcj02_to_wgs84(self.longitude, self.latitude)
        return GeoPoint(longitude=round(longitude, 7), latitude=round(latitude, 7), datum=WGS84)


def location_of(row) -> BuildingLocation | None:
    """The location of a building row (anything with ``longitude``/``latitude``), or None."""
    if row.longitude is None or row.latitude is None:
        return None
    return BuildingLocation(longitude=row.longitude, latitude=row.latitude, datum=GCJ02)
