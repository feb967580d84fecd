"""Time ranges of the cockpit (today, last 7/30 days, this year, custom) and their buckets.

Every range is half-open ``[start, end)`` in UTC, computed from the street's calendar
(``Asia/Shanghai`` by default). ``previous`` is the period the trend compares against:
the same span shifted back by the preset's own length (a day, 7 days, 30 days, a year;
a custom range by its length), so both periods have equal length.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from jiedao.api import DomainError, now as clock_now


class Preset(enum.Enum):
    TODAY = "TODAY"
    LAST_7_DAYS = "LAST_7_DAYS"
    LAST_30_DAYS = "LAST_30_DAYS"
    THIS_YEAR = "THIS_YEAR"
    CUSTOM = "CUSTOM"


class Interval(enum.Enum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


MAX_BUCKETS = 2000


@dataclass(frozen=True)
class Range:
    """A half-open UTC interval ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def shifted(self, by: timedelta) -> Range:
        return Range(self.start - by, self.end - by)


@dataclass(frozen=True)
class Period:
    """The range asked for and the previous one it is compared with."""

    current: Range
    previous: Range
    zone: ZoneInfo
    relative: bool = True  # ends "now" (a preset), as opposed to a fixed custom range

    def cache_key(self, ttl: float) -> tuple:
        """Equal for requests of the same range; a preset's (whose end is "now") by its starts
        only, so its figures are reused for the cache's ``ttl`` seconds from when they were
        computed. (Keyed by ``end // ttl`` before, two requests a moment apart across such
        a boundary computed twice.)"""
        if not self.relative or ttl <= 0:
            return (self.current, self.previous)
        return (self.current.start, self.previous.start, "until now")


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def resolve(preset: Preset, zone_name: str, start: datetime | None = None, end: datetime | None = None, now: datetime | None = None) -> Period:
    """The current and previous ranges of ``preset`` in the street's time zone.

    A naive ``start``/``end`` of a custom range is read in the street's zone. Raises
    ``DomainError`` (field ``range``) for a custom range without both ends or reversed.
    """
    zone = ZoneInfo(zone_name)
    local_now = (now or clock_now()).astimezone(zone)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    if preset is Preset.CUSTOM:
        if start is None or end is None:
            raise DomainError("A CUSTOM range needs both start and end.", code="INVALID_RANGE", field="range")
        first, last = _aware(start, zone), _aware(end, zone)
        if last <= first:
            raise DomainError("The range must end after it starts.", code="INVALID_RANGE", field="range")
        current = Range(first.astimezone(UTC), last.astimezone(UTC))
        return Period(current, current.shifted(current.length), zone, relative=False)
    if preset is Preset.THIS_YEAR:
        year_start = midnight.replace(month=1, day=1)
        current = Range(year_start.astimezone(UTC), local_now.astimezone(UTC))
        last_year = year_start.replace(year=year_start.year - 1)
        elapsed = local_now - year_start
        previous = Range(last_year.astimezone(UTC), (last_year + elapsed).astimezone(UTC))
        return Period(current, previous, zone)
    days = {Preset.TODAY: 1, Preset.LAST_7_DAYS: 7, Preset.LAST_30_DAYS: 30}[preset]
    current = Range((midnight - timedelta(days=days - 1)).astimezone(UTC), local_now.astimezone(UTC))
    return Period(current, current.shifted(timedelta(days=days)), zone)


def default_interval(period: Period) -> Interval:
    """A sensible bucket width for a range: hours for a day, days up to ~3 months, then months."""
    length = period.current.length
    if length <= timedelta(days=2):
        return Interval.HOUR
    if length <= timedelta(days=92):
        return Interval.DAY
    return Interval.MONTH


def bucket_starts(rng: Range, interval: Interval, zone: ZoneInfo) -> list[datetime]:
    """The UTC starts of the calendar buckets covering ``rng`` (the first may begin before it).

    Weeks start on Monday; days, weeks and months follow the street's local calendar.
    """
    local = rng.start.astimezone(zone)
    if interval is Interval.HOUR:
        cursor = local.replace(minute=0, second=0, microsecond=0)
    else:
        cursor = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if interval is Interval.WEEK:
            cursor -= timedelta(days=cursor.weekday())
        elif interval is Interval.MONTH:
            cursor = cursor.replace(day=1)
    starts: list[datetime] = []
    while cursor.astimezone(UTC) < rng.end:
        starts.append(cursor.astimezone(UTC))
        if len(starts) > MAX_BUCKETS:
            raise DomainError("Too many buckets (over {most}); choose a wider interval.", code="TOO_MANY_BUCKETS", field="interval", most=MAX_BUCKETS)
        cursor = _next(cursor, interval, zone)
    return starts


def _next(local: datetime, interval: Interval, zone: ZoneInfo) -> datetime:
    if interval is Interval.HOUR:
        return (local.astimezone(UTC) + timedelta(hours=1)).astimezone(zone)
    if interval is Interval.DAY:
        return (local + timedelta(days=1)).replace(tzinfo=zone)
    if interval is Interval.WEEK:
        return (local + timedelta(days=7)).replace(tzinfo=zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return local.replace(year=year, month=month, day=1)
