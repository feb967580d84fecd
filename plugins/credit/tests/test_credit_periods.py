"""Publicity and repair periods by severity under the 2026 credit-repair rules (《信用修复管理办法》):
minor at most 3 months, general 3 months to 1 year, serious 1 to 3 years, in calendar months
from the decision; every penalty reason cites the rule; a decision's own period must lie within
its class; the appeal window is the street's setting."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jiedao.api import DomainError, today
from jiedao.plugins.credit import service
from jiedao.plugins.credit.plugin import Settings
from jiedao.plugins.credit.service import appeals
from jiedao.plugins.credit.service.periods import add_months
from jiedao.plugins.credit.tests.conftest import PENALTY, age_score
from jiedao.schema.ids import decode_global_id

REASONS = """query($id: ID!) { enterprise(id: $id) { score { value reasons { code publicityUntil repairFrom basis } } } }"""
FILE = """mutation($input: FileCreditAppealInput!) { fileCreditAppeal(input: $input) { appeal { status } errors { field code message } } }"""


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 3, date(2026, 4, 30)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2027, 11, 29), 3, date(2028, 2, 29)),
    (date(2026, 3, 15), 12, date(2027, 3, 15)),
    (date(2026, 3, 15), 36, date(2029, 3, 15)),
])
def test_months_are_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


async def test_each_severity_is_published_and_repairable_for_its_own_period_and_cites_the_rule(shop, client):
    decided = today() - timedelta(days=40)
    for severity, code, until, repair in (("GENERAL", "CP_PENALTY", 12, 3), ("SERIOUS", "CP_PENALTY_SERIOUS", 36, 12), ("MINOR", "CP_PENALTY_MINOR", 3, 0)):
        await shop.evidence(PENALTY, decidedOn=decided.isoformat(), decisionNo=f"罚{severity}", severity=severity)
        reasons = (await client.query(REASONS, {"id": shop.id}, token=await shop.inspector()))["enterprise"]["score"]["reasons"]
        reason = next(r for r in reasons if r["code"] == code)
        assert (reason["publicityUntil"], reason["repairFrom"]) == (add_months(decided, until).isoformat(), add_months(decided, repair).isoformat())
        assert reason["basis"].startswith("《信用修复管理办法》"), reason["basis"]


async def test_early_repair_opens_exactly_three_calendar_months_after_a_general_penalty(shop, kernel):
    decided = today() - timedelta(days=200)
    payload = await shop.evidence(PENALTY, decidedOn=decided.isoformat(), decisionNo="罚1")
    evidence = decode_global_id(payload["evidence"]["id"])[1]
    operator = service.Actor(None, "operator-1", shop.operator)
    opens = add_months(decided, 3)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        with pytest.raises(DomainError) as early:
            await appeals.request_repair(session, evidence, operator, "已履行", on=opens - timedelta(days=1))
        assert early.value.code == "TOO_EARLY" and opens.isoformat() in str(early.value)
        request = await appeals.request_repair(session, evidence, operator, "已履行", on=opens)
        assert request.status == "PENDING"


async def test_a_decisions_own_period_outside_its_class_is_refused_naming_the_field(shop):
    decided = today() - timedelta(days=10)
    for severity, days in (("GENERAL", 30), ("GENERAL", 400), ("SERIOUS", 200), ("MINOR", 120)):
        payload = await shop.do(PENALTY, {"enterpriseId": shop.id, "decidedOn": decided.isoformat(), "decisionNo": "罚", "severity": severity, "publicityDays": days})
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("publicityDays", "INVALID")], (severity, days)
        assert payload["evidence"] is None
    accepted = await shop.do(PENALTY, {"enterpriseId": shop.id, "decidedOn": decided.isoformat(), "decisionNo": "罚", "severity": "GENERAL", "publicityDays": 180})
    assert accepted["errors"] == []


async def test_the_appeal_window_is_the_streets_setting(shop, kernel, owner_db, monkeypatch):
    monkeypatch.setitem(kernel.config.streets["changqing"].settings, "credit", Settings(appeal_days=7))
    payload = await shop.evidence(PENALTY, decidedOn=(today() - timedelta(days=50)).isoformat(), decisionNo="罚7")
    await age_score(kernel, owner_db, payload["score"]["id"], 8)
    late = await shop.do(FILE, {"scoreId": payload["score"]["id"], "reason": "不服"}, await shop.owner())
    assert [(e["code"], e["message"]) for e in late["errors"]] == [("APPEAL_WINDOW_CLOSED", "a score can be appealed within 7 days of its computation")]


def test_an_appeal_window_of_zero_days_is_refused():
    with pytest.raises(ValueError):
        Settings(appeal_days=0)


def test_a_rule_by_severity_needs_a_general_rule_and_an_unlisted_severity_follows_it():
    from jiedao.plugins.credit.service.periods import publicity_until, rule_for
    from jiedao.plugins.credit.service.scorecard import RepairRule

    with pytest.raises(ValueError, match="GENERAL"):
        RepairRule(by_severity={"SERIOUS": {"publicity_months": 36, "min_months_before_repair": 12}})
    card = {"repair": {"PENALTY": {"by_severity": {"GENERAL": {"publicity_months": 12, "min_months_before_repair": 3},
                                                    "SERIOUS": {"publicity_months": 36, "min_months_before_repair": 12}}}}}
    minor = rule_for(card, "PENALTY", {"severity": "MINOR"})
    assert publicity_until(minor, date(2026, 1, 31)) == date(2027, 1, 31), "a severity the card does not list is published as GENERAL"
