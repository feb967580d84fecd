"""Due times in working days: the Chinese holiday calendar with its make-up working days, per
street and category, and what happens beyond the years the calendar covers."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from jiedao.core.clock import CHINA
from jiedao.core.config import parse_config, validate_against
from jiedao.core.errors import ConfigurationError
from jiedao.core.plugins import discover
from jiedao.core.work import calendar
from jiedao.core.work.calendar import add_working_days, covers, is_working_day
from jiedao.core.work.settings import WorkSettings
from jiedao.core.work.sla import due_for


def china(y, m, d, hh=10) -> datetime:
    return datetime(y, m, d, hh, tzinfo=CHINA)


def test_an_item_due_on_the_eve_of_national_day_2026_is_due_after_the_holiday():
    # Opened Tuesday 29 September 2026 with two working days: 30 September, then 1-7 October are
    # the National Day holiday, so the second working day is Thursday 8 October.
    due, exact = due_for(WorkSettings(sla_days={"repair": 2}), "repair", china(2026, 9, 29))
    assert due.astimezone(CHINA) == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CHINA) and exact
    # With one working day it is due on the eve itself.
    assert due_for(WorkSettings(sla_days={"repair": 1}), "repair", china(2026, 9, 29))[0].astimezone(CHINA).date() == date(2026, 9, 30)


def test_a_make_up_working_saturday_counts():
    # Friday 9 October 2026 + one working day = Saturday 10 October, a make-up working day.
    assert add_working_days(date(2026, 10, 9), 1) == (date(2026, 10, 10), True)
    # An ordinary Saturday does not: Friday 16 October + 1 = Monday 19 October.
    assert add_working_days(date(2026, 10, 16), 1) == (date(2026, 10, 19), True)
    # Sunday 20 September 2026 is a make-up working day too; the holiday itself is not.
    assert is_working_day(date(2026, 9, 20)) == (True, True)
    assert is_working_day(date(2026, 10, 5)) == (False, True)


def test_the_service_level_is_per_street_and_category_with_defaults():
    settings = WorkSettings(default_sla_days=7, sla_days={"repair": 2})
    assert settings.days_for("repair") == 2
    assert settings.days_for("safety") == 1  # built-in default for the category
    assert settings.days_for("unheard-of") == 7
    opened = china(2026, 11, 2)  # a Monday
    assert due_for(settings, "safety", opened)[0].astimezone(CHINA).date() == date(2026, 11, 3)
    assert due_for(settings, "unheard-of", opened)[0].astimezone(CHINA).date() == date(2026, 11, 11)
    assert due_for(settings, "repair", opened)[0].tzinfo == UTC


def test_street_settings_come_from_the_work_section_of_plugins_toml():
    installed = discover().plugins
    config = parse_config({"streets": {"a": {"name": "A", "work": {"sla_days": {"repair": 4}}}, "b": {"name": "B"}}})
    assert validate_against(config, installed) == []
    assert config.streets["a"].settings["work"].days_for("repair") == 4
    assert config.streets["b"].settings["work"].days_for("repair") == 3
    bad = parse_config({"streets": {"a": {"name": "A", "work": {"sla_days": {"repair": 0}, "colour": "red"}}}})
    problems = validate_against(bad, installed)
    assert any("core section 'work', setting 'sla_days'" in p and "repair" in p for p in problems), problems
    assert any("setting 'colour': unknown setting" in p for p in problems), problems
    with pytest.raises(ConfigurationError):
        raise ConfigurationError(problems)


def test_beyond_the_calendar_weekends_only_with_a_warning_and_an_approximate_due_time(caplog, monkeypatch):
    # chinese-calendar 1.11.0 knows 2026 but not 2027: Monday to Friday count, the result says
    # it is approximate, and one warning per year tells the operator to upgrade the library.
    monkeypatch.setattr(calendar, "_warned", set())
    assert covers(date(2026, 12, 31)) and not covers(date(2027, 1, 4))
    with caplog.at_level(logging.WARNING, logger="jiedao.work"):
        assert add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 1), False)  # 元旦 2027 not known yet
        assert add_working_days(date(2027, 1, 8), 1) == (date(2027, 1, 11), False)  # weekends still skipped
    warnings = [r for r in caplog.records if "does not cover 2027" in r.getMessage()]
    assert len(warnings) == 1 and "upgrade chinese-calendar" in warnings[0].getMessage()
    due, exact = due_for(WorkSettings(), "repair", china(2026, 12, 30))
    assert not exact and due.astimezone(CHINA).date() == date(2027, 1, 4)
