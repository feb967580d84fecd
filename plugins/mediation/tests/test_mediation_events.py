"""The finding events other plugins (credit) read by attribute: their fields are a contract."""

from __future__ import annotations

import dataclasses

from jiedao.plugins.mediation.events import EVENTS, FindingCreated, FindingStatusChanged
from jiedao.plugins.mediation.plugin import PLUGIN

REQUIRED = ["finding_id", "task_force_id", "building_id", "unit_id", "category", "department", "status"]
OPTIONAL = ["licence_no", "description", "created_on", "deadline"]


def test_finding_events_carry_the_fields_subscribers_read():
    assert PLUGIN.events == EVENTS == (FindingCreated, FindingStatusChanged)
    assert [e.name for e in EVENTS] == ["mediation.finding.created", "mediation.finding.status_changed"]
    for event in EVENTS:
        fields = dataclasses.fields(event)
        assert [f.name for f in fields] == REQUIRED + OPTIONAL
        assert all(f.default is None for f in fields if f.name in OPTIONAL)
        assert all(f.default is dataclasses.MISSING for f in fields if f.name in REQUIRED)
