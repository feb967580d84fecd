"""Fixtures of the credit tests: a restaurant with an operator, in a small registry.

Everything runs through the GraphQL API on the real databases of ``core.testing.fixtures``
(SQLite and PostgreSQL with row-level security). "Time passing" is the only shortcut:
``age_score`` moves a stored score's computation time into the past, as if days had gone by.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest_asyncio
from sqlalchemy import select, update

from jiedao.core.testing.fixtures import build_registry
from jiedao.plugins.credit.models import Score
from jiedao.plugins.credit.service.scorecard import DEFAULT
from jiedao.core.clock import today
from jiedao.schema.ids import decode_global_id, encode_global_id

SCORE = """id value riskClass riskZh riskEn annualGrade scorecardVersion trigger
  reasons { code dimension points zh en occurredOn evidenceId }
  overrides { code riskClass zh en }
  dimensions { key score max lost capped }
  repaired { evidenceId kind how }
  evidenceIds"""

CREATE = """mutation($input: CreateEnterpriseInput!) { createEnterprise(input: $input) {
  enterprise { id name score { %s } } errors { field code message } } }""" % SCORE


def evidence_mutation(name: str, input_type: str) -> str:
    """The text of an evidence mutation returning the evidence and the recomputed score."""
    return """mutation($input: %s!) { %s(input: $input) {
      evidence { id kind details } score { %s } errors { field code message } } }""" % (input_type, name, SCORE)


INSPECTION = evidence_mutation("recordInspection", "RecordInspectionInput")
COMPLAINT = evidence_mutation("recordComplaint", "RecordComplaintInput")
PENALTY = evidence_mutation("recordPenalty", "RecordPenaltyInput")
LISTING = evidence_mutation("recordListing", "RecordListingInput")
CERTIFICATION = evidence_mutation("recordCertification", "RecordCertificationInput")

SCORECARD = """mutation($input: CreateScorecardVersionInput!) { createCreditScorecardVersion(input: $input) {
  scorecard { version } errors { field code message } } }"""


def days_ago(n: int) -> str:
    """The ISO date ``n`` days before today (China time)."""
    return (today() - timedelta(days=n)).isoformat()


def checklist(failed_key: int = 0, failed_other: int = 0) -> list[dict[str, Any]]:
    """A ten-item checklist (four key items) with the given failures."""
    items = []
    for n in range(4):
        items.append({"code": f"K{n + 1}", "score": 5 if n < failed_key else 15, "maxScore": 15, "key": True})
    for n in range(6):
        items.append({"code": f"G{n + 1}", "score": 2 if n < failed_other else 6.5, "maxScore": 6.5})
    return items


@dataclass
class Shop:
    """A restaurant created for one test, its operator and the tokens of the people involved."""

    kernel: Any
    client: Any
    id: str
    pk: int
    operator: int
    residents: list[int]
    buildings: list[int]

    async def token(self, role: str, name: str | None = None, resident_id: int | None = None) -> str:
        return await self.client.token(role, username=name or f"{role}-changqing", resident_id=resident_id)

    async def inspector(self, name: str = "inspector-1") -> str:
        return await self.token("inspector", name)

    async def owner(self) -> str:
        return await self.token("resident", "operator-1", self.operator)

    async def admin(self) -> str:
        return await self.token("street_admin", "admin-changqing")

    async def do(self, mutation: str, input: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        """Run a mutation; returns its payload."""
        data = await self.client.query(mutation, {"input": input}, token=token or await self.inspector())
        return next(iter(data.values()))

    async def evidence(self, mutation: str, token: str | None = None, **input: Any) -> dict[str, Any]:
        """Record evidence for this shop; asserts it was accepted; returns the payload."""
        payload = await self.do(mutation, {"enterpriseId": self.id, **input}, token)
        assert payload["errors"] == [], payload["errors"]
        return payload

    async def scorecard(self, definition: dict[str, Any], note: str = "test") -> int:
        payload = await self.do(SCORECARD, {"definition": definition, "note": note}, await self.admin())
        assert payload["errors"] == [], payload["errors"]
        return payload["scorecard"]["version"]


async def make_shop(kernel, client, *, issued_days_ago: int = 400, licence: str = "JY133010500001") -> Shop:
    ids = await build_registry(kernel, "changqing", buildings=2, units_per_building=2)
    inspector = await client.token("inspector", username="inspector-1")
    data = await client.query(CREATE, {"input": {
        "name": "知味面馆", "licenceNo": licence, "licenceIssuedOn": days_ago(issued_days_ago),
        "buildingId": encode_global_id("Building", ids["buildings"][0]), "operatorId": encode_global_id("Resident", ids["residents"][0]),
    }}, token=inspector)
    payload = data["createEnterprise"]
    assert payload["errors"] == [], payload["errors"]
    gid = payload["enterprise"]["id"]
    return Shop(kernel, client, gid, decode_global_id(gid)[1], ids["residents"][0], ids["residents"], ids["buildings"])


@pytest_asyncio.fixture
async def shop(kernel, client) -> Shop:
    """A restaurant licensed 400 days ago, operated by the first resident of a new compound."""
    return await make_shop(kernel, client)


def flat_scorecard(points: float) -> dict[str, Any]:
    """The default scorecard reduced to one 100-point dimension where a substantiated
    complaint costs ``-points`` without decay: one complaint puts the score at 100 - points."""
    definition = copy.deepcopy(DEFAULT)
    definition["dimensions"] = [{"key": "all", "zh": "综合", "en": "Overall", "max": 100}]
    definition["rules"] = [{"code": "C", "kind": "COMPLAINT", "match": {"substantiated": True}, "dimension": "all", "points": -points,
                            "decay": False, "zh": "{date} 投诉属实", "en": "complaint of {date}"}]
    return definition


async def age_score(kernel, owner_db, score_gid: str, days: int) -> None:
    """As if ``days`` had passed since the score was computed (as the table owner: the
    application role may not rewrite scores)."""
    pk = decode_global_id(score_gid)[1]
    async with owner_db.transaction(kernel.street_id("changqing")) as session:
        computed_at = await session.scalar(select(Score.computed_at).where(Score.id == pk))
        await session.execute(update(Score).where(Score.id == pk).values(computed_at=computed_at - timedelta(days=days)))


def iso(day: date) -> str:
    return day.isoformat()
