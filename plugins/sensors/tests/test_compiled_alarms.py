"""The alarm list answered by one compiled statement (plugins/sensors/graphql/sql.py, through
schema.compiled_reads) answers exactly as the general path, per role: the default of open
alarms, the status/severity/type choices, enums, times, the device, pages; on PostgreSQL
it is one statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text, update

from jiedao.core.identity.roles import GRID_WORKER, INSPECTOR, MEDIATOR, RESIDENT, STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.plain_path import served_and_general
from jiedao.plugins.sensors import models
from jiedao.schema.ids import encode_cursor

from .test_alarm_list_lookahead import _alarms

BENCH = "{ alarms(first: 20) { totalCount edges { node { id type severity status raisedAt device { deviceId } } } } }"
EVERYTHING = """query($first: Int, $after: String, $status: [AlarmStatus!], $severity: [AlarmSeverity!], $type: [AlarmType!]) {
  alarms(first: $first, after: $after, status: $status, severity: $severity, type: $type) { __typename totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id type severity status raisedAt updatedAt acknowledgedAt clearedAt repeatCount
      escalationLevel acknowledgedBy clearedBy note device { id deviceId name kind status lastSeenAt floor } } } } }"""
WITH_MESSAGE = "{ alarms(first: 5) { edges { node { id message } } } }"
"""``message`` is worded in Python for the request's language: not declared, the general path answers."""


async def _street(kernel, client) -> None:
    """Four monitors raising residual-current alarms in changqing (one acknowledged, one
    cleared, one raised on a whole second) and one in gongchen."""
    admin = await client.token(STREET_ADMIN)
    made = await build_registry(kernel, "changqing", buildings=1, units_per_building=4)
    await _alarms(kernel, client, admin, made["units"])
    async with kernel.db.transaction(kernel.street_id("gongchen")) as session:  # a street without the plugin, a row all the same
        device = models.Device(device_id="EM-9", kind="ELECTRIC_MONITOR")
        session.add(device)
        await session.flush()
        at = datetime(2026, 12, 1, tzinfo=UTC)
        session.add(models.Alarm(device_pk=device.id, type="RESIDUAL_CURRENT", severity="MAJOR", status="ACTIVE_UNACK", raised_at=at, updated_at=at))
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        ids = sorted((await session.scalars(models.Alarm.__table__.select().with_only_columns(models.Alarm.id))).all())
        moment = datetime(2026, 12, 4, 8, 30, 0, 123456, tzinfo=UTC)
        await session.execute(
            update(models.Alarm).where(models.Alarm.id == ids[0]).values(status="ACKNOWLEDGED", acknowledged_by="值班员\"甲", acknowledged_at=moment, note="到场\n处理")
        )
        await session.execute(update(models.Alarm).where(models.Alarm.id == ids[1]).values(status="CLEARED", cleared_by="system", cleared_at=moment))
        await session.execute(update(models.Alarm).where(models.Alarm.id == ids[2]).values(raised_at=datetime(2026, 12, 4, 8, 0, tzinfo=UTC)))


@pytest.mark.parametrize("role", [STREET_ADMIN, "community_worker", GRID_WORKER, MEDIATOR, INSPECTOR, RESIDENT])
async def test_every_answer_equals_the_general_paths(client, kernel, monkeypatch, role):
    await _street(kernel, client)
    token = await client.token(role)
    asked = [
        (BENCH, {}),
        (EVERYTHING, {}),
        (EVERYTHING, {"first": 2}),
        (EVERYTHING, {"first": 2, "after": encode_cursor("sensor_alarms", 1)}),
        (EVERYTHING, {"status": ["CLEARED", "ACKNOWLEDGED"]}),
        (EVERYTHING, {"status": []}),
        (EVERYTHING, {"severity": ["CRITICAL", "MAJOR", "MINOR"], "type": []}),
        (EVERYTHING, {"severity": ["MINOR"]}),
        (EVERYTHING, {"type": ["RESIDUAL_CURRENT"], "status": ["ACTIVE_UNACK", "ACKNOWLEDGED", "CLEARED_UNACK", "CLEARED"]}),
        (EVERYTHING, {"first": 0}),
        (EVERYTHING, {"after": "not a cursor"}),
        (EVERYTHING, {"status": ["NOT_A_STATUS"]}),
        (WITH_MESSAGE, {}),
    ]
    for query, variables in asked:
        served, general = await served_and_general(client, monkeypatch, query, variables, token)
        assert served == general, (role, query[:50], variables)


async def test_the_alarm_list_is_one_statement_on_postgresql(client, kernel):
    await _street(kernel, client)
    worker = await client.token("community_worker")
    answer = await client.query(BENCH, token=worker)
    assert answer["alarms"]["totalCount"] == 3, "the open ones: the cleared alarm is left out, gongchen's is not here"
    for query, variables in [(BENCH, {}), (EVERYTHING, {"status": ["CLEARED", "ACKNOWLEDGED"], "severity": ["MAJOR"], "first": 2})]:
        statements = await client.statements(query, variables, token=worker)
        assert statements == 1 if kernel.db.is_postgres else statements > 1, query[:40]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # the values are PostgreSQL's
@pytest.mark.parametrize(
    ("column", "stored"),
    [("acknowledged_at", "'infinity'"), ("acknowledged_at", "'-infinity'"), ("acknowledged_at", "'0044-03-15 00:00:00+00 BC'"),
     ("acknowledged_at", "'12026-12-04 08:30:00+00'"), ("type", "'GAS'"), ("severity", "'critical'")],
)
async def test_a_stored_value_the_type_cannot_answer_is_the_general_paths(client, kernel, monkeypatch, column, stored):
    """Written by hand or by another program: a moment Python cannot hold in a nullable time,
    a value no enum value stands for. The compiled statement steps aside, and the answer (a
    value, or the general path's error) is the general path's."""
    await _street(kernel, client)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        first = min((await session.scalars(models.Alarm.__table__.select().with_only_columns(models.Alarm.id))).all())
        await session.execute(update(models.Alarm).where(models.Alarm.id == first).values({column: text(stored)}))
    token = await client.token(STREET_ADMIN)
    query = "{ alarms { edges { node { id type severity acknowledgedAt clearedAt device { lastSeenAt } } } } }"
    served, general = await served_and_general(client, monkeypatch, query, {}, token)
    codes = [[e.get("extensions", {}).get("code") or e["message"] for e in answer.get("errors", [])] for answer in (served, general)]
    assert served.get("data") == general.get("data") and codes[0] == codes[1], (served, general)
