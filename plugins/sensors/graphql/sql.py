"""The alarm list in SQL, for queries answered by one statement (``schema.compiled_reads``):
``alarms`` with each alarm's columns and its device — the duty screen's list, asked every
few seconds by every open cockpit.

Each column is the value the field gives on the same row (enums and times are written as
the field's type answers them by the compiler). An alarm's ``message`` is worded per request
language in Python, and its ``value`` may be a float JSON cannot carry: both are left to the
general path, as is every field not listed here. ``plugins/sensors/tests/test_compiled_alarms.py``
compares the declared fields with the general path's answer, per role.
"""

from __future__ import annotations

from jiedao.api.graphql import SqlLink, SqlRoot, SqlType, sql_root, sql_type
from jiedao.plugins.sensors import models
from jiedao.plugins.sensors.service.alarms import OPEN_STATUSES

sql_type(
    SqlType(
        "Device",
        "sensor_devices",
        columns={
            "deviceId": "{t}.device_id",
            "name": "{t}.name",
            "kind": "{t}.kind",
            "status": "{t}.status",
            "lastSeenAt": "{t}.last_seen_at",
            "floor": "{t}.floor",
        },
    ),
    models.Device,
)
sql_type(
    SqlType(
        "Alarm",
        "sensor_alarms",
        columns={
            "type": "{t}.type",
            "severity": "{t}.severity",
            "status": "{t}.status",
            "raisedAt": "{t}.raised_at",
            "updatedAt": "{t}.updated_at",
            "acknowledgedAt": "{t}.acknowledged_at",
            "clearedAt": "{t}.cleared_at",
            "repeatCount": "{t}.repeat_count",
            "escalationLevel": "{t}.escalation_level",
            "acknowledgedBy": "{t}.acknowledged_by",
            "clearedBy": "{t}.cleared_by",
            "note": "{t}.note",
        },
        links={"device": SqlLink("Device", "device_pk")},
    ),
    models.Alarm,
)
# As SensorsQuery.alarms filters: by default the open alarms; severity and type not given or
# empty filter nothing.
sql_root(
    "alarms",
    SqlRoot("Alarm", "connection", choices={"status": ("status", tuple(OPEN_STATUSES)), "severity": ("severity", None), "type": ("type", None)}),
)
