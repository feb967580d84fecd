"""Working days in China: public holidays and make-up working days from ``chinese-calendar``.

The library carries the State Council's yearly notice; a year it does not cover yet (it is
published each November) falls back to "Monday to Friday are working days". Such a result is
marked *approximate* (``WorkItem.dueApproximate``), and a warning is logged once per year, so
an operator knows to upgrade the library (``pip install -U chinese-calendar``).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger("jiedao.work")
_warned: set[int] = set()


def covers(day: date) -> bool:
    """Whether the holiday calendar knows ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> tuple[bool, bool]:
    """``(working, exact)``: whether people work on ``day`` in China, and whether that came from
    the holiday calendar (``False``: weekends only, the calendar does not cover the year)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning(
                "the holiday calendar (chinese-calendar %s) does not cover %s: counting Monday to Friday as working days; "
                "upgrade chinese-calendar once the State Council publishes the year's holidays",
                getattr(chinese_calendar, "__version__", "?"), day.year,
            )
        return day.weekday() < 5, False


def add_working_days(start: date, days: int) -> tuple[date, bool]:
    """``(day, exact)``: the ``days``-th working day after ``start`` (``start`` itself not counted),
    and whether every day on the way was known to the holiday calendar."""
    if days < 1:
        raise ValueError("days must be at least 1")
    exact, day, left = True, start, days
    while left:
        day += timedelta(days=1)
        working, known = is_working_day(day)
        exact = exact and known
        left -= working
    return day, exact
