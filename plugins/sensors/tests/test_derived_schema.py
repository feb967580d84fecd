"""Enum arguments reach the resolvers as Enum members in a street schema derived for fewer
plugins too (the derived schema keeps Strawberry's enum types)."""

from __future__ import annotations

import pytest

from .conftest import register_devices


@pytest.fixture
def jiedao_streets():
    return {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}}


async def test_enum_arguments_filter_in_a_street_with_only_sensors(kernel, client):
    assert kernel.schemas.sdl("changqing") != kernel.schemas.sdl()  # a derived schema
    await register_devices(kernel)
    token = await client.token("street_admin")
    data = await client.query(
        "{ devices(kind: SMOKE_DETECTOR, status: UNKNOWN) { edges { node { deviceId kind } } } alarms(status: [CLEARED], severity: [MAJOR], type: [SMOKE]) { totalCount } }",
        token=token,
    )
    assert data["devices"]["edges"] and {e["node"]["kind"] for e in data["devices"]["edges"]} == {"SMOKE_DETECTOR"}
    assert data["alarms"]["totalCount"] == 0
    made = await client.query(
        'mutation { registerDevice(input: {deviceId: "EV-9", kind: EV_CHARGER_FIRE}) { device { kind status } errors { code } } }', token=token
    )
    assert made["registerDevice"] == {"device": {"kind": "EV_CHARGER_FIRE", "status": "UNKNOWN"}, "errors": []}
