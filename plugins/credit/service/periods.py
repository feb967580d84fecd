"""Publicity and credit-repair periods of penalties and listings, by severity, with the rule
they follow.

The periods are the scorecard's (``repair`` in the definition), so a score stays
reproducible under the version it was computed with. The default scorecard follows the
National Development and Reform Commission's 《信用修复管理办法》 (adopted 19 November 2025, in
force since 1 April 2026), which sorts dishonesty information into three classes by severity:

- 轻微 (minor): in principle not published; where the authority publishes it, for at most
  3 months, and repair may be requested as soon as the legal obligations are fulfilled;
- 一般 (general): published at least 3 months and at most 1 year;
- 严重 (serious): published at least 1 year and at most 3 years.

Periods count from the date of the decision (认定之日); repair can be requested once the
minimum period has passed; publicity ends by itself when the maximum has passed. Months are
calendar months (a decision of 31 January is published at least until 30 April).

A rule is either in months (``publicity_months``, ``min_months_before_repair``) or, in
scorecard versions written before these rules, in days (``publicity_days``,
``min_days_before_early_repair``); ``by_severity`` refines a kind's rule by the evidence's
``details.severity`` (a severity it does not list follows its GENERAL rule).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_for(definition: dict[str, Any], kind: str, details: dict[str, Any] | None) -> dict[str, Any] | None:
    """The repair rule of an evidence kind, refined by its severity (``None``: not a
    published penalty or listing)."""
    rule = definition.get("repair", {}).get(kind)
    if rule is None:
        return None
    by_severity = rule.get("by_severity") or {}
    refined = by_severity.get((details or {}).get("severity") or "GENERAL") or by_severity.get("GENERAL")
    return {**rule, **refined, "by_severity": {}} if refined else rule


def _after(start: date, rule: dict[str, Any], months: str, days: str) -> date:
    if rule.get(months) is not None:
        return add_months(start, rule[months])
    return start + timedelta(days=rule.get(days) or 0)


def publicity_until(rule: dict[str, Any], occurred: date, details: dict[str, Any] | None = None) -> date:
    """The first day the item is no longer published (the decision's own ``publicity_days``
    when it set one)."""
    own = (details or {}).get("publicity_days")
    if own:
        return occurred + timedelta(days=own)
    return _after(occurred, rule, "publicity_months", "publicity_days")


def repair_from(rule: dict[str, Any], occurred: date) -> date:
    """The first day repair (提前停止公示) may be requested."""
    return _after(occurred, rule, "min_months_before_repair", "min_days_before_early_repair")


def longest_until(rule: dict[str, Any], occurred: date) -> date:
    """The end of the longest publicity the rule allows (a decision may set a shorter one)."""
    return _after(occurred, rule, "publicity_months", "publicity_days")
