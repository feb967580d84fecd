"""The one clock: the current instant (UTC) and today's date in China.

Every module asks this one for the time, so a test can move time for everything at once
(``monkeypatch.setattr("jiedao.core.clock.now", ...)`` moves ``today`` too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time (UTC+8, no daylight saving): the zone of deadlines and calendar days."""


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in China, the calendar deadlines and scores are counted in."""
    return now().astimezone(CHINA).date()
