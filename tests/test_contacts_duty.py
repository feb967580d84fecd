"""The duty roster and staff notification addresses through GraphQL as the real roles."""

from __future__ import annotations

from jiedao.core.testing.fixtures import build_registry

SCHEDULE = """mutation($input: ScheduleDutyInput!) {
  scheduleDuty(input: $input) { dutyShift { id username community { name } startsAt endsAt } errors { code field } } }"""
CANCEL = """mutation($id: ID!) { cancelDuty(input: {dutyShiftId: $id}) { dutyShift { username } errors { code field } } }"""
ON_DUTY = """query($at: DateTime) { dutyShifts(at: $at) { username community { name } } }"""
ADDRESSES = """mutation($input: SetNotificationAddressesInput!) {
  setNotificationAddresses(input: $input) { addresses { username phone dingtalkUserId wecomUserId } errors { code field } } }"""
MINE = "{ me { notificationAddresses { username phone dingtalkUserId wecomUserId } } }"
JANUARY = {"startsAt": "2026-01-01T00:00:00+08:00", "endsAt": "2026-02-01T00:00:00+08:00"}


async def test_the_street_admin_schedules_and_cancels_duty(kernel, client):
    await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    admin = await client.token("street_admin")
    await client.token("community_worker", username="li-worker")
    community = (await client.query("{ communities { id name } }", token=admin))["communities"][0]
    made = (await client.query(SCHEDULE, {"input": {"username": "li-worker", "communityId": community["id"], **JANUARY}}, token=admin))["scheduleDuty"]
    assert made["errors"] == [] and made["dutyShift"]["community"] == {"name": community["name"]}
    officer = (await client.query(SCHEDULE, {"input": {"username": "street_admin-changqing", **JANUARY}}, token=admin))["scheduleDuty"]
    assert officer["dutyShift"]["community"] is None, "no community: the street's duty officer"
    grid = await client.token("grid_worker")
    assert (await client.query(ON_DUTY, {"at": "2026-01-15T03:00:00+08:00"}, token=grid))["dutyShifts"] == [
        {"username": "street_admin-changqing", "community": None},
        {"username": "li-worker", "community": {"name": community["name"]}},
    ]
    assert (await client.query(ON_DUTY, {"at": "2026-02-01T00:00:00+08:00"}, token=grid))["dutyShifts"] == [], "the end is excluded"
    cancelled = (await client.query(CANCEL, {"id": made["dutyShift"]["id"]}, token=admin))["cancelDuty"]
    assert cancelled == {"dutyShift": {"username": "li-worker"}, "errors": []}
    assert [s["username"] for s in (await client.query(ON_DUTY, {"at": "2026-01-15T03:00:00+08:00"}, token=grid))["dutyShifts"]] == ["street_admin-changqing"]


async def test_a_shift_must_end_after_it_starts_and_name_an_account_of_the_street(kernel, client):
    admin = await client.token("street_admin")
    await client.token("street_admin", "gongchen", username="gongchen-boss")
    backwards = {"username": "street_admin-changqing", "startsAt": JANUARY["endsAt"], "endsAt": JANUARY["startsAt"]}
    assert (await client.query(SCHEDULE, {"input": backwards}, token=admin))["scheduleDuty"]["errors"] == [{"code": "BAD_INPUT", "field": "endsAt"}]
    elsewhere = (await client.query(SCHEDULE, {"input": {"username": "gongchen-boss", **JANUARY}}, token=admin))["scheduleDuty"]
    assert elsewhere["errors"] == [{"code": "BAD_INPUT", "field": "username"}]
    nobody = (await client.query(SCHEDULE, {"input": {"username": "nobody", **JANUARY}}, token=admin))["scheduleDuty"]
    assert nobody["errors"] == [{"code": "NOT_FOUND", "field": "username"}]


async def test_lower_roles_may_not_manage_or_read_the_roster(kernel, client):
    admin = await client.token("street_admin")
    shift = (await client.query(SCHEDULE, {"input": {"username": "street_admin-changqing", **JANUARY}}, token=admin))["scheduleDuty"]["dutyShift"]["id"]
    for role in ("resident", "grid_worker", "community_worker"):
        token = await client.token(role)
        errors = await client.errors(SCHEDULE, {"input": {"username": "street_admin-changqing", **JANUARY}}, token=token)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", role
        assert (await client.errors(CANCEL, {"id": shift}, token=token))[0]["extensions"]["code"] == "FORBIDDEN", role
    resident = await client.token("resident")
    assert (await client.errors(ON_DUTY, {"at": None}, token=resident))[0]["extensions"]["code"] == "FORBIDDEN"


async def test_anyone_sets_their_own_addresses_and_the_street_admin_those_of_its_staff(kernel, client):
    grid = await client.token("grid_worker", username="wang-grid")
    own = (await client.query(ADDRESSES, {"input": {"phone": "138 0000 0001", "dingtalkUserId": "dt-wang", "wecomUserId": "wc-wang"}}, token=grid))
    assert own["setNotificationAddresses"] == {"addresses": {"username": "wang-grid", "phone": "13800000001", "dingtalkUserId": "dt-wang", "wecomUserId": "wc-wang"}, "errors": []}
    assert (await client.query(MINE, token=grid))["me"]["notificationAddresses"]["phone"] == "13800000001"

    resident = await client.token("resident", username="owner-zhao")
    refused = (await client.query(ADDRESSES, {"input": {"username": "wang-grid", "phone": "13800000009"}}, token=resident))["setNotificationAddresses"]
    assert refused["errors"] == [{"code": "FORBIDDEN", "field": "username"}]
    worker = await client.token("community_worker")
    refused = (await client.query(ADDRESSES, {"input": {"username": "wang-grid", "phone": "13800000009"}}, token=worker))["setNotificationAddresses"]
    assert refused["errors"] == [{"code": "FORBIDDEN", "field": "username"}]
    mine = (await client.query(ADDRESSES, {"input": {"phone": "13800000002"}}, token=resident))["setNotificationAddresses"]
    assert mine["addresses"]["phone"] == "13800000002", "anyone sets their own"

    admin = await client.token("street_admin")
    set_by_admin = (await client.query(ADDRESSES, {"input": {"username": "wang-grid", "phone": "13800000003", "dingtalkUserId": "dt-wang"}}, token=admin))
    assert set_by_admin["setNotificationAddresses"]["addresses"] == {"username": "wang-grid", "phone": "13800000003", "dingtalkUserId": "dt-wang", "wecomUserId": None}
    await client.token("grid_worker", "gongchen", username="far-away")
    other_street = (await client.query(ADDRESSES, {"input": {"username": "far-away", "phone": "13800000004"}}, token=admin))["setNotificationAddresses"]
    assert other_street["errors"] == [{"code": "BAD_INPUT", "field": "username"}]
    bad = (await client.query(ADDRESSES, {"input": {"phone": "110"}}, token=grid))["setNotificationAddresses"]
    assert bad["errors"] == [{"code": "BAD_INPUT", "field": "phone"}]
    log = await client.query('{ auditLog(first: 10, action: "core.staff.addresses.set") { edges { node { details } } } }', token=admin)
    assert "13800000003" not in str(log) and "138****0003" in str(log), "the audit log holds the phone masked"


async def test_the_roster_is_asked_at_an_instant_with_its_time_zone(kernel, client):
    grid = await client.token("grid_worker")
    errors = await client.errors(ON_DUTY, {"at": "2026-01-15T03:00:00"}, token=grid)
    assert errors[0]["extensions"] == {"code": "BAD_INPUT", "field": "at"}
