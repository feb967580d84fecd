"""Residents' care needs: ages from the street's care settings (老年人权益保障法 Art. 2: 60; 高龄
80), counted from the birth year; living alone, disabled and bedridden recorded by a grid
worker with ``setCareNeeds``; a resident may not record them; the SQL clauses agree with
the per-resident profile."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from jiedao.core import clock
from jiedao.core.care import CareSettings, care_profile, elderly_clause, very_old_clause, vulnerable_clause
from jiedao.core.models import Resident
from jiedao.core.testing.fixtures import build_registry
from jiedao.schema.ids import encode_global_id

SET = """mutation($input: SetCareNeedsInput!) {
  setCareNeeds(input: $input) { resident { elderly veryOld livesAlone disabled bedridden careNeeds } errors { code field message } } }"""
READ = """query($id: ID!) { node(id: $id) { ... on Resident { elderly veryOld careNeeds } } }"""


async def _resident(kernel, birth_year):
    place = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    pk = place["residents"][0]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(Resident).where(Resident.id == pk).values(birth_year=birth_year, elderly=False, lives_alone=False))
    return encode_global_id("Resident", pk), pk


async def test_a_grid_worker_records_care_needs_and_the_age_decides_who_is_elderly(kernel, client, monkeypatch):
    resident, _ = await _resident(kernel, 1946)
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))
    worker = await client.token("grid_worker")
    assert (await client.query(READ, {"id": resident}, token=worker))["node"] == {"elderly": True, "veryOld": True, "careNeeds": ["VERY_OLD", "ELDERLY"]}
    done = (await client.query(SET, {"input": {"residentId": resident, "livesAlone": True, "bedridden": True}}, token=worker))["setCareNeeds"]
    assert done["errors"] == []
    assert done["resident"] == {"elderly": True, "veryOld": True, "livesAlone": True, "disabled": False, "bedridden": True,
                                "careNeeds": ["BEDRIDDEN", "VERY_OLD", "LIVES_ALONE", "ELDERLY"]}
    refused = (await client.query(SET, {"input": {"residentId": resident, "elderly": False}}, token=worker))["setCareNeeds"]["errors"]
    assert refused == [{"code": "INVALID", "field": "elderly", "message": "The resident's birth year decides whether they are elderly."}]
    admin = await client.token("street_admin")
    log = await client.query('{ auditLog(first: 5, action: "core.resident.care.set") { edges { node { target details } } } }', token=admin)
    assert [e["node"]["details"] for e in log["auditLog"]["edges"]] == [{"lives_alone": True, "bedridden": True}]


async def test_a_resident_and_a_mediator_may_not_record_care_needs(kernel, client):
    resident, pk = await _resident(kernel, 1980)
    for token in (await client.token("resident", username="owner-li", resident_id=pk), await client.token("mediator")):
        errors = await client.errors(SET, {"input": {"residentId": resident, "disabled": True}}, token=token)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    worker = await client.token("community_worker")
    assert (await client.query(READ, {"id": resident}, token=worker))["node"]["careNeeds"] == [], "nothing was written"


class _Person:
    def __init__(self, birth_year, elderly=False, lives_alone=False, disabled=False, bedridden=False):
        self.birth_year, self.elderly, self.lives_alone, self.disabled, self.bedridden = birth_year, elderly, lives_alone, disabled, bedridden


@pytest.mark.parametrize(
    ("settings", "person", "elderly", "very_old", "vulnerable"),
    [
        (CareSettings(), _Person(1966), True, False, False),  # 60 in 2026
        (CareSettings(), _Person(1967), False, False, False),
        (CareSettings(elderly_age=65), _Person(1966), False, False, False),
        (CareSettings(), _Person(1946), True, True, True),  # 80
        (CareSettings(very_old_age=85), _Person(1946), True, False, False),
        (CareSettings(), _Person(1960, lives_alone=True), True, False, True),
        (CareSettings(), _Person(1990, disabled=True), False, False, True),
        (CareSettings(), _Person(None, elderly=True), True, False, False),  # no birth year: as recorded
    ],
)
def test_care_profile_follows_the_streets_ages(settings, person, elderly, very_old, vulnerable):
    profile = care_profile(person, settings, date(2026, 12, 2))
    assert (profile.elderly, profile.very_old, profile.vulnerable) == (elderly, very_old, vulnerable)


def test_very_old_age_below_the_elderly_age_is_refused():
    with pytest.raises(ValueError, match="very_old_age"):
        CareSettings(elderly_age=70, very_old_age=65)


async def test_the_sql_clauses_count_what_the_profiles_say(kernel):
    place = await build_registry(kernel, "changqing", buildings=1, units_per_building=6)
    people = [(1940, False, True, False), (1962, True, False, False), (1970, False, False, True), (None, True, True, False), (1990, False, False, False)]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        for pk, (year, alone, elderly_flag, bedridden) in zip(place["residents"], people):
            await session.execute(update(Resident).where(Resident.id == pk).values(birth_year=year, lives_alone=alone, elderly=elderly_flag, bedridden=bedridden))
        chosen = Resident.id.in_(place["residents"][: len(people)])
        today, settings = date(2026, 12, 2), CareSettings()
        counts = [await session.scalar(select(func.count()).select_from(Resident).where(chosen, clause(settings, today)))
                  for clause in (elderly_clause, very_old_clause, vulnerable_clause)]
        rows = (await session.scalars(select(Resident).where(chosen))).all()
        profiles = [care_profile(r, settings, today) for r in rows]
    assert counts == [sum(p.elderly for p in profiles), sum(p.very_old for p in profiles), sum(p.vulnerable for p in profiles)] == [3, 1, 4]
