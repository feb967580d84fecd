"""Due times: a street's service level for a category, in working days, ending at the end of
the last working day (23:59:59 China time)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from jiedao.core.clock import CHINA
from jiedao.core.work.calendar import add_working_days
from jiedao.core.work.settings import WorkSettings

END_OF_DAY = time(23, 59, 59)


def due_for(settings: WorkSettings, category: str, opened_at: datetime) -> tuple[datetime, bool]:
    """``(due, exact)``: when an item of ``category`` opened at ``opened_at`` is due — the end of
    the N-th working day after the day it was opened (N from the street's settings) — and
    whether the holiday calendar covered every day counted (``False``: weekends only)."""
    day, exact = add_working_days(opened_at.astimezone(CHINA).date(), settings.days_for(category))
    return datetime.combine(day, END_OF_DAY, CHINA).astimezone(UTC), exact
