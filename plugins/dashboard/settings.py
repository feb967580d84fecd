"""The settings a street gives the dashboard in plugins.toml (``[streets.X.dashboard]``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from jiedao.plugins.dashboard.service.tiles import check_tile_template


class DashboardSettings(BaseModel):
    """Time zone of the street's calendar, cache lifetime and hotspot detection parameters."""

    model_config = {"extra": "forbid"}

    timezone: str = Field("Asia/Shanghai", description="IANA zone whose days, weeks and months the cockpit shows.")
    cache_seconds: float = Field(5.0, ge=0, description="How long a computed figure is reused (0 = never cached).")
    baseline_days: int = Field(28, ge=7, le=365, description="Days of history forming a place's own baseline.")
    guard_days: int = Field(2, ge=0, le=30, description="Days just before the window left out of the baseline.")
    max_window_days: int = Field(7, ge=1, le=28, description="Hotspots of a longer range look at its last N days.")
    threshold_sd: float = Field(3.0, gt=0, description="k: a signal rises when observed > expected + k·sd.")
    min_events: int = Field(3, ge=1, description="Floor: fewer events than this in the window never flag.")
    min_sd: float = Field(0.5, ge=0, description="Floor for the daily standard deviation of sparse baselines.")
    map_tiles: str | None = Field(
        None,
        description="An intranet tile server drawn under the cockpit's map, as a URL template with {z}, {x} and {y} "
        "(e.g. 'https://tiles.intranet/{z}/{x}/{y}.png', GCJ-02 Web-Mercator tiles as Chinese maps serve them). "
        "Unset: the map draws the buildings alone, with no tiles and no request to any other host.",
    )

    @field_validator("map_tiles")
    @classmethod
    def _tiles(cls, value: str | None) -> str | None:
        return None if value is None else check_tile_template(value)
