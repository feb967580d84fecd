"""A street's work-item settings: ``[streets.<slug>.work]`` in plugins.toml (a core section).

::

    [streets.changqing.work]
    default_sla_days = 5
    sla_days = { safety = 1, repair = 3 }
    escalation_roles = ["grid_worker", "community_worker", "street_admin", "department"]
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_SLA_DAYS: dict[str, int] = {
    "safety": 1,  # an alarm, a fire hazard: someone goes the next working day
    "repair": 3,
    "environment": 5,
    "neighbourhood": 5,
    "appeal": 5,
    "inspection": 10,
    "meeting_action": 10,
}
"""Working days per category when the street sets none; other categories get ``default_sla_days``."""

LADDER = ("grid", "community", "street", "department")
"""The escalation ladder, level 0 first."""


class WorkSettings(BaseModel):
    """Service levels in working days per category, and who is notified at each escalation level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_sla_days: int = Field(5, ge=1, le=365, description="Working days for a category without its own.")
    sla_days: dict[str, int] = Field(default_factory=dict, description="Working days per category (merged over the defaults).")
    escalation_roles: tuple[str, str, str, str] = Field(
        ("grid_worker", "community_worker", "street_admin", "department"),
        description="The role notified at each level of the ladder grid → community → street → department.",
    )

    @field_validator("sla_days")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k, v in value.items() if not 1 <= v <= 365]
        if bad:
            raise ValueError(f"working days must be 1..365 (category {bad[0]!r})")
        return value

    def days_for(self, category: str) -> int:
        """The working days an item of ``category`` has."""
        return {**DEFAULT_SLA_DAYS, **self.sla_days}.get(category, self.default_sla_days)
