"""Ranges in the street's calendar, their previous periods, and calendar buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiedao.core.errors import DomainError
from jiedao.plugins.dashboard.service.ranges import Interval, Preset, Range, bucket_starts, resolve

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)  # 10:30 in Hangzhou


def test_today_starts_at_local_midnight_and_compares_with_yesterday_so_far():
    period = resolve(Preset.TODAY, "Asia/Shanghai", now=NOW)
    assert period.current == Range(datetime(2026, 11, 27, 16, tzinfo=UTC), NOW)
    assert period.previous == Range(datetime(2026, 11, 26, 16, tzinfo=UTC), NOW - timedelta(days=1))


def test_last_7_days_include_today_and_the_previous_period_has_equal_length():
    period = resolve(Preset.LAST_7_DAYS, "Asia/Shanghai", now=NOW)
    assert period.current.start.astimezone(SHANGHAI) == datetime(2026, 11, 22, tzinfo=SHANGHAI)
    assert period.previous.end == NOW - timedelta(days=7)


def test_this_year_compares_with_the_same_span_last_year():
    period = resolve(Preset.THIS_YEAR, "Asia/Shanghai", now=NOW)
    assert period.current.start.astimezone(SHANGHAI) == datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert period.previous.start.astimezone(SHANGHAI) == datetime(2025, 1, 1, tzinfo=SHANGHAI)
    assert period.previous.length == period.current.length


def test_a_custom_range_reads_naive_times_in_the_streets_zone_and_must_be_ordered():
    period = resolve(Preset.CUSTOM, "Asia/Shanghai", datetime(2026, 3, 1), datetime(2026, 3, 8))
    assert period.current.start == datetime(2026, 2, 28, 16, tzinfo=UTC)
    assert period.previous.end == period.current.start and period.previous.length == timedelta(days=7)
    with pytest.raises(DomainError):
        resolve(Preset.CUSTOM, "Asia/Shanghai", datetime(2026, 3, 8), datetime(2026, 3, 1))


def test_weeks_start_on_monday_and_months_on_the_first_in_local_time():
    rng = Range(datetime(2026, 3, 4, tzinfo=SHANGHAI).astimezone(UTC), datetime(2026, 3, 20, tzinfo=SHANGHAI).astimezone(UTC))
    weeks = [s.astimezone(SHANGHAI).date().isoformat() for s in bucket_starts(rng, Interval.WEEK, SHANGHAI)]
    assert weeks == ["2026-03-02", "2026-03-09", "2026-03-16"]
    months = bucket_starts(Range(datetime(2025, 12, 15, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC)), Interval.MONTH, SHANGHAI)
    assert [m.astimezone(SHANGHAI).strftime("%Y-%m") for m in months] == ["2025-12", "2026-01", "2026-02"]


def test_too_many_buckets_are_refused():
    with pytest.raises(DomainError):
        bucket_starts(Range(datetime(2020, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)), Interval.HOUR, SHANGHAI)


def test_a_presets_figures_are_reused_whatever_second_they_are_asked_in():
    """Two cockpit requests a moment apart share their cached figures, also across a
    multiple of the cache's lifetime (a request at :04.9 and one at :05.1 computed twice
    when the key held ``end // ttl``); a new day, or a fixed range, is another key."""
    just_before = NOW + timedelta(seconds=4.9)
    just_after = NOW + timedelta(seconds=5.1)
    keys = {resolve(Preset.TODAY, "Asia/Shanghai", now=moment).cache_key(5.0) for moment in (just_before, just_after)}
    assert len(keys) == 1
    tomorrow = resolve(Preset.TODAY, "Asia/Shanghai", now=NOW + timedelta(days=1)).cache_key(5.0)
    assert tomorrow not in keys
    fixed = resolve(Preset.CUSTOM, "Asia/Shanghai", start=datetime(2026, 11, 1), end=datetime(2026, 11, 2), now=NOW)
    assert fixed.cache_key(5.0) == resolve(Preset.CUSTOM, "Asia/Shanghai", start=datetime(2026, 11, 1), end=datetime(2026, 11, 2), now=just_after).cache_key(5.0)
